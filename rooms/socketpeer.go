package rooms

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tickroom/tickroom/netio/engineio"
	"github.com/tickroom/tickroom/netio/sioparser"
	"github.com/tickroom/tickroom/netio/socketio"
)

// SocketPeer is a Peer over a netio socket: events go to the socket's
// ordered queue, encoded once per Event for every socket they go to;
// snapshots go to its latest-wins slot (Socket.OfferLatest), or straight
// to the socket when its connection is idle.
//
// It starts held: until Activate, what the room sends is kept back, so the
// ack of the request that seated the player reaches the client before any
// event or snapshot the seat causes (the contract's ordering rule).
type SocketPeer struct {
	s *socketio.Socket // static

	// lastWritten is the tick of the last snapshot written on this
	// connection; a snapshot's validity check compares a delta's base with
	// it.
	lastWritten atomic.Uint64
	// The room's side of the connection, told of each write: the room's
	// own conn, or any other Written boxed. Set with the first offer and on
	// a change, read by whoever writes.
	conn    atomic.Pointer[conn]
	written atomic.Pointer[writtenRef]
	// live is set once Activate has run: offers then skip mu.
	live atomic.Bool

	mu      sync.Mutex
	active  bool                 // guarded by mu
	events  []*socketio.Prepared // guarded by mu: held until Activate
	pending *heldLatest          // guarded by mu: the newest snapshot offered while held
}

// writtenRef boxes a Written for an atomic pointer.
type writtenRef struct{ w Written }

type heldLatest struct {
	tick, base uint64
	pkt        []byte // a copy: the room reuses its own
}

// NewSocketPeer returns a held peer for s.
func NewSocketPeer(s *socketio.Socket) *SocketPeer { return &SocketPeer{s: s} }

// Socket returns the peer's socket.
func (p *SocketPeer) Socket() *socketio.Socket { return p.s }

// RTT implements RTTPeer: the connection's last measured round trip (zero
// until its first heartbeat).
func (p *SocketPeer) RTT() time.Duration { return p.s.RTT() }

var _ RTTPeer = (*SocketPeer)(nil)

// prepare is the socket encoding of an Event, made once per Event.
func prepare(name string, arg any) (any, error) { return socketio.Prepare(name, arg) }

// Send implements Peer. Emits happen under mu (they never block), so held
// and later sends cannot overtake each other; the event was encoded before.
func (p *SocketPeer) Send(ev *Event) error {
	enc, err := ev.Encoded(prepare)
	if err != nil {
		return err
	}
	pe, ok := enc.(*socketio.Prepared)
	if !ok { // encoded first by a Peer of another kind: an Event is one kind's
		return fmt.Errorf("rooms: event %q was encoded as %T, not for a socket", ev.Name, enc)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.active {
		p.events = append(p.events, pe)
		return nil
	}
	return p.s.EmitPrepared(pe)
}

// OfferSnapshot implements Peer. Once the peer is live nothing is locked:
// a snapshot is latest-wins and goes after the events queued before it
// whatever the order of the calls (engineio's writer rule).
func (p *SocketPeer) OfferSnapshot(tick, base uint64, pkt []byte, w Written) error {
	p.setWritten(w)
	if p.live.Load() {
		return p.offer(tick, base, pkt)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.active {
		p.pending = &heldLatest{tick, base, append([]byte(nil), pkt...)}
		return nil
	}
	return p.offer(tick, base, pkt)
}

// setWritten records who is told of writes, when it changed.
func (p *SocketPeer) setWritten(w Written) {
	if c, ok := w.(*conn); ok {
		if p.conn.Load() != c {
			p.conn.Store(c)
			p.written.Store(nil)
		}
		return
	}
	if r := p.written.Load(); r == nil || r.w != w {
		p.written.Store(&writtenRef{w})
		p.conn.Store(nil)
	}
}

func (p *SocketPeer) offer(tick, base uint64, pkt []byte) error {
	// appendSnapshot writes canonical msgpack (TestSnapshotCanonical): no normalising walk.
	return p.s.OfferLatest("snapshot", sioparser.Canonical(pkt), (*snapshotHooks)(p), engineio.LatestTag{A: tick, B: base})
}

// snapshotHooks is the peer as its snapshots' engineio.LatestHooks (tag A is
// the snapshot's tick, B its base): a conversion, not an allocation.
type snapshotHooks SocketPeer

// LatestValid keeps a full state, or a delta over the last snapshot written.
func (h *snapshotHooks) LatestValid(tag engineio.LatestTag) bool {
	return tag.B == 0 || tag.B == h.lastWritten.Load()
}

// LatestWritten records the write and tells the room.
func (h *snapshotHooks) LatestWritten(tag engineio.LatestTag) {
	h.lastWritten.Store(tag.A)
	if c := h.conn.Load(); c != nil {
		c.SnapshotWritten(tag.A, tag.B)
	} else if r := h.written.Load(); r != nil {
		r.w.SnapshotWritten(tag.A, tag.B)
	}
}

// Close implements Peer. Socket.IO carries no reason on a server's
// disconnect (the client sees "io server disconnect"): whoever calls
// Close logs and counts the reason. The disconnect runs the socket's disconnect
// handlers, and the lobby's handler asks the room to drop the seat: on the
// room goroutine, which calls Close, that request would wait for the room
// itself. So the disconnect runs on its own short-lived goroutine.
func (p *SocketPeer) Close(reason string) { go p.s.Disconnect(true) }

// Activate releases what was held, in order, and lets later sends through.
func (p *SocketPeer) Activate() { p.ActivateWith(nil) }

// ActivateWith runs first (it writes the ack of the request that seated the
// player), then does what Activate does, in one step: nothing the room sends
// comes between the ack and the release, and nothing held is left behind by
// a connection that closes once the client has its ack (a server shutting
// down right after a join).
func (p *SocketPeer) ActivateWith(first func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if first != nil {
		first()
	}
	for _, e := range p.events {
		_ = p.s.EmitPrepared(e)
	}
	if l := p.pending; l != nil {
		_ = p.offer(l.tick, l.base, l.pkt)
	}
	p.events, p.pending = nil, nil
	p.active = true
	p.live.Store(true)
}
