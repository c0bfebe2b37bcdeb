package socketio

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/netip"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tickroom/tickroom/netio/engineio"
	"github.com/tickroom/tickroom/netio/sioparser"
)

// Auth is the handshake auth object a client sent with CONNECT.
type Auth map[string]any

// Handshake describes how a socket connected.
type Handshake struct {
	Auth      Auth
	Header    http.Header // bounded: see engineio.Config.RequestKeepBytes
	Query     url.Values
	Address   string // remote address of the handshake request
	Time      time.Time
	Transport string // transport when the socket connected
	// ClientAddr is the client's IP address: Address's, or behind a trusted proxy the
	// one X-Forwarded-For gives (engineio.Session.ClientAddr).
	ClientAddr netip.Addr
}

// EventHandler handles one event. ack is nil when the client asked for no
// acknowledgement.
type EventHandler func(s *Socket, args Args, ack Ack)

// Socket is one client's connection to one namespace.
type Socket struct {
	id        string            // static
	nsp       *Namespace        // static
	nspName   string            // static
	client    *client           // static
	sess      *engineio.Session // static: client.sess, kept here for the snapshot path
	auth      Auth              // static: the CONNECT auth object
	connAt    time.Time         // static
	transport string            // static: the transport at connect time

	rooms map[string]struct{} // guarded by nsp.mu; nil until the first Join; never holds the own id room

	mu            sync.Mutex
	handlers      map[string]EventHandler       // guarded by mu
	lastEvent     string                        // guarded by mu: the event of lastHandler
	lastHandler   EventHandler                  // guarded by mu: handlers[lastEvent], nil if none
	anyHandlers   []func(*Socket, string, Args) // guarded by mu
	disconnecting []func(reason string)         // guarded by mu
	disconnected  []func(reason string)         // guarded by mu
	acks          map[uint64]*pendingAck        // guarded by mu
	nextAck       uint64                        // guarded by mu
	data          map[string]any                // guarded by mu
	connected     bool                          // guarded by mu
	closing       bool                          // guarded by mu: onClose has started
	msgpack       bool                          // static: the client's parser is msgpack
}

type pendingAck struct {
	cb    AckCallback
	timer *time.Timer
}

func newSocket(n *Namespace, c *client, auth Auth, nspName string) *Socket {
	return &Socket{
		id:        newSocketID(),
		nsp:       n,
		nspName:   nspName,
		client:    c,
		sess:      c.sess,
		msgpack:   c.kind() == parserMsgpack, // known: the CONNECT that makes a socket set it
		auth:      auth,
		connAt:    time.Now(),
		transport: c.sess.Transport(),
		connected: true,
	}
}

// newSocketID returns 20 characters from crypto/rand; it is not the
// Engine.IO session id, as the protocol requires.
func newSocketID() string {
	var b [15]byte
	rand.Read(b[:]) // never fails: since Go 1.24 a failing source aborts the program instead
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// ID is the socket's id (the Socket.IO sid, also the name of its own room).
func (s *Socket) ID() string { return s.id }

// Namespace is the namespace the socket belongs to.
func (s *Socket) Namespace() *Namespace { return s.nsp }

// Handshake describes the connection's handshake. It is assembled on each
// call (the query is parsed then), so idle sockets keep only the request.
func (s *Socket) Handshake() Handshake {
	hs := Handshake{Auth: s.auth, Time: s.connAt, Transport: s.transport, ClientAddr: s.client.sess.ClientAddr()}
	if req := s.client.sess.Request(); req != nil {
		hs.Header = req.Header
		hs.Query = req.URL.Query()
		hs.Address = req.RemoteAddr
	}
	return hs
}

// Transport is the connection's current transport ("polling" or "websocket").
func (s *Socket) Transport() string { return s.client.sess.Transport() }

// RTT is the connection's last measured round trip (engineio.Session.RTT): from the
// server's ping to the client's pong, measured once per ping interval; zero until then.
func (s *Socket) RTT() time.Duration { return s.client.sess.RTT() }

// Connected reports whether the socket is still connected.
func (s *Socket) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connected
}

// On registers the handler for an event, replacing any earlier one.
func (s *Socket) On(event string, h EventHandler) {
	s.mu.Lock()
	if s.handlers == nil {
		s.handlers = make(map[string]EventHandler)
	}
	s.handlers[event] = h
	if event == s.lastEvent {
		s.lastHandler = h
	}
	s.mu.Unlock()
}

// OnAny registers a handler called for every incoming event before the
// event's own handler.
func (s *Socket) OnAny(h func(s *Socket, event string, args Args)) {
	s.mu.Lock()
	s.anyHandlers = append(s.anyHandlers, h)
	s.mu.Unlock()
}

