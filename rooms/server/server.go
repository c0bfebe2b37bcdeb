package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"

	"github.com/tickroom/tickroom/netio/socketio"
	"github.com/tickroom/tickroom/rooms/cluster"
	"github.com/tickroom/tickroom/rooms/lobby"
)

// Server is one tickroom server: a Socket.IO server whose "/" namespace the
// lobby's Host serves, behind the public HTTP routes. It runs once: New,
// then Serve or ListenAndServe (or Handler in a mux of your own) until
// Shutdown or the end of Serve's context.
type Server struct {
	cfg     Config           // static, defaults filled in
	log     *slog.Logger     // static
	sio     *socketio.Server // static
	host    *lobby.Host      // static
	node    *cluster.Node    // static: nil for a server alone
	handler http.Handler     // static: the public routes
	ops     *ops             // static: admin, metrics, drain, Agones (ops.go)

	mu     sync.Mutex
	hs     *http.Server // guarded by mu: set by Serve
	addr   net.Addr     // guarded by mu: set by Serve
	served bool         // guarded by mu: Serve was called, or Shutdown

	closeOnce sync.Once
	closeErr  error // written once by closeOnce
}

// New returns a server of cfg (nil: DefaultConfig(), which has no modes and
// so fails: a server needs Modes). It does not listen yet.
func New(cfg *Config) (*Server, error) {
	c := DefaultConfig()
	if cfg != nil {
		c = *cfg
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c = c.withDefaults()
	reg, err := c.registry()
	if err != nil {
		return nil, err
	}
	sio, err := socketio.NewServer(c.SocketIO)
	if err != nil {
		return nil, err
	}
	lc := c.Lobby
	lc.Modes = reg
	node, err := joinCluster(&c, &lc)
	if err != nil {
		sio.Close()
		return nil, err
	}
	host, err := lobby.NewHost(&lc)
	if err == nil && node != nil {
		err = node.Serve(host)
	}
	if err != nil {
		sio.Close()
		if node != nil {
			_ = node.Close(context.Background())
		}
		return nil, err
	}
	host.Attach(sio.Of("/"))
	s := &Server{cfg: c, log: c.Logger, sio: sio, host: host, node: node}
	s.handler = s.publicRoutes()
	s.ops = newOps(s)
	return s, nil
}

// publicRoutes is what the public listener serves: Socket.IO, /healthz,
// /stats and, when Config.Demo is on, the demo page at "/".
func (s *Server) publicRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(socketIOPath(s.cfg.SocketIO), s.sio)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	// /stats: the rooms' counters as JSON (tick overruns, snapshots, inputs), for load
	// tests and operators. Like every route here it is public: put the server behind a
	// proxy that hides it if the counters are not for everyone.
	mux.HandleFunc("/stats", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(s.host.Stats())
	})
	if s.cfg.Demo {
		mux.Handle("/", demoHandler())
	}
	return mux
}

// Handler is the public routes (Socket.IO under SocketIO.Engine.Path,
// /healthz, /stats, the demo at "/" when on), for a server that mounts them
// in its own mux or http.Server. Such a server calls Shutdown itself
// before it closes its listener, so that rooms hear of the shutdown.
func (s *Server) Handler() http.Handler { return s.handler }

// Host is the lobby's host: its rooms, stats and counters.
func (s *Server) Host() *lobby.Host { return s.host }

// Addr is the address Serve listens on; nil before Serve. To learn a port
// chosen by the system (":0") before serving, listen yourself and pass the
// listener to Serve.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// ListenAndServe listens on Config.Addr and serves there as Serve does. A
// failed listen shuts the server down too: a Server runs once.
func (s *Server) ListenAndServe(ctx context.Context) error {
	s.mu.Lock()
	served := s.served
	s.mu.Unlock()
	if served { // before listening: the address may be another server's by now
		return ErrServed
	}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		sctx, cancel := s.shutdownContext(ctx)
		defer cancel()
		return errors.Join(err, s.Shutdown(sctx))
	}
	return s.Serve(ctx, ln)
}

// Serve serves the public routes on ln until ctx ends or Shutdown is
// called, then shuts down gracefully within Config.ShutdownTimeout and
// returns: nil after a clean shutdown, else the listener's or the
// shutdown's error. ln is closed when Serve returns. A second call, or one
// after Shutdown, returns ErrServed.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.mu.Lock()
	if s.served {
		s.mu.Unlock()
		ln.Close()
		return ErrServed
	}
	s.served = true
	s.addr = ln.Addr()
	// The HTTP limits keep a client that opens connections and sends nothing,
	// or trickles its headers, from holding them.
	hs := &http.Server{
		Handler: s.handler, ReadHeaderTimeout: s.cfg.HTTP.ReadHeaderTimeout,
		IdleTimeout: s.cfg.HTTP.IdleTimeout, MaxHeaderBytes: s.cfg.HTTP.MaxHeaderBytes,
	}
	s.hs = hs
	s.mu.Unlock()

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	if err := s.ops.start(); err != nil { // the admin listener, Agones
		sctx, cancel := s.shutdownContext(ctx)
		defer cancel()
		err = errors.Join(err, s.Shutdown(sctx))
		<-errc
		return err
	}
	var serveErr error
	returned := false
	select {
	case serveErr = <-errc: // the listener failed, or Shutdown was called
		returned = true
		if errors.Is(serveErr, http.ErrServerClosed) {
			serveErr = nil
		}
	case <-ctx.Done():
	}
	s.log.Info("tickroom: shutting down")
	sctx, cancel := s.shutdownContext(ctx)
	defer cancel()
	err := s.Shutdown(sctx)
	if !returned {
		<-errc // http.Server.Serve returns as soon as Shutdown closes the listener
	}
	return errors.Join(serveErr, err)
}

// shutdownContext is the bound of a shutdown that ctx's end started: ctx's
// values without its cancellation, for Config.ShutdownTimeout.
func (s *Server) shutdownContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
}

// Shutdown closes every room first, so every player gets room:closed
// {reason: "shutdown"} before its connection closes, then every Socket.IO
// connection, then the listener of Serve, bounded by ctx. Rooms that do not
// close in time are logged, not returned: the connections close anyway.
// Later calls wait for the first and return its result; Serve after it
// returns ErrServed.
func (s *Server) Shutdown(ctx context.Context) error {
	s.closeOnce.Do(func() { s.closeErr = s.shutdown(ctx) })
	return s.closeErr
}

func (s *Server) shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.served = true
	hs := s.hs
	s.mu.Unlock()
	s.ops.beginStop() // not ready from now on
	defer s.ops.stop(ctx)
	if err := s.host.Shutdown(ctx); err != nil {
		s.log.Warn("tickroom: rooms did not all close in time", "err", err)
	}
	s.leaveCluster(ctx)
	s.sio.Close()
	if hs == nil {
		return nil
	}
	if err := hs.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
