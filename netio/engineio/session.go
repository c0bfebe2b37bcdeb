package engineio

import (
	"bytes"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/tickroom/tickroom/netio/internal/rawfd"
)

// Message is one Engine.IO message packet: text (UTF-8) or binary data.
type Message struct {
	Binary bool
	Data   []byte
}

// SessionHandler receives a session's events. Set it with Session.SetHandler.
type SessionHandler interface {
	// OnMessage is called for each message in arrival order, never concurrently with
	// another OnMessage or OnClose of the same session. m.Data belongs to the handler.
	OnMessage(m Message)
	// OnClose is called exactly once, after the last OnMessage returned, with one of the
	// Reason* strings (or the one given to Close) and the cause when there is one.
	OnClose(reason string, err error)
}

// BorrowingHandler is a SessionHandler whose OnMessage does not keep m.Data after it returns
// (it copies what it keeps). Its messages may be handed over in the reader's own buffer, valid
// only during the call: a message that arrived whole in one read then costs no allocation
// and no copy.
type BorrowingHandler interface {
	SessionHandler
	// BorrowsMessages marks the handler; it is never called.
	BorrowsMessages()
}

type nopHandler struct{}

func (nopHandler) OnMessage(Message)     {}
func (nopHandler) OnClose(string, error) {}

// closeMode says how much of the outbox still reaches the peer when a session closes.
type closeMode uint8

const (
	closeGraceful closeMode = iota // Close: flush the outbox, then a close packet / frame
	closeError                     // drop the outbox; tell the peer if that cannot block
	closeAbort                     // drop the outbox and the connection now
	closePeer                      // the client sent a close packet
)

// Session is one Engine.IO connection, over polling or websocket (after an upgrade or
// directly). Its methods are safe for concurrent use.
type Session struct {
	srv  *Server       // static
	id   string        // static once registered
	req  *keptRequest  // static
	done chan struct{} // closed when the session closes
	dmu  sync.Mutex    // serialises handler calls (OnMessage, pending OnClose)

	mu            sync.Mutex
	handler       SessionHandler  // guarded by mu
	closed        bool            // guarded by mu
	inHandler     bool            // guarded by mu: an OnMessage is running
	notifyPending bool            // guarded by mu: OnClose waits for that OnMessage to return
	closeReason   string          // guarded by mu
	closeErr      error           // guarded by mu
	out           outbox          // guarded by mu
	ws            *websocket.Conn // guarded by mu: set once when the transport is websocket
	writing       bool            // guarded by mu: a writer goroutine owns ws writes
	parked        bool            // guarded by mu: that writer waits for work (see writerLinger)
	wake          chan struct{}   // guarded by mu: wakes a parked writer (capacity 1); nil when it does not linger
	writerEnd     time.Duration   // guarded by mu: when the last writer ended, since Server.epoch (0: none yet)
	writerStreak  uint8           // guarded by mu: writer starts in a row soon after the previous one ended
	wsCloseFrame  bool            // guarded by mu: the writer ends with a close frame

	// polling, guarded by mu
	pollActive  bool          // a GET is waiting
	pollWake    chan struct{} // signals the waiting GET (capacity 1)
	pollClose   bool          // the next GET answer ends with a close packet
	postActive  bool          // a POST is being read
	lingering   bool          // closed, still registered to hand the close packet to a GET
	lingerTimer *time.Timer

	// upgrade, guarded by mu
	upgradeConn  *websocket.Conn // the probing websocket, nil when none
	upgradeTimer *time.Timer
	probed       bool // probe answered: polls are answered with noop at once

	heartbeat heartbeat // guarded by mu

	// lat is the latest-wins slot and the direct write (latest.go, wsdirect.go), made at the
	// first offer (or control frame): an idle connection keeps only the pointer. Once set it
	// never changes.
	lat *latestState // guarded by mu

	slot connSlot // guarded by mu: the session's place in the caps, zero once freed

	counted transportIndex // guarded by mu: the open count it is in (traffic.go)
	rtt     atomic.Int64   // the last round trip in ns (RTT), written by the heartbeat
}

func (srv *Server) newSession(r *http.Request, slot connSlot) *Session {
	return &Session{
		srv:     srv,
		id:      newSessionID(),
		req:     keepRequest(r, slot.addr, srv.cfg.RequestKeepBytes),
		done:    make(chan struct{}),
		handler: nopHandler{},
		slot:    slot,
	}
}

