package server_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/tickroom/tickroom/rooms/server"
)

// sidecar is a fake Agones SDK sidecar: it records every call and answers 200, except the
// first /ready, which it refuses as a sidecar that has not started yet would.
type sidecar struct {
	mu      sync.Mutex
	calls   []sidecarCall // guarded by mu
	refused bool          // guarded by mu: the first /ready was refused
	url     string
}

type sidecarCall struct {
	at                 time.Time
	method, path, body string
}

func newSidecar(t *testing.T) *sidecar {
	sc := &sidecar{}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		sc.mu.Lock()
		defer sc.mu.Unlock()
		if r.URL.Path == "/ready" && !sc.refused {
			sc.refused = true
			http.Error(w, "not yet", http.StatusServiceUnavailable)
			return
		}
		sc.calls = append(sc.calls, sidecarCall{time.Now(), r.Method, r.URL.Path, string(body)})
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "{}")
	}))
	t.Cleanup(hs.Close)
	sc.url = hs.URL
	return sc
}

func (sc *sidecar) snapshot() []sidecarCall {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return append([]sidecarCall(nil), sc.calls...)
}

// count is the number of calls to path at or after since.
func (sc *sidecar) count(path string, since time.Time) int {
	n := 0
	for _, c := range sc.snapshot() {
		if c.path == path && !c.at.Before(since) {
			n++
		}
	}
	return n
}

// lastCounter is the body of the last PATCH of counter name.
func (sc *sidecar) lastCounter(name string) string {
	body := ""
	for _, c := range sc.snapshot() {
		if c.method == http.MethodPatch && c.path == "/v1beta1/counters/"+name {
			body = c.body
		}
	}
	return body
}

func (sc *sidecar) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("sidecar: no %s; calls: %v", what, sc.snapshot())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestAgones: against a fake sidecar: Ready first (retried after a refusal), Health at its
// period, the players and rooms counters as they change, and Shutdown once the drain ends,
// after which nothing more is sent.
func TestAgones(t *testing.T) {
	sc := newSidecar(t)
	const period = 100 * time.Millisecond
	srv, public, _ := opsServer(t, func(c *server.Config) {
		c.Ops.Agones = server.AgonesConfig{Enabled: true, URL: sc.url, HealthPeriod: period}
		c.Ops.DrainTimeout = 300 * time.Millisecond
	})
	sc.waitFor(t, "ready", func() bool { return sc.count("/ready", time.Time{}) == 1 })
	if first := sc.snapshot()[0]; first.method != http.MethodPost || first.path != "/ready" || first.body != "{}" {
		t.Fatalf("the first call: %+v, want POST /ready {}", first)
	}
	sc.waitFor(t, "counters at 0", func() bool {
		return sc.lastCounter("players") == `{"count":"0"}` && sc.lastCounter("rooms") == `{"count":"0"}`
	})
	start := time.Now()
	time.Sleep(time.Second)
	if n := sc.count("/health", start); n < 5 || n > 15 {
		t.Fatalf("%d health calls in 1 s at a %v period", n, period)
	}
	join(t, public)
	sc.waitFor(t, "counters at 1", func() bool {
		return sc.lastCounter("players") == `{"count":"1"}` && sc.lastCounter("rooms") == `{"count":"1"}`
	})
	srv.Drain()
	sc.waitFor(t, "shutdown", func() bool { return sc.count("/shutdown", time.Time{}) == 1 })
	calls := sc.snapshot()
	if last := calls[len(calls)-1]; last.path != "/shutdown" || last.method != http.MethodPost {
		t.Fatalf("the last call: %+v, want POST /shutdown", last)
	}
	time.Sleep(3 * period)
	if n := len(sc.snapshot()); n != len(calls) {
		t.Fatalf("calls after the shutdown: %v", sc.snapshot()[len(calls):])
	}
}

// TestAgonesStall: Health stops while the tick scheduler is stalled (every room standing still
// for StallAfter) and resumes when it ticks again.
func TestAgonesStall(t *testing.T) {
	sc := newSidecar(t)
	var st *stall
	srv, public, _ := opsServer(t, func(c *server.Config) {
		c.Ops.Agones = server.AgonesConfig{Enabled: true, URL: sc.url, HealthPeriod: 100 * time.Millisecond}
		c.Ops.StallAfter = 500 * time.Millisecond
		st = c.Modes[len(c.Modes)-1].(stallMode).st
	})
	joinMode(t, public, "stall")
	onlyRoom(t, srv)
	sc.waitFor(t, "health", func() bool { return sc.count("/health", time.Time{}) > 2 })
	st.block()
	// Within StallAfter and a monitor period the pings stop; then none for a second.
	var quiet time.Time
	sc.waitFor(t, "a quiet second", func() bool {
		if quiet.IsZero() || sc.count("/health", quiet) > 0 {
			quiet = time.Now()
			return false
		}
		return time.Since(quiet) > time.Second
	})
	st.unblock()
	resumed := time.Now()
	sc.waitFor(t, "health again", func() bool { return sc.count("/health", resumed) > 0 })
}
