package client

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tickroom/tickroom/internal/mpwire"
	"github.com/tickroom/tickroom/netio/engineio"
	"github.com/tickroom/tickroom/netio/sioparser"
	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// Socket is one namespace of a Manager's connection, as the npm client's Socket. It is
// "active" from Connect or Open until Disconnect, a refusal, a server-side disconnect or the
// Manager's Close; while active it is rejoined after every reconnection.
//
// Event handlers run on the connection's reader goroutine, one at a time in arrival order.
// OnConnect, OnDisconnect and OnConnectError callbacks, and ack callbacks, may run on other
// goroutines of the Manager. None may block on the network.
type Socket struct {
	m   *Manager // static
	nsp string   // static

	mu          sync.Mutex
	auth        any                     // guarded by mu
	active      bool                    // guarded by mu
	connected   bool                    // guarded by mu
	conn        *engineConn             // guarded by mu: where CONNECT went (or was answered)
	id          string                  // guarded by mu: the server's socket id
	handlers    map[string]EventHandler // guarded by mu
	anyHandlers []func(event string, args Args)
	onConnect   []func()               // guarded by mu
	onDisc      []func(reason string)  // guarded by mu
	onErr       []func(err error)      // guarded by mu
	acks        map[uint64]*pendingAck // guarded by mu
	nextAck     uint64                 // guarded by mu
	buf         [][]engineio.Packet    // guarded by mu: emits waiting for a connection
	bufN        int                    // guarded by mu: packets in buf
	waiters     []chan error           // guarded by mu: Connect calls waiting

	// encMu is held around an emit that encodes into enc, taken before mu: the buffer an
	// emit of canonical arguments is written in, reused (emitEncoded).
	encMu sync.Mutex
	enc   []byte
}

type pendingAck struct {
	cb    AckCallback
	timer *time.Timer
}

func newSocket(m *Manager, nsp string, auth any) *Socket {
	return &Socket{m: m, nsp: nsp, auth: auth, handlers: make(map[string]EventHandler), acks: make(map[uint64]*pendingAck)}
}

// Namespace is the socket's namespace.
func (s *Socket) Namespace() string { return s.nsp }

// Manager is the Manager the socket belongs to.
func (s *Socket) Manager() *Manager { return s.m }

// ID is the socket id the server gave at the last CONNECT ("" before).
func (s *Socket) ID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.id
}

// Connected reports whether the namespace is joined now.
func (s *Socket) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connected
}

// Active reports whether the socket wants to be connected (and will be rejoined).
func (s *Socket) Active() bool { return s.isActive() }

func (s *Socket) isActive() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.active
}

// SetAuth replaces the handshake auth sent with the next CONNECT (such as after a
// reconnection).
func (s *Socket) SetAuth(auth any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.auth = auth
}

// On registers the handler of event, replacing any previous one.
func (s *Socket) On(event string, h EventHandler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handlers[event] = h
}

// OnAny registers a handler told of every event before its own handler.
func (s *Socket) OnAny(h func(event string, args Args)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.anyHandlers = append(s.anyHandlers, h)
}

// OnConnect registers a callback for each time the namespace is joined (again).
func (s *Socket) OnConnect(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onConnect = append(s.onConnect, f)
}

// OnDisconnect registers a callback for each disconnection, with its reason (Reason*).
func (s *Socket) OnDisconnect(f func(reason string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onDisc = append(s.onDisc, f)
}

// OnConnectError registers a callback for a refused CONNECT (*ConnectError) or a connection
// that could not be made and will not be retried.
func (s *Socket) OnConnectError(f func(err error)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onErr = append(s.onErr, f)
}

// Open makes the socket active and returns at once; OnConnect or OnConnectError tell the
// outcome.
func (s *Socket) Open() {
	s.mu.Lock()
	was := s.active
	s.active = true
	s.mu.Unlock()
	if !was {
		s.m.activate(s)
	}
}

// Connect makes the socket active and waits until the namespace is joined. It returns a
// *ConnectError when the server refuses, ErrReconnectFailed or the dial error when the
// Manager gives up, ErrClosed after Close, or ctx's error; in that last case the socket stays
// active and keeps trying (call Disconnect to stop). It is safe from any goroutine but an
// event handler of the same Manager.
func (s *Socket) Connect(ctx context.Context) error {
	ch := make(chan error, 1)
	s.mu.Lock()
	if s.connected {
		s.mu.Unlock()
		return nil
	}
	s.waiters = append(s.waiters, ch)
	was := s.active
	s.active = true
	s.mu.Unlock()
	if !was {
		s.m.activate(s)
	}
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		s.mu.Lock()
		for i, w := range s.waiters {
			if w == ch {
				s.waiters = append(s.waiters[:i], s.waiters[i+1:]...)
				break
			}
		}
		s.mu.Unlock()
		return ctx.Err()
	}
}