// ID returns the session id (sid), 20 url-safe characters from crypto/rand.
func (s *Session) ID() string { return s.id }

// Transport returns "polling" or "websocket"; it changes once, when an upgrade completes.
func (s *Session) Transport() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ws != nil {
		return TransportWebSocket
	}
	return TransportPolling
}

// SetHandler sets the event handler. Call it inside onConnection, before it returns.
func (s *Session) SetHandler(h SessionHandler) {
	if h == nil {
		h = nopHandler{}
	}
	s.mu.Lock()
	s.handler = h
	s.mu.Unlock()
}

// Done is closed when the session closes.
func (s *Session) Done() <-chan struct{} { return s.done }

// Send queues msgs, contiguous and in order, without blocking. It returns ErrClosed when the
// session is closed; when the outbox cannot take all of them (Config.OutboxSize packets,
// Config.MaxOutboxBytes bytes) it queues none, closes the session with reason "slow client"
// and returns ErrSlowClient. Data is never modified and must not be modified by the caller
// afterwards: the same slice may go to many sessions.
func (s *Session) Send(msgs ...Message) error {
	n := dataBytes(msgs)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	if s.out.len()+len(msgs) > s.srv.cfg.OutboxSize || s.overBytesLocked(n) {
		s.slowClientLocked()
		return ErrSlowClient
	}
	for _, m := range msgs {
		s.out.push(Packet{Type: PacketMessage, Binary: m.Binary, Data: m.Data})
	}
	s.flushLocked()
	s.mu.Unlock()
	return nil
}

// dataBytes is what msgs weigh in Config.MaxOutboxBytes.
func dataBytes(msgs []Message) int {
	n := 0
	for _, m := range msgs {
		n += len(m.Data)
	}
	return n
}

// overBytesLocked reports whether n more bytes would take the session past
// Config.MaxOutboxBytes: the outbox, a batch its writer holds and the latest-wins slot.
func (s *Session) overBytesLocked(n int) bool {
	max := s.srv.cfg.MaxOutboxBytes
	return max >= 0 && s.out.bytes()+s.latestBytes()+n > max
}

// slowClientLocked closes the session as a slow client; s.mu is held and released.
func (s *Session) slowClientLocked() {
	queued, packets := s.out.bytes()+s.latestBytes(), s.out.len()
	after := s.closeLocked(ReasonSlowClient, ErrSlowClient, closeAbort)
	s.mu.Unlock()
	s.srv.count(&s.srv.counts.slowClient, "engineio: slow client closed", "sid", s.id, "client", s.req.clientAddr,
		"queued_packets", packets, "queued_bytes", queued)
	// The sender may be a game loop: it must not run OnClose (handler code) itself.
	if s.srv.addGoroutine() {
		go func() {
			defer s.srv.wg.Done()
			after()
		}()
	} else {
		after()
	}
}

// SendVolatile queues msgs only if they can go out at once: the outbox is empty and the
// transport is writable (a websocket writer is idle, or a poll is waiting). It reports
// whether they were queued.
func (s *Session) SendVolatile(msgs ...Message) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.out.len() > 0 || len(msgs) > s.srv.cfg.OutboxSize {
		return false
	}
	n := dataBytes(msgs)
	if s.overBytesLocked(n) {
		return false
	}
	if s.ws != nil && s.busyWriterLocked() || s.ws == nil && !s.pollActive {
		return false
	}
	for _, m := range msgs {
		s.out.push(Packet{Type: PacketMessage, Binary: m.Binary, Data: m.Data})
	}
	s.flushLocked()
	return true
}

// Close closes the session with reason: queued messages are still delivered, then a close
// packet (polling) or close frame (websocket). OnClose runs with reason and a nil error.
func (s *Session) Close(reason string) {
	s.close(reason, nil, closeGraceful)
}

// sendControl queues a packet the server generates (ping, noop); it bypasses OutboxSize so a
// heartbeat is not what declares a client slow.
func (s *Session) sendControlLocked(t PacketType) {
	s.out.push(Packet{Type: t})
	s.flushLocked()
}

// flushLocked hands the outbox to the transport's writer.
func (s *Session) flushLocked() {
	if s.out.len() == 0 {
		return
	}
	if s.ws != nil {
		s.startWriterLocked()
		return
	}
	if s.pollActive {
		s.wakePollLocked()
	}
}

func (s *Session) close(reason string, err error, mode closeMode) {
	s.mu.Lock()
	after := s.closeLocked(reason, err, mode)
	s.mu.Unlock()
	after()
}