// OnDisconnecting registers a handler called when the socket is about to
// disconnect, while it is still in its rooms.
func (s *Socket) OnDisconnecting(h func(reason string)) {
	s.mu.Lock()
	s.disconnecting = append(s.disconnecting, h)
	s.mu.Unlock()
}

// OnDisconnect registers a handler called once the socket has disconnected.
func (s *Socket) OnDisconnect(h func(reason string)) {
	s.mu.Lock()
	s.disconnected = append(s.disconnected, h)
	s.mu.Unlock()
}

// Set stores a value on the socket (the Node API's socket.data).
func (s *Socket) Set(key string, v any) {
	s.mu.Lock()
	if s.data == nil {
		s.data = make(map[string]any)
	}
	s.data[key] = v
	s.mu.Unlock()
}

// Get returns a value stored with Set.
func (s *Socket) Get(key string) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data[key]
}

// Emit sends an event to this socket. It never blocks; an error means the
// event could not be queued (and a full outbox has closed the connection).
func (s *Socket) Emit(event string, args ...any) error {
	return s.emit(event, args, false, nil, 0)
}

// Send emits a "message" event.
func (s *Socket) Send(args ...any) error { return s.Emit("message", args...) }

// EmitLatest puts an event into the connection's latest-wins slot (see
// engineio.Session.SendLatest): it replaces an earlier EmitLatest not yet
// written, goes out after the events queued with Emit, and waits while the
// kernel holds unsent bytes for a backed-up link. Just before writing, valid
// (when not nil) decides whether it still makes sense; after writing,
// written (when not nil) is called. Both run on the goroutine that writes
// the connection, never on the caller's, and must not call the socket (valid
// may be asked with the connection's lock held). It is for state that
// supersedes itself, such as game snapshots; it never blocks.
func (s *Socket) EmitLatest(event string, valid func() bool, written func(), args ...any) error {
	if sioparser.IsReservedEvent(event) {
		return ErrReservedEvent
	}
	if s.client.kind() == parserMsgpack {
		// Arguments encoded already (a snapshot): the packet in one step.
		if b, ok := sioparser.AppendCanonicalEvent(nil, s.nspName, event, args); ok {
			if !s.Connected() {
				return ErrDisconnected
			}
			return s.client.sess.SendLatest([]engineio.Message{{Binary: true, Data: b}}, valid, written)
		}
	}
	data, err := sioparser.EncodeArgs(event, args)
	if err != nil {
		return err
	}
	if !s.Connected() {
		return ErrDisconnected
	}
	o := newOutPacket(sioparser.Packet{Type: sioparser.Event, Namespace: s.nspName, Data: data})
	msgs, err := o.messages(s.client.kind())
	if err != nil {
		return err
	}
	return s.client.sess.SendLatest(msgs, valid, written)
}

// OfferLatest is EmitLatest for an event with one argument, arg, already encoded as canonical
// msgpack (sioparser.Canonical), with hooks instead of functions
// (engineio.Session.OfferLatest): for a msgpack peer nothing is allocated, and when the
// connection is idle the caller writes the packet itself, and h's calls happen on its
// goroutine (engineio.LatestHooks says what they may do). arg is only read during the call.
// It is for the game snapshot each player gets every tick; it never blocks.
func (s *Socket) OfferLatest(event string, arg sioparser.Canonical, h engineio.LatestHooks, tag engineio.LatestTag) error {
	if sioparser.IsReservedEvent(event) {
		return ErrReservedEvent
	}
	if !s.msgpack {
		data, err := sioparser.EncodeArgs(event, []any{arg})
		if err != nil {
			return err
		}
		if !s.Connected() {
			return ErrDisconnected
		}
		msgs, err := newOutPacket(sioparser.Packet{Type: sioparser.Event, Namespace: s.nspName, Data: data}).messages(s.client.kind())
		if err != nil {
			return err
		}
		return s.sess.SendLatestHooks(msgs, h, tag)
	}
	srv := s.nsp.srv
	buf, _ := srv.packetBufs.Get().(*[]byte)
	if buf == nil {
		buf = new([]byte)
	}
	defer srv.putPacketBuffer(buf)
	b, ok := sioparser.AppendCanonicalEvent1((*buf)[:0], s.nspName, event, arg)
	if !ok { // an empty arg, a bad namespace
		return sioparser.ErrInvalidPacket
	}
	*buf = b
	if !s.Connected() {
		return ErrDisconnected
	}
	return s.sess.OfferLatest(engineio.Message{Binary: true, Data: b}, h, tag)
}

