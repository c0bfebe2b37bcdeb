package client

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/tickroom/tickroom/netio/engineio"
	"github.com/tickroom/tickroom/netio/sioparser"
)

// Manager is one Engine.IO connection to a server and the namespace sockets multiplexed over
// it, as the npm client's Manager: it dials, answers pings, reconnects with backoff while a
// socket wants to be connected, and rejoins the namespaces after a reconnection.
//
// Ownership: mu guards the connection, the socket table and the reconnection state. Each
// Socket guards its own state. Lock order: Manager.mu, then Socket.mu, then the connection's.
type Manager struct {
	opts    Options              // static
	base    *url.URL             // static
	http    *http.Client         // static
	ownHTTP *http.Transport      // static; nil when the caller supplied HTTPClient
	wsPool  websocket.BufferPool // static
	logger  *slog.Logger         // static
	// noTakeover, static, leaves reading a WebSocket's frames to gorilla, as over TLS or a
	// proxy (dialWebSocket): tests set it to run that path on a plain connection.
	noTakeover bool

	wg sync.WaitGroup // every goroutine the Manager and its connections start

	mu         sync.Mutex
	conn       *engineConn        // guarded by mu: the open connection, nil between connections
	sockets    map[string]*Socket // guarded by mu: by namespace
	dialing    bool               // guarded by mu: a dial is in flight
	dialCancel context.CancelFunc // guarded by mu
	timer      *time.Timer        // guarded by mu: the pending reconnection attempt
	attempts   int                // guarded by mu: consecutive failed or pending attempts
	closed     bool               // guarded by mu
	hooks      hooks              // guarded by mu
}

// hooks are the Manager's event callbacks; each may be nil.
type hooks struct {
	attempt func(attempt int)
	recon   func(attempt int)
	err     func(err error)
	failed  func()
	open    func(transport string)
	close   func(reason string, err error)
}

// NewManager returns a Manager for the server at rawURL (http or https; the path is ignored,
// Options.Path is used). It does not connect until a socket connects.
func NewManager(rawURL string, opts *Options) (*Manager, error) {
	o := DefaultOptions()
	if opts != nil {
		o = *opts
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("client: bad URL: %w", err)
	}
	switch u.Scheme {
	case "http", "https", "ws", "wss":
	default:
		return nil, fmt.Errorf("client: unsupported URL scheme %q", u.Scheme)
	}
	if u.Scheme == "ws" {
		u.Scheme = "http"
	} else if u.Scheme == "wss" {
		u.Scheme = "https"
	}
	m := &Manager{opts: o, base: u, sockets: make(map[string]*Socket), logger: o.Logger}
	if m.logger == nil {
		m.logger = slog.New(slog.DiscardHandler)
	}
	m.http = o.HTTPClient
	if m.http == nil {
		m.ownHTTP = &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			MaxIdleConnsPerHost: 2, // one long poll and one POST
			IdleConnTimeout:     90 * time.Second,
		}
		m.http = &http.Client{Transport: m.ownHTTP}
	}
	m.wsPool = writePool(o.WebSocketWriteBufferSize)
	return m, nil
}

// writePools shares gorilla/websocket write buffers between connections of one buffer size:
// an idle client then holds none. Only an upgrade's probe writes through gorilla; every
// other frame is the transport's own (wsTransport).
var writePools sync.Map // int -> *sync.Pool

func writePool(size int) websocket.BufferPool {
	p, _ := writePools.LoadOrStore(size, &sync.Pool{})
	return p.(*sync.Pool)
}

func (m *Manager) log() *slog.Logger { return m.logger }

// Options returns the Manager's options.
func (m *Manager) Options() Options { return m.opts }

