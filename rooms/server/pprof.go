package server

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"strings"
	"time"
)

// The profiling routes of the admin listener, at the paths `go tool pprof`
// and `go tool trace` expect (/debug/pprof/profile, /heap, /goroutine,
// /trace, ...). They are served from runtime/pprof here rather than by
// importing net/http/pprof, whose import adds them to
// http.DefaultServeMux: a program embedding this package and serving that
// mux would publish its profiles without knowing.

// maxProfileSeconds bounds a CPU profile or trace asked for by ?seconds=.
const maxProfileSeconds = 300

func pprofRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /debug/pprof/{$}", pprofIndex)
	mux.HandleFunc("GET /debug/pprof/cmdline", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, strings.Join(os.Args, "\x00"))
	})
	mux.HandleFunc("GET /debug/pprof/profile", timed("profile", 30, pprof.StartCPUProfile, pprof.StopCPUProfile))
	mux.HandleFunc("GET /debug/pprof/trace", timed("trace", 1, trace.Start, trace.Stop))
	mux.HandleFunc("GET /debug/pprof/{name}", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		p := pprof.Lookup(name)
		if p == nil {
			http.Error(w, "unknown profile", http.StatusNotFound)
			return
		}
		if name == "heap" && r.FormValue("gc") != "" {
			runtime.GC()
		}
		debug, _ := strconv.Atoi(r.FormValue("debug"))
		if debug > 0 {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		} else {
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
		}
		_ = p.WriteTo(w, debug)
	})
}

// timed serves a recording that runs for ?seconds= (def without it): a CPU
// profile or an execution trace, written as it is taken.
func timed(name string, def int, start func(io.Writer) error, stop func()) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		d := profileSeconds(r, def)
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
		if err := start(w); err != nil { // one at a time: -cpuprofile, or another request's
			http.Error(w, name+": "+err.Error(), http.StatusInternalServerError)
			return
		}
		sleep(r, d)
		stop()
	}
}

// profileSeconds is the ?seconds= of a CPU profile or trace, within bounds.
func profileSeconds(r *http.Request, def int) time.Duration {
	sec, err := strconv.Atoi(r.FormValue("seconds"))
	if err != nil || sec <= 0 {
		sec = def
	}
	return time.Duration(min(sec, maxProfileSeconds)) * time.Second
}

// sleep waits d, or less when the client goes away.
func sleep(r *http.Request, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	}
}

// pprofIndex lists the profiles.
func pprofIndex(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	var b strings.Builder
	b.WriteString("<!doctype html><title>/debug/pprof/</title><h1>/debug/pprof/</h1><ul>")
	for _, p := range pprof.Profiles() {
		n := html.EscapeString(p.Name())
		fmt.Fprintf(&b, `<li><a href="%s?debug=1">%s</a> (%d)</li>`, n, n, p.Count())
	}
	b.WriteString(`<li><a href="profile?seconds=30">profile</a>: a 30 s CPU profile</li>`)
	b.WriteString(`<li><a href="trace?seconds=1">trace</a>: a 1 s execution trace</li>`)
	b.WriteString(`<li><a href="cmdline">cmdline</a></li></ul>`)
	w.Write([]byte(b.String()))
}