func nop() {}

// closeLocked ends the session and returns what must run after mu is released: dropping
// connections, unregistering, and OnClose (unless an OnMessage is running: it then runs
// when that returns).
func (s *Session) closeLocked(reason string, err error, mode closeMode) func() {
	if s.closed {
		return nop
	}
	s.closed = true
	s.closeReason, s.closeErr = reason, err
	s.countCloseLocked(reason)
	s.dropLatestLocked() // a state nobody will read
	slot := s.slot
	s.slot = connSlot{}
	close(s.done)
	s.heartbeat.stop()
	if s.upgradeTimer != nil {
		s.upgradeTimer.Stop()
		s.upgradeTimer = nil
	}
	var drop []*websocket.Conn
	if s.upgradeConn != nil {
		drop = append(drop, s.upgradeConn) // its reader ends the upgrade attempt
		s.upgradeConn = nil
	}
	remove := true
	if s.ws != nil {
		switch {
		case mode == closeGraceful:
			s.wsCloseFrame = true
			s.startWriterLocked()
		case mode == closeAbort || s.busyWriterLocked():
			// A writer may be stuck on a peer that does not read: cut the connection.
			// A parked one wakes up, sees the session closed and ends.
			s.out.reset()
			drop = append(drop, s.ws)
			s.wakeWriterLocked()
		default:
			s.out.reset()
			s.wsCloseFrame = true
			s.startWriterLocked()
		}
	} else {
		switch mode {
		case closeGraceful:
			// Keep the session registered until a GET has collected the rest and "1".
			s.pollClose = true
			s.lingering = true
			remove = false
			s.lingerTimer = time.AfterFunc(pollingCloseTimeout, s.endLinger)
			if s.pollActive {
				s.wakePollLocked()
			}
		case closePeer:
			s.out.reset()
			if s.pollActive {
				s.wakePollLocked() // answered with a noop
			} else {
				// A GET the client sent before its close may still be on its way (the
				// two travel on different HTTP connections): answer it with a noop, as
				// if it had been pending, rather than with "unknown sid".
				s.lingering = true
				remove = false
				s.lingerTimer = time.AfterFunc(peerCloseLinger, s.endLinger)
			}
		default:
			s.out.reset()
			if s.pollActive {
				s.pollClose = true
				s.wakePollLocked()
			}
		}
	}
	notify := !s.inHandler
	if !notify {
		s.notifyPending = true
	}
	h := s.handler
	s.srv.log.Debug("engineio: session closed", "sid", s.id, "reason", reason, "err", err)
	return func() {
		for _, c := range drop {
			cutConn(c.NetConn())
		}
		s.srv.release(slot)
		if remove {
			s.srv.remove(s)
		}
		if notify {
			s.dmu.Lock()
			s.callOnClose(h, reason, err)
			s.dmu.Unlock()
		}
	}
}

// cutConn ends a websocket's connection at once without waiting for its reader: it shuts
// both directions down (a blocked write fails, a waiting read sees the end) and leaves closing
// the descriptor to the reader, which ends on it. The reader may be inside a read of that
// descriptor running a handler (wsreadbuf.go, warmRead): Close would wait for that read to
// end, and from one of its own handlers forever. Every connection the reader reads that way
// (rawfd.Of finds its descriptor) is shut down on the descriptor, whatever wraps it; one
// without (TLS, a pipe) is read with blocking reads and is closed.
func cutConn(nc net.Conn) {
	if rc := rawfd.Of(nc); rc != nil {
		rawfd.Shutdown(rc)
		return
	}
	nc.Close()
}

// pollingCloseTimeout bounds how long a polling session closed with Close waits for the
// client's next GET to deliver the close packet (the reference's closeTimeout).
const pollingCloseTimeout = 30 * time.Second

// cutConns closes the session's network connections at once, ending a writer stuck on a
// peer that does not read (Server.Close after its grace).
func (s *Session) cutConns() {
	s.mu.Lock()
	conns := []*websocket.Conn{s.ws, s.upgradeConn}
	s.mu.Unlock()
	for _, c := range conns {
		if c != nil {
			cutConn(c.NetConn())
		}
	}
}

// peerCloseLinger is how long a session the client closed over polling still answers a
// crossing GET with a noop.
const peerCloseLinger = time.Second