// putPacketBuffer gives b back unless it grew too large to keep (a full state of a big room).
func (s *Server) putPacketBuffer(b *[]byte) {
	if cap(*b) <= 64<<10 {
		s.packetBufs.Put(b)
	}
}

// EmitWithAck sends an event and calls cb once with the client's ack
// arguments, or with ErrAckTimeout after the configured AckTimeout, or with
// ErrDisconnected. cb runs on the connection's reader path or a timer; it
// must not block.
func (s *Socket) EmitWithAck(event string, cb AckCallback, args ...any) error {
	return s.emit(event, args, false, cb, s.nsp.srv.cfg.AckTimeout)
}

// EmitWithAckContext sends an event and waits for the ack, until ctx is
// done (ErrAckTimeout) or the socket disconnects. Do not call it from this
// socket's own event handler: the ack is read on the same path.
func (s *Socket) EmitWithAckContext(ctx context.Context, event string, args ...any) (Args, error) {
	type result struct {
		args Args
		err  error
	}
	ch := make(chan result, 1)
	if err := s.emit(event, args, false, func(a Args, err error) { ch <- result{a, err} }, 0); err != nil {
		return Args{}, err
	}
	select {
	case r := <-ch:
		return r.args, r.err
	case <-ctx.Done():
		return Args{}, ErrAckTimeout
	}
}

// Timeout returns an emitter whose EmitWithAck fails with ErrAckTimeout
// after d (the Node API's socket.timeout(d).emit).
func (s *Socket) Timeout(d time.Duration) *Emitter { return &Emitter{s: s, timeout: d} }

// Volatile returns an emitter whose events are dropped when the connection
// is busy.
func (s *Socket) Volatile() *Emitter { return &Emitter{s: s, volatile: true} }

// Emitter carries emit modifiers for one socket. It is a value owned by the
// caller, never shared state of the socket.
type Emitter struct {
	s        *Socket
	timeout  time.Duration
	volatile bool
}

// Emit sends an event with the emitter's modifiers.
func (e *Emitter) Emit(event string, args ...any) error {
	return e.s.emit(event, args, e.volatile, nil, 0)
}

// EmitWithAck sends an event and calls cb with the ack or an error.
func (e *Emitter) EmitWithAck(event string, cb AckCallback, args ...any) error {
	t := e.timeout
	if t == 0 {
		t = e.s.nsp.srv.cfg.AckTimeout
	}
	return e.s.emit(event, args, e.volatile, cb, t)
}

// Timeout sets the ack timeout.
func (e *Emitter) Timeout(d time.Duration) *Emitter { c := *e; c.timeout = d; return &c }

// Volatile marks events as droppable.
func (e *Emitter) Volatile() *Emitter { c := *e; c.volatile = true; return &c }

func (s *Socket) emit(event string, args []any, volatile bool, cb AckCallback, timeout time.Duration) error {
	if sioparser.IsReservedEvent(event) {
		return ErrReservedEvent
	}
	data, err := sioparser.EncodeArgs(event, args)
	if err != nil {
		return err
	}
	p := sioparser.Packet{Type: sioparser.Event, Namespace: s.nspName, Data: data}
	s.mu.Lock()
	if !s.connected {
		s.mu.Unlock()
		return ErrDisconnected
	}
	var id uint64
	if cb != nil {
		id = s.nextAck
		s.nextAck++
		p.ID, p.HasID = id, true
		pa := &pendingAck{cb: cb}
		if s.acks == nil {
			s.acks = make(map[uint64]*pendingAck)
		}
		s.acks[id] = pa
		if timeout > 0 {
			pa.timer = time.AfterFunc(timeout, func() { s.failAck(id, ErrAckTimeout) })
		}
	}
	s.mu.Unlock()
	err = s.client.send(newOutPacket(p), volatile)
	if err != nil && cb != nil {
		s.failAck(id, ErrDisconnected)
		return nil // cb has been told
	}
	return err
}

func (s *Socket) failAck(id uint64, err error) {
	s.mu.Lock()
	pa := s.acks[id]
	delete(s.acks, id)
	s.mu.Unlock()
	if pa == nil {
		return
	}
	if pa.timer != nil {
		pa.timer.Stop()
	}
	defer s.client.recoverHandler("ack callback", s.nspName)
	pa.cb(Args{}, err)
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
		return // unknown or late ack id: ignored, as the reference does
	}
	if pa.timer != nil {
		pa.timer.Stop()
	}
	defer s.client.recoverHandler("ack callback", s.nspName)
	args, err := sioparser.SplitArgs(p.Data, 0)
	if err != nil {
		pa.cb(Args{}, err)
		return
	}
	pa.cb(args, nil)
}

