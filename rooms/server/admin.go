package server

import (
	"crypto/subtle"
	"embed"
	"io/fs"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// The admin listener's routes (docs/operations.md, "Admin routes"). They
// are for operators and their tools, never for players: keep the listener
// on loopback, or set Ops.AdminToken.

//go:embed admin
var adminFiles embed.FS

// adminRoutes is the admin mux behind its guard.
func (o *ops) adminRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(o.registry, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	mux.HandleFunc("GET /livez", o.livez)
	mux.HandleFunc("GET /readyz", o.readyz)
	pprofRoutes(mux)
	page, _ := fs.Sub(adminFiles, "admin")
	files := http.FileServerFS(page)
	mux.Handle("GET /admin/", http.StripPrefix("/admin", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The page changes with the binary: browsers revalidate every load.
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/admin/", http.StatusFound)
	})
	mux.HandleFunc("GET /admin/api/overview", o.apiOverview)
	mux.HandleFunc("GET /admin/api/rooms", o.apiRooms)
	mux.HandleFunc("GET /admin/api/rooms/{id}", o.apiRoom)
	mux.HandleFunc("POST /admin/api/rooms/{id}/close", o.apiClose)
	mux.HandleFunc("POST /admin/api/drain", o.apiDrain)
	return o.guard(mux)
}

// guard puts the admin routes behind their checks. With a token, every
// request must carry it. Without one (a loopback listener), a request must
// be addressed to a loopback host, so that a web page cannot reach the
// routes through a DNS name it rebinds to 127.0.0.1. Either way a browser
// POST must come from the admin's own origin, so that another page cannot
// drain the server or close rooms through the operator's browser.
func (o *ops) guard(next http.Handler) http.Handler {
	token := []byte(o.cfg.AdminToken)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		switch {
		case len(token) > 0 && !bearer(r, token):
			w.Header().Set("WWW-Authenticate", `Bearer realm="tickroom admin"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		case len(token) == 0 && !loopbackHost(r.Host):
			http.Error(w, "forbidden: without an admin token, address the admin listener as localhost", http.StatusForbidden)
			return
		case r.Method != http.MethodGet && r.Method != http.MethodHead && !sameOrigin(r):
			http.Error(w, "forbidden: cross-origin request", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// bearer reports whether r carries "Authorization: Bearer <token>",
// compared in constant time.
func bearer(r *http.Request, token []byte) bool {
	const prefix = "Bearer "
	h := r.Header.Get("Authorization")
	if len(h) < len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(h[len(prefix):])), token) == 1
}

// loopbackHost reports whether a Host header names this machine.
func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// sameOrigin reports whether a request has no Origin (not a browser's
// cross-site request) or one whose host is the request's own.
func sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}

// livez answers 200 while the process and its tick scheduler are alive
// (monitor.live), 503 with the reason otherwise.
func (o *ops) livez(w http.ResponseWriter, r *http.Request) {
	ok, why := o.mon.live(time.Now())
	probeAnswer(w, ok, why)
}

// readyz answers 200 while the server takes new players, 503 with the
// reasons while it drains, shuts down or a ready check fails.
func (o *ops) readyz(w http.ResponseWriter, r *http.Request) {
	ok, why := o.s.ready()
	probeAnswer(w, ok, strings.Join(why, "; "))
}

func probeAnswer(w http.ResponseWriter, ok bool, why string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if ok {
		w.Write([]byte("ok\n"))
		return
	}
	w.WriteHeader(http.StatusServiceUnavailable)
	w.Write([]byte(why + "\n"))
}

// ready reports whether the server takes new players, and why not.
func (s *Server) ready() (bool, []string) {
	var why []string
	switch {
	case s.ops.stoppingNow():
		why = append(why, "shutting down")
	case s.Draining(), s.host.Draining(): // the host's own Drain (an embedder may call it) counts too
		why = append(why, "draining")
	}
	for _, rc := range s.ops.cfg.ReadyChecks {
		if err := rc.Check(); err != nil {
			why = append(why, rc.Name+": "+err.Error())
		}
	}
	return len(why) == 0, why
}