// endLinger unregisters a closed polling session whose close packet was not collected.
func (s *Session) endLinger() {
	s.mu.Lock()
	if !s.lingering {
		s.mu.Unlock()
		return
	}
	s.lingering = false
	if s.lingerTimer != nil {
		s.lingerTimer.Stop()
	}
	s.out.reset()
	s.mu.Unlock()
	s.srv.remove(s)
}

// deliver calls OnMessage unless the session is closed. A panic in it closes the session
// once OnMessage is over, so OnClose still runs after it.
func (s *Session) deliver(m Message, borrowed bool) {
	s.dmu.Lock()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.dmu.Unlock()
		return
	}
	s.inHandler = true
	h := s.handler
	s.mu.Unlock()
	if borrowed {
		if _, ok := h.(BorrowingHandler); !ok {
			m.Data = bytes.Clone(m.Data) // OnMessage owns what it is given
		}
	}

	panicked := s.callOnMessage(h, m)
	s.handlerReturned(h)
	if panicked {
		s.closePanicked()
	}
}

// handlerReturned ends a handler call begun with inHandler set and dmu held: it runs the
// OnClose a close during the call left pending, then releases dmu.
func (s *Session) handlerReturned(h SessionHandler) {
	s.mu.Lock()
	s.inHandler = false
	notify := s.notifyPending
	s.notifyPending = false
	reason, err := s.closeReason, s.closeErr
	s.mu.Unlock()
	if notify {
		s.callOnClose(h, reason, err)
	}
	s.dmu.Unlock()
}

// runOnConnection calls the server's onConnection as a handler call: a close that happens
// meanwhile delivers OnClose to the handler set inside it, after it returns.
func (s *Session) runOnConnection() {
	s.dmu.Lock()
	s.mu.Lock()
	s.inHandler = true
	s.mu.Unlock()
	panicked := s.callOnConnection()
	s.mu.Lock()
	h := s.handler
	s.mu.Unlock()
	s.handlerReturned(h)
	if panicked {
		s.closePanicked()
	}
}

// onPacket handles a packet received on the session's current transport; borrowed says
// p.Data is the reader's buffer, valid only during the call.
func (s *Session) onPacket(p Packet, borrowed bool) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	if p.Type != PacketPong {
		s.heartbeat.activity()
	}
	switch p.Type {
	case PacketMessage:
		s.mu.Unlock()
		s.deliver(Message{Binary: p.Binary, Data: p.Data}, borrowed)
		return
	case PacketPong:
		s.heartbeat.pong()
	case PacketPing:
		// v4: only the server pings (reference: "invalid heartbeat direction").
		after := s.closeLocked(ReasonTransportError, ErrProtocol, closeError)
		s.mu.Unlock()
		after()
		return
	case PacketClose:
		after := s.closeLocked(ReasonTransportClose, nil, closePeer)
		s.mu.Unlock()
		after()
		return
	}
	// open, upgrade, noop: ignored on an established transport, as the reference does.
	s.mu.Unlock()
}

// outbox is the session's FIFO of packets waiting for the transport. The writer takes the
// whole queue at once and gives the emptied slice back, so a busy session reuses two slices
// and an idle one keeps only small ones. It counts the data bytes it holds, those of a taken
// batch included until the batch is given back, for Config.MaxOutboxBytes.
type outbox struct {
	q      []Packet
	spare  []Packet
	queued int // data bytes in q
	held   int // data bytes the writer took and has not written yet
}

const outboxKeepCap = 16

func (o *outbox) len() int { return len(o.q) }

// bytes is what the outbox holds in memory for the session: queued and taken.
func (o *outbox) bytes() int { return o.queued + o.held }

func (o *outbox) push(p Packet) {
	o.q = append(o.q, p)
	o.queued += len(p.Data)
}

// take returns the queued packets and leaves the queue empty; their bytes stay counted as
// held until recycle.
func (o *outbox) take() []Packet {
	b := o.q
	o.q = o.spare[:0]
	o.spare = nil
	o.held, o.queued = o.queued, 0
	return b
}

// recycle returns a slice obtained from take once its packets are written.
func (o *outbox) recycle(b []Packet) {
	clear(b)
	o.held = 0
	if cap(b) <= outboxKeepCap && o.spare == nil {
		o.spare = b[:0]
	}
}

func (o *outbox) reset() {
	clear(o.q)
	o.queued = 0
	if cap(o.q) > outboxKeepCap {
		o.q = nil
	} else {
		o.q = o.q[:0]
	}
}
