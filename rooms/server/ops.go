package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Ops configures how a server is operated (docs/operations.md): its admin
// listener, its drain, its liveness and readiness, and the Agones sidecar.
// Its zero value means no admin listener, a 30 s drain, a 10 s stall bound
// and no Agones.
type Ops struct {
	// AdminAddr is the admin listener's address (host:port), apart from the
	// public one: /metrics, /livez, /readyz, /debug/pprof/, the monitor page
	// at /admin/ and the admin API. "" means none (cmd/gameserver's
	// -admin-addr defaults to 127.0.0.1:9090); AdminHandler serves the same
	// routes in a listener of your own.
	AdminAddr string
	// AdminToken, when set, is required on every admin route as
	// "Authorization: Bearer <token>". It must be set when AdminAddr is not
	// a loopback address (an IP literal of the loopback range or
	// "localhost"): New refuses such a Config without it.
	AdminToken string
	// DrainTimeout bounds a drain (Server.Drain): rooms still running then
	// are closed with room:closed {reason: "shutdown"}. Zero means 30 s;
	// negative means no wait: a drain closes the rooms at once.
	DrainTimeout time.Duration
	// StallAfter is how long the rooms' ticks may stand still before the
	// tick scheduler counts as stalled: /livez answers 503 and the Agones
	// health pings stop when every room that should tick has not ticked for
	// that long. Zero means 10 s.
	StallAfter time.Duration
	// ReadyChecks are more conditions of /readyz, beside "not draining": a
	// check returning an error makes the server not ready (a cluster bus
	// that cannot be reached, say). They are called on every /readyz and
	// must return quickly.
	ReadyChecks []ReadyCheck
	// Agones, when Enabled, reports the server's life to the local Agones
	// SDK sidecar (agones.go).
	Agones AgonesConfig
}

// ReadyCheck is one condition of /readyz.
type ReadyCheck struct {
	// Name says what is checked, in /readyz's answer and the log.
	Name string
	// Check returns nil while the server can take new players.
	Check func() error
}

// AgonesConfig is how the server talks to the Agones SDK sidecar over its
// REST API: Ready once the listener is up, Health at HealthPeriod while
// the tick scheduler is alive, the `players` and `rooms` counters, and
// Shutdown when the server shuts down (a drain's end).
type AgonesConfig struct {
	// Enabled turns it on.
	Enabled bool
	// URL is the sidecar's REST address. "" means
	// http://localhost:$AGONES_SDK_HTTP_PORT, or port 9358 (Agones'
	// default) when that variable is not set.
	URL string
	// HealthPeriod is the time between two Health calls. Zero means 2 s.
	HealthPeriod time.Duration
}

// The defaults of Ops.
const (
	defaultDrainTimeout  = 30 * time.Second
	defaultStallAfter    = 10 * time.Second
	defaultHealthPeriod  = 2 * time.Second
	defaultAgonesPort    = "9358"
	agonesPortEnv        = "AGONES_SDK_HTTP_PORT"
	monitorPeriod        = time.Second
	monitorHistoryLength = 600 // ten minutes of samples
)

func (o *Ops) validate() error {
	switch {
	case o.StallAfter < 0:
		return fmt.Errorf("StallAfter %v < 0", o.StallAfter)
	case o.Agones.HealthPeriod < 0:
		return fmt.Errorf("Agones.HealthPeriod %v < 0", o.Agones.HealthPeriod)
	}
	for i, rc := range o.ReadyChecks {
		if rc.Check == nil {
			return fmt.Errorf("ReadyChecks[%d] (%q) has no Check", i, rc.Name)
		}
	}
	if o.AdminAddr == "" {
		return nil
	}
	loopback, err := loopbackAddr(o.AdminAddr)
	if err != nil {
		return fmt.Errorf("AdminAddr %q: %w", o.AdminAddr, err)
	}
	if !loopback && o.AdminToken == "" {
		return fmt.Errorf("AdminAddr %q is not a loopback address: an AdminToken is required", o.AdminAddr)
	}
	return nil
}

func (o Ops) withDefaults() Ops {
	if o.DrainTimeout == 0 {
		o.DrainTimeout = defaultDrainTimeout
	}
	if o.StallAfter == 0 {
		o.StallAfter = defaultStallAfter
	}
	if o.Agones.HealthPeriod == 0 {
		o.Agones.HealthPeriod = defaultHealthPeriod
	}
	if o.Agones.URL == "" {
		port := os.Getenv(agonesPortEnv)
		if port == "" {
			port = defaultAgonesPort
		}
		o.Agones.URL = "http://localhost:" + port
	}
	o.ReadyChecks = append([]ReadyCheck(nil), o.ReadyChecks...)
	return o
}

// loopbackAddr reports whether addr (host:port) names only this machine:
// a loopback IP literal or "localhost". An empty host is every interface.
func loopbackAddr(addr string) (bool, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, err
	}
	if host == "localhost" {
		return true, nil
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback(), nil
}

