package socketio

import (
	"io"
	"log/slog"
	"net/http"
	"sync"

	"github.com/tickroom/tickroom/netio/engineio"
)

// Server is a Socket.IO v5 server. It is an http.Handler for its Engine.IO
// path; it does not listen on its own.
type Server struct {
	cfg Config // static
	log *slog.Logger
	eio *engineio.Server

	counts counters // what the server refused or survived (Stats)

	// packetBufs holds the buffers Socket.OfferLatest builds packets in (*[]byte, so that
	// putting one back allocates nothing); a session copies a packet it keeps.
	packetBufs sync.Pool

	mu      sync.RWMutex
	nsps    map[string]*Namespace // guarded by mu
	parents []*Namespace          // guarded by mu: OfFunc matchers, in registration order
	closed  bool                  // guarded by mu
}

// NewServer returns a server with namespace "/" ready. A nil cfg means
// DefaultConfig().
func NewServer(cfg *Config) (*Server, error) {
	c := DefaultConfig()
	if cfg != nil {
		c = *cfg
	}
	if c.MaxAuthBytes == 0 {
		c.MaxAuthBytes = DefaultMaxAuthBytes
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	s := &Server{cfg: c, nsps: make(map[string]*Namespace)}
	s.log = c.Logger
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ec := c.Engine
	if ec.Logger == nil {
		ec.Logger = c.Logger
	}
	eio, err := engineio.NewServer(&ec, s.onEngineConnection)
	if err != nil {
		return nil, err
	}
	s.eio = eio
	s.Of("/")
	return s, nil
}

// ServeHTTP serves the Engine.IO endpoint (polling and WebSocket).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.eio.ServeHTTP(w, r) }

// Engine is the underlying Engine.IO server.
func (s *Server) Engine() *engineio.Server { return s.eio }

// Of returns the namespace called name, creating it on first use. Names
// start with "/"; one without is given one.
func (s *Server) Of(name string) *Namespace {
	if name == "" || name[0] != '/' {
		name = "/" + name
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if n, ok := s.nsps[name]; ok {
		return n
	}
	n := newNamespace(s, name, nil)
	s.nsps[name] = n
	return n
}

// OfFunc registers a parent of dynamic namespaces: a client connecting to a
// namespace that does not exist yet creates it when match returns true. The
// parent's middleware and connection handlers apply to every child, and an
// Emit on the parent reaches every child.
func (s *Server) OfFunc(match func(name string, auth Auth) bool) *Namespace {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := newNamespace(s, "", match)
	s.parents = append(s.parents, p)
	return p
}

// lookup finds or (for dynamic parents) creates the namespace for a CONNECT.
func (s *Server) lookup(name string, auth Auth) *Namespace {
	s.mu.RLock()
	n, ok := s.nsps[name]
	parents := s.parents
	closed := s.closed
	s.mu.RUnlock()
	if closed {
		return nil
	}
	if ok {
		return n
	}
	for _, p := range parents {
		if !p.match(name, auth) {
			continue
		}
		s.mu.Lock()
		if n, ok := s.nsps[name]; ok { // created concurrently
			s.mu.Unlock()
			return n
		}
		n = newNamespace(s, name, nil)
		n.parent = p
		s.nsps[name] = n
		p.addChild(n)
		s.mu.Unlock()
		return n
	}
	return nil
}

// Use adds middleware to namespace "/".
func (s *Server) Use(mw Middleware) { s.Of("/").Use(mw) }

// OnConnection adds a connection handler to namespace "/".
func (s *Server) OnConnection(h func(*Socket)) { s.Of("/").OnConnection(h) }

// Emit broadcasts to every socket of namespace "/".
func (s *Server) Emit(event string, args ...any) error { return s.Of("/").Emit(event, args...) }

// To selects rooms of namespace "/" for a broadcast.
func (s *Server) To(rooms ...string) *Broadcast { return s.Of("/").To(rooms...) }

// Close disconnects every socket with reason "server shutting down" and
// closes every Engine.IO session. New connections are refused.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.eio.Close()
}

func (s *Server) onEngineConnection(sess *engineio.Session) {
	c := newClient(s, sess)
	sess.SetHandler(c)
}
