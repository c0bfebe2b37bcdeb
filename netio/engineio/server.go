package engineio

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Server is an Engine.IO v4 server. It does not listen on its own: mount it as an
// http.Handler under Config.Path.
type Server struct {
	cfg          Config    // static
	epoch        time.Time // static: when it was made; sessions keep times as durations since
	prefix       string    // static
	log          *slog.Logger
	onConnection func(*Session) // static
	upgrader     websocket.Upgrader
	writePool    sync.Pool // gorilla write buffers, borrowed per message
	readPool     sync.Pool // *readBuf, borrowed while a websocket has unparsed bytes

	// wg counts websocket reader and writer goroutines so Close can wait for them.
	wg sync.WaitGroup

	conns   conns    // sessions holding a slot (Config.MaxConns, MaxConnsPerIP)
	counts  counters // what the limits refused or cut (Stats)
	traffic traffic  // what the sessions carried (Stats)

	mu       sync.Mutex
	sessions map[string]*Session // guarded by mu
	closed   bool                // guarded by mu
}

// since is the time since the server was made (monotonic): what sessions keep instead of a
// time.Time.
func (srv *Server) since() time.Duration { return time.Since(srv.epoch) }

// NewServer returns a server calling onConnection for every new session, on the handshake
// request's goroutine, before the session receives anything. A nil cfg means DefaultConfig().
// The config is copied.
func NewServer(cfg *Config, onConnection func(*Session)) (*Server, error) {
	c := DefaultConfig()
	if cfg != nil {
		c = *cfg
		c.Transports = append([]string(nil), cfg.Transports...)
		c.TrustedProxies = append([]netip.Prefix(nil), cfg.TrustedProxies...)
		c.Origins = normalizeOrigins(cfg.Origins)
	}
	c = c.withLimitDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.CORS == nil && len(c.Origins) > 0 {
		c.CORS = &CORSConfig{Origins: c.Origins}
	}
	if onConnection == nil {
		onConnection = func(*Session) {}
	}
	log := c.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		epoch:        time.Now(),
		cfg:          c,
		prefix:       c.pathPrefix(),
		log:          log,
		onConnection: onConnection,
		sessions:     make(map[string]*Session),
	}
	s.upgrader = websocket.Upgrader{
		// Frames are read by wsReader, never by gorilla: its per-connection reader only
		// costs what gorilla's minimum (125 bytes) makes it.
		ReadBufferSize:  1,
		WriteBufferSize: c.WebSocketWriteBufferSize,
		WriteBufferPool: &s.writePool,
		// The reference accepts websockets from any origin; Config.Origins (checked before
		// the upgrade, in ServeHTTP) and AllowRequest are the places to vet.
		CheckOrigin: func(*http.Request) bool { return true },
	}
	return s, nil
}

// SessionCount returns the number of sessions held, including polling sessions closed with
// Close that still wait to hand their last packets to the client.
func (s *Server) SessionCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// Close closes every session with reason "server shutting down", refuses later requests, and
// waits for the websocket goroutines to end.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	list := make([]*Session, 0, len(s.sessions))
	for _, sess := range s.sessions {
		list = append(list, sess)
	}
	s.mu.Unlock()
	// Gracefully: what is queued (a game's room:closed, say) is still written, then the
	// close frame. A peer that does not read gets its connection cut after closeGrace.
	for _, sess := range list {
		sess.close(ReasonServerShuttingDown, ErrServerClosed, closeGraceful)
		sess.endLinger()
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return
	case <-time.After(2 * closeGrace):
	}
	for _, sess := range list {
		sess.cutConns()
	}
	<-done
}

// ServeHTTP handles handshakes, polling requests and websocket connections.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, s.prefix) {
		http.NotFound(w, r)
		return
	}
	upgrade := websocket.IsWebSocketUpgrade(r)
	if !s.originAllowed(r) {
		s.count(&s.counts.origin, "engineio: request refused: origin not allowed", "origin", clip(r.Header.Get("Origin")), "remote", r.RemoteAddr)
		s.refuse(w, r, upgrade, limitError(http.StatusForbidden, CodeForbidden.Message()))
		return
	}
	if s.cfg.CORS != nil && s.applyCORS(w, r) {
		return // preflight answered
	}
	q := r.URL.Query()
	sess, rerr := s.verify(r, q.Get("transport"), q.Get("sid"), q.Get("EIO"), upgrade)
	if rerr != nil {
		s.refuse(w, r, upgrade, rerr)
		return
	}
	switch {
	case sess != nil && upgrade:
		s.upgradeSession(w, r, sess)
	case sess != nil:
		sess.servePolling(w, r)
	case q.Get("EIO") != "4":
		s.refuse(w, r, upgrade, requestError(CodeUnsupportedProtocolVersion))
	case upgrade:
		s.handshakeWebSocket(w, r)
	default:
		s.handshakePolling(w, r)
	}
}