// ops is a server's operations side: its metrics registry, its monitor,
// the admin routes and listener, the drain and the Agones reporter.
type ops struct {
	s        *Server              // static
	cfg      Ops                  // static
	registry *prometheus.Registry // static
	mon      *monitor             // static
	admin    http.Handler         // static: the admin routes behind their auth
	stopping chan struct{}        // closed when the server starts shutting down

	drainOnce     sync.Once
	draining      atomic.Bool
	drainDeadline atomic.Int64 // Unix ns; set when draining starts
	stopOnce      sync.Once

	mu       sync.Mutex
	adminLn  net.Listener // guarded by mu: bound by ListenAdmin or Serve
	adminSrv *http.Server // guarded by mu: serving adminLn
	agones   *agones      // guarded by mu: started by Serve
	stopped  bool         // guarded by mu: the server has shut down its operations side
}

func newOps(s *Server) *ops {
	o := &ops{s: s, cfg: s.cfg.Ops, stopping: make(chan struct{})}
	o.cfg.ReadyChecks = append(o.cfg.ReadyChecks, s.clusterReadyChecks()...)
	o.registry = newRegistry(s)
	o.mon = newMonitor(s, monitorPeriod, o.cfg.StallAfter)
	o.admin = o.adminRoutes()
	return o
}

// ListenAdmin binds the admin listener of Config.Ops.AdminAddr now and
// returns its address (nil when no admin listener is configured); Serve
// serves it. Serve binds it itself when ListenAdmin was not called: call it
// first to learn a port the system chose (":0") before serving.
func (s *Server) ListenAdmin() (net.Addr, error) {
	o := s.ops
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.cfg.AdminAddr == "" {
		return nil, nil
	}
	if o.stopped {
		return nil, ErrServed
	}
	if o.adminLn == nil {
		ln, err := net.Listen("tcp", o.cfg.AdminAddr)
		if err != nil {
			return nil, fmt.Errorf("tickroom: admin listener: %w", err)
		}
		o.adminLn = ln
	}
	return o.adminLn.Addr(), nil
}

// AdminAddr is the admin listener's address once bound (ListenAdmin or
// Serve); nil before, or without one.
func (s *Server) AdminAddr() net.Addr {
	o := s.ops
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.adminLn == nil {
		return nil
	}
	return o.adminLn.Addr()
}

// AdminHandler is the admin routes (/metrics, /livez, /readyz,
// /debug/pprof/, /admin/...), behind Ops.AdminToken when it is set, for a
// server that mounts them in a listener of its own. Without a token it
// answers only requests addressed to a loopback host (Host: localhost or
// 127.0.0.1): set a token to serve it under another name. Keep it off the
// public listener: it closes rooms and drains the server.
func (s *Server) AdminHandler() http.Handler { return s.ops.admin }

// Registry is the server's own Prometheus registry (its metrics and the Go
// runtime's and process' collectors); /metrics serves it. Register a
// game's own collectors on it to have them served alongside.
func (s *Server) Registry() *prometheus.Registry { return s.ops.registry }

// start serves the admin listener and starts the Agones reporter; Serve
// calls it once the public listener is up.
func (o *ops) start() error {
	if _, err := o.s.ListenAdmin(); err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.stopped {
		return ErrServed
	}
	if o.adminLn != nil {
		hs := &http.Server{
			Handler: o.admin, ReadHeaderTimeout: o.s.cfg.HTTP.ReadHeaderTimeout,
			IdleTimeout: o.s.cfg.HTTP.IdleTimeout, MaxHeaderBytes: o.s.cfg.HTTP.MaxHeaderBytes,
		}
		o.adminSrv = hs
		ln := o.adminLn
		go func() {
			if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				o.s.log.Error("tickroom: admin listener failed", "err", err)
			}
		}()
		o.s.log.Info("tickroom: admin listening", "addr", "http://"+ln.Addr().String()+"/", "token", o.cfg.AdminToken != "")
	}
	if o.cfg.Agones.Enabled {
		o.agones = newAgones(o.s, o.cfg.Agones)
		o.agones.start()
	}
	return nil
}

// beginStop marks the start of the server's shutdown: not ready any more,
// and a drain in progress stops waiting.
func (o *ops) beginStop() {
	o.stopOnce.Do(func() { close(o.stopping) })
}

// stop ends the operations side once the rooms and connections are closed:
// the Agones sidecar hears Shutdown, the monitor stops, and the admin
// listener closes last, so that scrapes and probes see the shutdown.
func (o *ops) stop(ctx context.Context) {
	o.beginStop()
	o.mu.Lock()
	o.stopped = true
	ag, hs, ln := o.agones, o.adminSrv, o.adminLn
	o.mu.Unlock()
	if ag != nil {
		ag.stop(ctx)
	}
	o.mon.close()
	switch {
	case hs != nil:
		if err := hs.Shutdown(ctx); err != nil {
			hs.Close()
		}
	case ln != nil:
		ln.Close() // bound by ListenAdmin, never served
	}
}

// stoppingNow reports whether the server has begun shutting down.
func (o *ops) stoppingNow() bool {
	select {
	case <-o.stopping:
		return true
	default:
		return false
	}
}