// Disconnect leaves the namespace (the server sees "client namespace disconnect") and stops
// rejoining it. When no socket of the Manager is active any more, the connection closes.
func (s *Socket) Disconnect() {
	s.mu.Lock()
	c, connected := s.conn, s.connected
	s.mu.Unlock()
	if connected && c != nil {
		if msgs, err := s.m.encode(&sioparser.Packet{Type: sioparser.Disconnect, Namespace: s.nsp}); err == nil {
			_ = c.send(msgs, false)
		}
	}
	s.deactivate(ReasonClientDisconnect, ErrDisconnected)
	s.m.maybeIdle()
}

// deactivate ends the socket's wish to be connected: waiters get werr, a connected socket is
// disconnected with reason, pending acks and buffered emits fail.
func (s *Socket) deactivate(reason string, werr error) {
	s.mu.Lock()
	if !s.active && !s.connected && len(s.waiters) == 0 {
		s.mu.Unlock()
		return
	}
	s.active = false
	wasConnected := s.connected
	s.connected = false
	s.conn = nil
	s.buf, s.bufN = nil, 0
	waiters := s.waiters
	s.waiters = nil
	acks := s.takeAcksLocked()
	onDisc, onErr := s.onDisc, s.onErr
	s.mu.Unlock()
	for _, w := range waiters {
		w <- werr
	}
	failAcks(acks)
	if wasConnected && reason != "" {
		for _, f := range onDisc {
			f(reason)
		}
	} else if !wasConnected && werr != nil && !errors.Is(werr, ErrClosed) && !errors.Is(werr, ErrDisconnected) {
		for _, f := range onErr {
			f(werr)
		}
	}
}

func (s *Socket) takeAcksLocked() map[uint64]*pendingAck {
	if len(s.acks) == 0 {
		return nil
	}
	acks := s.acks
	s.acks = make(map[uint64]*pendingAck)
	return acks
}

func failAcks(acks map[uint64]*pendingAck) {
	for _, pa := range acks {
		if pa.timer != nil {
			pa.timer.Stop()
		}
		pa.cb(Args{}, ErrDisconnected)
	}
}

// sendConnect sends CONNECT on c unless it already went there.
func (s *Socket) sendConnect(c *engineConn) {
	s.mu.Lock()
	if !s.active || s.conn == c {
		s.mu.Unlock()
		return
	}
	s.conn = c
	auth := s.auth
	s.mu.Unlock()
	p := sioparser.Packet{Type: sioparser.Connect, Namespace: s.nsp}
	var err error
	if auth != nil {
		p.Data, err = sioparser.EncodeValue(auth)
	}
	var msgs []engineio.Packet
	if err == nil {
		msgs, err = s.m.encode(&p)
	}
	if err == nil {
		err = c.send(msgs, false)
	}
	if err != nil && !errors.Is(err, ErrDisconnected) {
		s.deactivate("", err) // bad auth: retrying cannot help
		s.m.maybeIdle()
	}
}

// onConnClose disconnects the socket when c was its connection; it stays active.
func (s *Socket) onConnClose(c *engineConn, reason string) {
	s.mu.Lock()
	if s.conn != c {
		s.mu.Unlock()
		return
	}
	s.conn = nil
	wasConnected := s.connected
	s.connected = false
	acks := s.takeAcksLocked()
	onDisc := s.onDisc
	s.mu.Unlock()
	failAcks(acks)
	if wasConnected {
		for _, f := range onDisc {
			f(reason)
		}
	}
}

// onPacket handles a packet for this namespace, on c's reader goroutine.
func (s *Socket) onPacket(c *engineConn, p *sioparser.Packet) {
	switch p.Type {
	case sioparser.Connect:
		s.onConnectPacket(c, p)
	case sioparser.ConnectError:
		s.onConnectError(p)
	case sioparser.Disconnect:
		s.mu.Lock()
		ours := s.conn == c && s.connected
		s.mu.Unlock()
		if ours {
			s.deactivate(ReasonServerDisconnect, ErrDisconnected)
			s.m.maybeIdle()
		}
	case sioparser.Event, sioparser.BinaryEvent:
		s.onEvent(c, p)
	case sioparser.Ack, sioparser.BinaryAck:
		s.onAck(p)
	}
}