// verify applies the reference server's checks in its order. It returns the session named by
// sid, or nil for a handshake.
func (s *Server) verify(r *http.Request, transport, sid, eio string, upgrade bool) (*Session, *RequestError) {
	if !s.cfg.hasTransport(transport) {
		return nil, requestError(CodeUnknownTransport)
	}
	if invalidHeaderValue(r.Header.Get("Origin")) {
		return nil, requestError(CodeBadRequest)
	}
	s.mu.Lock()
	closed := s.closed
	var sess *Session
	if sid != "" {
		sess = s.sessions[sid]
	}
	s.mu.Unlock()
	if closed {
		return nil, &RequestError{Code: CodeBadRequest, Message: "Server is shutting down", Status: http.StatusServiceUnavailable}
	}
	if sid != "" {
		if sess == nil {
			return nil, requestError(CodeUnknownSID)
		}
		current := sess.Transport()
		switch {
		case !upgrade && current != transport:
			return nil, requestError(CodeBadRequest) // TRANSPORT_MISMATCH, e.g. polling after upgrade
		case eio != "4":
			return nil, requestError(CodeBadRequest) // PROTOCOL_MISMATCH
		case upgrade && transport != TransportWebSocket:
			return nil, requestError(CodeBadRequest) // only websocket handles upgrades
		case !upgrade && r.Method != http.MethodGet && r.Method != http.MethodPost:
			return nil, requestError(CodeBadRequest)
		case !upgrade && transport == TransportWebSocket:
			return nil, requestError(CodeBadRequest) // plain HTTP to a websocket session
		}
		return sess, nil
	}
	if r.Method != http.MethodGet {
		return nil, requestError(CodeBadHandshakeMethod)
	}
	if transport == TransportWebSocket && !upgrade {
		return nil, requestError(CodeBadRequest) // TRANSPORT_HANDSHAKE_ERROR
	}
	if upgrade && transport != TransportWebSocket {
		return nil, requestError(CodeBadRequest)
	}
	if s.cfg.AllowRequest != nil {
		if err := s.cfg.AllowRequest(r); err != nil {
			e := requestError(CodeForbidden)
			if msg := err.Error(); msg != "" {
				e.Message = msg
			}
			return nil, e
		}
	}
	return nil, nil
}

func (s *Server) refuse(w http.ResponseWriter, r *http.Request, upgrade bool, e *RequestError) {
	s.log.Debug("engineio: request refused", "code", e.Code, "message", e.Message,
		"method", r.Method, "url", r.URL.String(), "remote", r.RemoteAddr)
	switch {
	case upgrade && e.keepStatus:
		w.Header().Set("Connection", "close")
		e.writeJSON(w)
	case upgrade:
		e.writeUpgrade(w)
	default:
		e.writeJSON(w)
	}
}

// invalidHeaderValue reports characters Node rejects in a header value (checkInvalidHeaderChar).
func invalidHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if (c < 0x20 && c != '\t') || c == 0x7f {
			return true
		}
	}
	return false
}

// register adds a new session unless the server is closing, and counts n goroutines that the
// caller will start for it (adding under mu keeps wg.Add ordered before Close's Wait).
func (s *Server) register(sess *Session, goroutines int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	for s.sessions[sess.id] != nil { // 120 random bits: practically never
		sess.id = newSessionID()
	}
	s.sessions[sess.id] = sess
	s.wg.Add(goroutines)
	return true
}

// addGoroutine counts a goroutine for an existing session; false once the server is closed.
func (s *Server) addGoroutine() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

func (s *Server) remove(sess *Session) {
	s.mu.Lock()
	if s.sessions[sess.id] == sess {
		delete(s.sessions, sess.id)
	}
	s.mu.Unlock()
}

// newSessionID returns 20 base64url characters of 15 random bytes, the reference's shape.
func newSessionID() string {
	var b [15]byte
	rand.Read(b[:]) // never fails (Go 1.24+ aborts instead)
	return base64.URLEncoding.EncodeToString(b[:])
}

type handshakeJSON struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int64    `json:"pingInterval"`
	PingTimeout  int64    `json:"pingTimeout"`
	MaxPayload   int64    `json:"maxPayload"`
}

func (s *Server) openPacket(sid, transport string) Packet {
	upgrades := []string{}
	if transport == TransportPolling && s.cfg.AllowUpgrades && s.cfg.hasTransport(TransportWebSocket) {
		upgrades = append(upgrades, TransportWebSocket)
	}
	data, _ := json.Marshal(handshakeJSON{
		SID:          sid,
		Upgrades:     upgrades,
		PingInterval: s.cfg.PingInterval.Milliseconds(),
		PingTimeout:  s.cfg.PingTimeout.Milliseconds(),
		MaxPayload:   s.cfg.MaxHTTPBufferSize,
	})
	return Packet{Type: PacketOpen, Data: data}
}