func (s *Socket) onEvent(p *sioparser.Packet) {
	all, err := sioparser.SplitArgs(p.Data, 0)
	if err != nil {
		s.client.sess.Close(ReasonParseError)
		return
	}
	rawName, ok := all.StringBytes(0)
	if !ok {
		s.client.sess.Close(ReasonParseError)
		return
	}
	args := all.From(1)
	var ack Ack
	if p.HasID {
		ack = s.ackFunc(p.ID)
	}
	s.mu.Lock()
	// A player sends the same event (input) over and over: a field of the socket is in cache
	// where the map's memory, one map per connection, is not, and its name is not copied.
	h, name := s.lastHandler, s.lastEvent
	if string(rawName) != name || h == nil {
		name = string(rawName)
		h = s.handlers[name]
		s.lastEvent, s.lastHandler = name, h
	}
	anys := s.anyHandlers
	s.mu.Unlock()
	defer s.client.recoverHandler("event", name)
	for _, a := range anys {
		a(s, name, args)
	}
	if h != nil {
		h(s, args, ack)
	}
}

func (s *Socket) ackFunc(id uint64) Ack {
	var used atomic.Bool
	return func(args ...any) error {
		if used.Swap(true) {
			return ErrAckUsed
		}
		data, err := sioparser.EncodeArgs("", args)
		if err != nil {
			return err
		}
		s.mu.Lock()
		connected := s.connected
		s.mu.Unlock()
		if !connected {
			return ErrDisconnected
		}
		return s.client.send(newOutPacket(sioparser.Packet{Type: sioparser.Ack, Namespace: s.nspName, ID: id, HasID: true, Data: data}), false)
	}
}

// Join adds the socket to rooms.
func (s *Socket) Join(rooms ...string) {
	s.nsp.mu.Lock()
	defer s.nsp.mu.Unlock()
	if !s.Connected() {
		return
	}
	for _, r := range rooms {
		s.nsp.joinLocked(s, r)
	}
}

// Leave removes the socket from room.
func (s *Socket) Leave(room string) {
	s.nsp.mu.Lock()
	s.nsp.leaveLocked(s, room)
	s.nsp.mu.Unlock()
}

// Rooms lists the rooms the socket is in, its own id room included.
func (s *Socket) Rooms() []string {
	s.nsp.mu.RLock()
	defer s.nsp.mu.RUnlock()
	out := make([]string, 0, 1+len(s.rooms))
	out = append(out, s.id)
	for r := range s.rooms {
		out = append(out, r)
	}
	return out
}

// Broadcast selects every other socket of the namespace.
func (s *Socket) Broadcast() *Broadcast { return &Broadcast{nsp: s.nsp, skip: s} }

// To selects the sockets in rooms, leaving out this socket.
func (s *Socket) To(rooms ...string) *Broadcast { return s.Broadcast().To(rooms...) }

// In is To.
func (s *Socket) In(rooms ...string) *Broadcast { return s.To(rooms...) }

// Except selects every other socket of the namespace except those in rooms.
func (s *Socket) Except(rooms ...string) *Broadcast { return s.Broadcast().Except(rooms...) }

// Disconnect disconnects the socket from its namespace: the client is sent
// DISCONNECT and sees "io server disconnect". With close, the whole
// connection (every namespace) is closed.
func (s *Socket) Disconnect(close bool) {
	if close {
		s.client.disconnectAll()
		return
	}
	if !s.Connected() {
		return
	}
	_ = s.client.send(newOutPacket(sioparser.Packet{Type: sioparser.Disconnect, Namespace: s.nspName}), false)
	s.onClose(ReasonServerNamespaceDisconnect)
}

// onClose runs the disconnect sequence once: disconnecting handlers (still
// in rooms), leave rooms, fail pending acks, disconnect handlers.
func (s *Socket) onClose(reason string) {
	s.mu.Lock()
	if !s.connected || s.closing {
		s.mu.Unlock()
		return
	}
	s.closing = true
	pre := s.disconnecting
	s.mu.Unlock()
	for _, h := range pre {
		s.client.safely("disconnecting", s.nspName, func() { h(reason) })
	}
	s.mu.Lock()
	s.connected = false
	acks := s.acks
	s.acks = nil
	post := s.disconnected
	s.mu.Unlock()
	s.nsp.remove(s)
	s.client.removeSocket(s.nspName)
	for _, pa := range acks {
		if pa.timer != nil {
			pa.timer.Stop()
		}
		s.client.safely("ack callback", s.nspName, func() { pa.cb(Args{}, ErrDisconnected) })
	}
	for _, h := range post {
		s.client.safely("disconnect", s.nspName, func() { h(reason) })
	}
}
