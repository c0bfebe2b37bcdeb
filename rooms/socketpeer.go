package rooms

import (
	"sync"
	"sync/atomic"

	"github.com/tickroom/tickroom/netio/sioparser"
	"github.com/tickroom/tickroom/netio/socketio"
)

// socketPeer is a Peer over a netio socket: events go to the socket's
// ordered queue, snapshots to its latest-wins slot (Socket.EmitLatest).
//
// It starts held: until activate, what the room sends is kept back, so the
// ack of the request that seated the player reaches the client before any
// event or snapshot the seat causes (the contract's ordering rule).
type socketPeer struct {
	s *socketio.Socket // static

	// lastWritten is the tick of the last snapshot the writer wrote on this
	// connection; the slot's valid check compares a delta's base with it.
	lastWritten atomic.Uint64

	mu      sync.Mutex
	active  bool        // guarded by mu
	events  []heldEvent // guarded by mu: held until activate
	pending *heldLatest // guarded by mu: the newest snapshot offered while held
}

type heldEvent struct {
	name string
	args []any
}

type heldLatest struct {
	tick, base uint64
	pkt        []byte
	written    func()
}

func newSocketPeer(s *socketio.Socket) *socketPeer { return &socketPeer{s: s} }

// Event implements Peer.
// Emits happen under mu (they never block), so held and later sends cannot
// overtake each other.
func (p *socketPeer) Event(name string, args ...any) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.active {
		p.events = append(p.events, heldEvent{name, args})
		return nil
	}
	return p.s.Emit(name, args...)
}

// OfferSnapshot implements Peer.
func (p *socketPeer) OfferSnapshot(tick, base uint64, pkt []byte, written func()) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.active {
		p.pending = &heldLatest{tick, base, pkt, written}
		return nil
	}
	return p.offer(tick, base, pkt, written)
}

func (p *socketPeer) offer(tick, base uint64, pkt []byte, written func()) error {
	valid := func() bool { return base == 0 || base == p.lastWritten.Load() }
	done := func() {
		p.lastWritten.Store(tick)
		if written != nil {
			written()
		}
	}
	// appendSnapshot writes canonical msgpack (TestSnapshotCanonical): no normalising walk.
	return p.s.EmitLatest("snapshot", valid, done, sioparser.Canonical(pkt))
}

// Close implements Peer. The disconnect runs the socket's disconnect
// handlers, and the host's handler asks the room to drop the seat: on the
// room goroutine, which calls Close, that request would wait for the room
// itself. So the disconnect runs on its own short-lived goroutine.
func (p *socketPeer) Close(reason string) { go p.s.Disconnect(true) }

// activate releases what was held, in order, and lets later sends through.
func (p *socketPeer) activate() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range p.events {
		_ = p.s.Emit(e.name, e.args...)
	}
	if l := p.pending; l != nil {
		_ = p.offer(l.tick, l.base, l.pkt, l.written)
	}
	p.events, p.pending = nil, nil
	p.active = true
}