// Socket returns the socket of namespace nsp ("/" when empty), creating it with auth as its
// handshake auth (nil for none; it must encode as a map). It does not connect: call Connect
// or Open.
func (m *Manager) Socket(nsp string, auth any) *Socket {
	if nsp == "" {
		nsp = "/"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if s := m.sockets[nsp]; s != nil {
		return s
	}
	s := newSocket(m, nsp, auth)
	m.sockets[nsp] = s
	return s
}

// Transport returns the transport in use ("websocket" or "polling"), or "" when not connected.
func (m *Manager) Transport() string {
	m.mu.Lock()
	c := m.conn
	m.mu.Unlock()
	if c == nil {
		return ""
	}
	return c.transportName()
}

// OnReconnectAttempt sets the callback told of each reconnection attempt (1, 2, ...) as it
// starts.
func (m *Manager) OnReconnectAttempt(f func(attempt int)) {
	m.setHook(func(h *hooks) { h.attempt = f })
}

// OnReconnect sets the callback told when a reconnection succeeded after attempt attempts.
func (m *Manager) OnReconnect(f func(attempt int)) { m.setHook(func(h *hooks) { h.recon = f }) }

// OnReconnectError sets the callback told of each failed connection attempt.
func (m *Manager) OnReconnectError(f func(err error)) { m.setHook(func(h *hooks) { h.err = f }) }

// OnReconnectFailed sets the callback told when ReconnectionAttempts ran out.
func (m *Manager) OnReconnectFailed(f func()) { m.setHook(func(h *hooks) { h.failed = f }) }

// OnOpen sets the callback told when an Engine.IO connection opens.
func (m *Manager) OnOpen(f func(transport string)) { m.setHook(func(h *hooks) { h.open = f }) }

// OnClose sets the callback told when the Engine.IO connection closes, with the reason.
func (m *Manager) OnClose(f func(reason string, err error)) {
	m.setHook(func(h *hooks) { h.close = f })
}

func (m *Manager) setHook(set func(*hooks)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	set(&m.hooks)
}

// Close disconnects every socket, closes the connection, stops reconnecting and waits for
// every goroutine of the Manager to end. Do not call it from a handler or callback of this
// Manager (they run on those goroutines); call it from another goroutine. Close is
// idempotent.
func (m *Manager) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		m.wg.Wait()
		return nil
	}
	m.closed = true
	m.stopReconnectLocked()
	c := m.conn
	socks := m.socketListLocked()
	m.mu.Unlock()

	for _, s := range socks {
		s.deactivate(ReasonClientDisconnect, ErrClosed)
	}
	if c != nil {
		c.close(ReasonClientDisconnect, nil, true)
	}
	m.wg.Wait()
	if m.ownHTTP != nil {
		m.ownHTTP.CloseIdleConnections()
	}
	return nil
}

func (m *Manager) socketListLocked() []*Socket {
	out := make([]*Socket, 0, len(m.sockets))
	for _, s := range m.sockets {
		out = append(out, s)
	}
	return out
}

func (m *Manager) stopReconnectLocked() {
	if m.timer != nil {
		m.timer.Stop()
		m.timer = nil
	}
	if m.dialCancel != nil {
		m.dialCancel()
		m.dialCancel = nil
	}
}

// activate is called when s starts wanting a connection: it sends CONNECT on the open
// connection, or opens one.
func (m *Manager) activate(s *Socket) {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		s.deactivate("", ErrClosed)
		return
	}
	c := m.conn
	if c == nil && !m.dialing && m.timer == nil {
		m.startDialLocked()
	}
	m.mu.Unlock()
	if c != nil {
		s.sendConnect(c)
	}
}

// maybeIdle closes the connection once no socket wants it, as the npm Manager does.
func (m *Manager) maybeIdle() {
	m.mu.Lock()
	for _, s := range m.sockets {
		if s.isActive() {
			m.mu.Unlock()
			return
		}
	}
	m.stopReconnectLocked()
	m.attempts = 0
	c := m.conn
	m.mu.Unlock()
	if c != nil {
		c.close(ReasonClientDisconnect, nil, true)
	}
}

func (m *Manager) anyActiveLocked() bool {
	for _, s := range m.sockets {
		if s.isActive() {
			return true
		}
	}
	return false
}

func (m *Manager) startDialLocked() {
	ctx, cancel := context.WithCancel(context.Background())
	m.dialing = true
	m.dialCancel = cancel
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		defer cancel()
		m.dial(ctx)
	}()
}

// dial makes one connection attempt and then either installs the connection and joins the
// active namespaces, or schedules the next attempt.
func (m *Manager) dial(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, m.opts.ConnectTimeout)
	c, err := m.openEngine(ctx)
	cancel()

	m.mu.Lock()
	m.dialing = false
	m.dialCancel = nil
	if err == nil && (m.closed || !m.anyActiveLocked()) {
		m.mu.Unlock()
		c.close(ReasonClientDisconnect, nil, true)
		return
	}
	if err == nil && c.isClosed() {
		err = errors.New("client: connection closed during the handshake")
	}
	if err != nil {
		h := m.hooks
		retry := !m.closed && m.opts.Reconnection && m.anyActiveLocked()
		var socks []*Socket
		if !retry {
			socks = m.socketListLocked()
		} else {
			m.scheduleLocked()
		}
		m.mu.Unlock()
		m.log().Debug("client: connect failed", "err", err)
		if h.err != nil {
			h.err(err)
		}
		for _, s := range socks {
			s.deactivate("", err)
		}
		return
	}
	m.conn = c
	attempts := m.attempts
	m.attempts = 0
	socks := m.socketListLocked()
	h := m.hooks
	m.mu.Unlock()

	if h.open != nil {
		h.open(c.transportName())
	}
	if attempts > 0 && h.recon != nil {
		h.recon(attempts)
	}
	for _, s := range socks {
		if s.isActive() {
			s.sendConnect(c)
		}
	}
}

func (m *Manager) openEngine(ctx context.Context) (*engineConn, error) {
	if m.opts.Transport == TransportWebSocket {
		return m.openWebSocket(ctx)
	}
	return m.openPolling(ctx)
}