func (s *Socket) onConnectPacket(c *engineConn, p *sioparser.Packet) {
	var hs struct {
		SID string `msgpack:"sid"`
	}
	if p.Data != nil {
		_ = msgpack.Unmarshal(p.Data, &hs)
	}
	s.mu.Lock()
	if !s.active || s.conn != c || s.connected {
		s.mu.Unlock()
		return
	}
	s.connected = true
	s.id = hs.SID
	// Flush what was emitted while disconnected, in order, before any new emit can pass.
	for _, msgs := range s.buf {
		if err := c.send(msgs, false); err != nil {
			break
		}
	}
	s.buf, s.bufN = nil, 0
	waiters := s.waiters
	s.waiters = nil
	onConnect := s.onConnect
	s.mu.Unlock()
	for _, w := range waiters {
		w <- nil
	}
	for _, f := range onConnect {
		f()
	}
}

// connectErrorReply is the data of a CONNECT_ERROR as it arrives. Message is decoded as any
// value and kept only when it is a string, so that an odd message does not cost the data.
type connectErrorReply struct {
	Message any `msgpack:"message"`
	Data    any `msgpack:"data"`
}

// decodeConnectError reads a CONNECT_ERROR's data: {message, data}, or the message alone as a
// string (servers before Socket.IO v3). What does not decode is left empty.
func decodeConnectError(data []byte) (message string, value any) {
	if len(data) == 0 {
		return "", nil
	}
	switch c := data[0]; {
	case msgpcode.IsString(c):
		_ = msgpack.Unmarshal(data, &message)
	case msgpcode.IsFixedMap(c), c == msgpcode.Map16, c == msgpcode.Map32:
		var reply connectErrorReply
		_ = msgpack.Unmarshal(data, &reply)
		message, _ = reply.Message.(string)
		value = reply.Data
	}
	return message, value
}

func (s *Socket) onConnectError(p *sioparser.Packet) {
	ce := &ConnectError{Namespace: s.nsp}
	ce.Message, ce.Data = decodeConnectError(p.Data)
	s.deactivate("", ce)
	s.m.maybeIdle()
}

func (s *Socket) onEvent(c *engineConn, p *sioparser.Packet) {
	name, ok := eventName(p.Data)
	var err error
	if !ok {
		_, _, err = sioparser.EventName(p.Data) // the parser's words for what is wrong
		if err == nil {
			err = sioparser.ErrInvalidPacket
		}
	}
	var args Args
	if err == nil {
		args, err = sioparser.SplitArgs(p.Data, 1)
	}
	if err != nil {
		c.close(ReasonParseError, err, false)
		return
	}
	var ack Ack
	if p.HasID {
		ack = s.ackFunc(c, p.ID)
	}
	s.mu.Lock()
	h := s.handlers[string(name)] // a lookup by the bytes allocates no string
	anys := s.anyHandlers
	s.mu.Unlock()
	if len(anys) > 0 {
		name := string(name)
		for _, a := range anys {
			a(name, args)
		}
	}
	if h != nil {
		h(args, ack)
	}
}

// eventName is sioparser.EventName's name without the string, which cost an allocation per
// event (a bot gets 20 snapshots a second): the bytes of the first element of EVENT data, if
// it is a non-empty array whose first element is a string.
func eventName(data []byte) ([]byte, bool) {
	h, i, err := mpwire.ReadHead(data, 0)
	if err != nil || h.Kind != mpwire.Array || h.N == 0 {
		return nil, false
	}
	h2, j, err := mpwire.ReadHead(data, i)
	if err != nil || h2.Kind != mpwire.Str {
		return nil, false
	}
	return data[j : j+h2.N], true
}

func (s *Socket) ackFunc(c *engineConn, id uint64) Ack {
	var used atomic.Bool
	return func(args ...any) error {
		if used.Swap(true) {
			return ErrAckUsed
		}
		data, err := sioparser.EncodeArgs("", args)
		if err != nil {
			return err
		}
		msgs, err := s.m.encode(&sioparser.Packet{Type: sioparser.Ack, Namespace: s.nsp, ID: id, HasID: true, Data: data})
		if err != nil {
			return err
		}
		return c.send(msgs, false)
	}
}

func (s *Socket) onAck(p *sioparser.Packet) {
	if !p.HasID {
		return
	}
	s.mu.Lock()
	pa := s.acks[p.ID]
	delete(s.acks, p.ID)
	s.mu.Unlock()
	if pa == nil {
		return // unknown or late: ignored, as the npm client does
	}
	if pa.timer != nil {
		pa.timer.Stop()
	}
	args, err := sioparser.SplitArgs(p.Data, 0)
	pa.cb(args, err)
}