// scheduleLocked arms the next reconnection attempt, or gives up when attempts ran out.
func (m *Manager) scheduleLocked() {
	if max := m.opts.ReconnectionAttempts; max > 0 && m.attempts >= max {
		m.attempts = 0
		socks := m.socketListLocked()
		failed := m.hooks.failed
		m.wg.Add(1)
		go func() { // the callbacks must not run under mu
			defer m.wg.Done()
			if failed != nil {
				failed()
			}
			for _, s := range socks {
				s.deactivate("", ErrReconnectFailed)
			}
		}()
		return
	}
	d := backoff(m.attempts, &m.opts, rand.Float64())
	m.attempts++
	n := m.attempts
	var t *time.Timer
	t = time.AfterFunc(d, func() {
		m.mu.Lock()
		if m.closed || m.timer != t {
			m.mu.Unlock()
			return
		}
		m.timer = nil
		if !m.anyActiveLocked() {
			m.attempts = 0
			m.mu.Unlock()
			return
		}
		f := m.hooks.attempt
		m.startDialLocked()
		m.mu.Unlock()
		if f != nil {
			f(n)
		}
	})
	m.timer = t
}

// backoff is the npm client's delay before attempt+1: min*2^attempt, spread by ±factor
// using r in [0,1), capped at the maximum.
func backoff(attempt int, o *Options, r float64) time.Duration {
	d := float64(o.ReconnectionDelay) * math.Pow(2, float64(min(attempt, 40)))
	if f := o.RandomizationFactor; f > 0 {
		dev := math.Floor(r * f * d)
		if int(math.Floor(r*10))&1 == 0 {
			d -= dev
		} else {
			d += dev
		}
	}
	return time.Duration(min(d, float64(o.ReconnectionDelayMax)))
}

// onClose implements connHandler: the sockets on c are disconnected and, when some still want
// a connection, a reconnection is scheduled.
func (m *Manager) onClose(c *engineConn, reason string, err error) {
	m.mu.Lock()
	if m.conn != c {
		m.mu.Unlock()
		return
	}
	m.conn = nil
	socks := m.socketListLocked()
	retry := !m.closed && m.opts.Reconnection && m.anyActiveLocked()
	if retry {
		m.scheduleLocked()
	}
	h := m.hooks.close
	m.mu.Unlock()
	m.log().Debug("client: connection closed", "reason", reason, "err", err)
	for _, s := range socks {
		if retry {
			s.onConnClose(c, reason)
			continue
		}
		// Nothing will reconnect it: the socket is inactive before its disconnect handlers
		// run, so they (and whoever they wake) see what Active reports from then on.
		s.deactivate(reason, fmt.Errorf("%w: %s", ErrDisconnected, reason))
	}
	if h != nil {
		h(reason, err)
	}
}

// onMessage implements connHandler: it decodes a Socket.IO packet and routes it to its
// namespace's socket. It runs on c's reader goroutine.
func (m *Manager) onMessage(c *engineConn, p engineio.Packet) {
	pkt, ok, err := c.decode(m.opts.Parser, p)
	if err != nil {
		m.log().Debug("client: parse error", "err", err)
		c.close(ReasonParseError, err, false)
		return
	}
	if !ok {
		return // a binary packet waits for its attachments
	}
	m.mu.Lock()
	s := m.sockets[pkt.Namespace]
	m.mu.Unlock()
	if s == nil {
		return // not ours: the npm client ignores it too
	}
	s.onPacket(c, &pkt)
}

// decode turns an Engine.IO message into a Socket.IO packet with the configured parser.
func (c *engineConn) decode(parser Parser, p engineio.Packet) (sioparser.Packet, bool, error) {
	if parser == ParserMsgpack {
		if !p.Binary {
			return sioparser.Packet{}, false, fmt.Errorf("%w: text message with the msgpack parser", sioparser.ErrInvalidPacket)
		}
		pkt, err := sioparser.DecodeMsgpack(p.Data)
		return pkt, err == nil, err
	}
	if p.Binary {
		return c.dec.AddBinary(p.Data)
	}
	return c.dec.AddText(string(p.Data))
}

// encode turns a Socket.IO packet into the Engine.IO messages of the configured parser.
func (m *Manager) encode(p *sioparser.Packet) ([]engineio.Packet, error) {
	if m.opts.Parser == ParserMsgpack {
		b, err := sioparser.EncodeMsgpack(p)
		if err != nil {
			return nil, err
		}
		return []engineio.Packet{{Type: engineio.PacketMessage, Binary: true, Data: b}}, nil
	}
	text, atts, err := sioparser.EncodeText(p)
	if err != nil {
		return nil, err
	}
	out := make([]engineio.Packet, 0, 1+len(atts))
	out = append(out, engineio.Packet{Type: engineio.PacketMessage, Data: []byte(text)})
	for _, a := range atts {
		out = append(out, engineio.Packet{Type: engineio.PacketMessage, Binary: true, Data: a})
	}
	return out, nil
}
