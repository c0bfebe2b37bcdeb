package roomtest

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/gametest"
	"github.com/tickroom/tickroom/rooms"
)

// Peer is one player's in-memory connection: the client side of what the
// room sends. Every snapshot is written as soon as it is offered (a writer
// that never falls behind), decoded, checked and applied to a game.Mirror;
// a problem fails the test (t.Errorf, as it runs on the room goroutine).
// Its methods are safe from any goroutine.
type Peer struct {
	t      testing.TB
	id     game.PlayerID
	schema *game.Schema

	mu      sync.Mutex
	seat    *rooms.Seat
	seq     uint64
	mirror  *game.Mirror
	written uint64 // tick of the last snapshot written
	snaps   []Snapshot
	events  []Event
	closed  string
}

// Snapshot is one `snapshot` the player got, decoded.
type Snapshot struct {
	T, B, A uint64 // tick, baseline tick (0: a full state), last input seq applied
	TS      int64  // the server's Unix time in ms of tick T
	H       uint32 // the view hash, when HasH
	HasH    bool
	Size    int // bytes of the whole map
}

// Event is one reliable event the player got: its name (rooms.EventRoom,
// rooms.EventClosed, rooms.EventNotice) and its argument as a client
// decodes it (gametest.RoundTrip).
type Event struct {
	Name string
	Arg  any
}

var _ rooms.Peer = (*Peer)(nil)

func newPeer(t testing.TB, id game.PlayerID, s *game.Schema) *Peer {
	return &Peer{t: t, id: id, schema: s, mirror: game.NewMirror(s)}
}

// ID returns the player's id.
func (p *Peer) ID() game.PlayerID { return p.id }

// Send records ev as the client decodes it.
func (p *Peer) Send(ev *rooms.Event) error {
	arg, err := gametest.RoundTrip(ev.Arg)
	if err != nil {
		p.t.Errorf("roomtest: player %d: event %s cannot be sent: %v", p.id, ev.Name, err)
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.events = append(p.events, Event{Name: ev.Name, Arg: arg})
	if ev.Name == rooms.EventClosed {
		if m, ok := arg.(map[string]any); ok {
			p.closed, _ = m["reason"].(string)
		}
	}
	return nil
}

// Close records that the room closed the connection (a flood disconnect).
func (p *Peer) Close(reason string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = reason
}

// OfferSnapshot writes the snapshot at once, as a client receives it: the
// baseline must be the last snapshot written (or 0), the map must decode,
// its section must apply, and `h`, when present, must equal the mirror's
// hash.
func (p *Peer) OfferSnapshot(tick, base uint64, pkt []byte, w rooms.Written) error {
	p.mu.Lock()
	err := p.apply(tick, base, pkt)
	p.mu.Unlock()
	if err != nil {
		p.t.Errorf("roomtest: player %d: %v", p.id, err)
		return nil // the room goes on: the error is the test's
	}
	w.SnapshotWritten(tick, base)
	return nil
}

func (p *Peer) apply(tick, base uint64, pkt []byte) error {
	if base != 0 && base != p.written {
		return fmt.Errorf("snapshot of tick %d over tick %d, the last written is %d", tick, base, p.written)
	}
	v, err := gametest.Decode(pkt)
	if err != nil {
		return fmt.Errorf("snapshot of tick %d: %w", tick, err)
	}
	m, _ := v.(map[string]any)
	s := Snapshot{Size: len(pkt)}
	var ok [5]bool
	s.T, ok[0] = uintOf(m["t"])
	s.B, ok[1] = uintOf(m["b"])
	s.A, ok[2] = uintOf(m["a"])
	s.TS, ok[3] = m["ts"].(int64)
	section, eOK := m["e"].([]byte)
	ok[4] = eOK
	if slices.Contains(ok[:], false) || s.T != tick || s.B != base {
		return fmt.Errorf("snapshot map %v offered as tick %d over %d", m, tick, base)
	}
	if h, present := m["h"]; present {
		hv, hok := uintOf(h)
		if !hok || hv > 1<<32-1 {
			return fmt.Errorf("snapshot of tick %d: h %v", tick, h)
		}
		s.H, s.HasH = uint32(hv), true
	}
	if err := p.mirror.Apply(section, s.B == 0); err != nil {
		return fmt.Errorf("snapshot of tick %d over %d: %w", s.T, s.B, err)
	}
	if s.HasH && p.mirror.Hash() != s.H {
		return fmt.Errorf("snapshot of tick %d: mirror hash %#08x, h %#08x", s.T, p.mirror.Hash(), s.H)
	}
	p.written = tick
	p.snaps = append(p.snaps, s)
	return nil
}

func uintOf(v any) (uint64, bool) {
	n, ok := v.(int64)
	return uint64(n), ok && n >= 0
}

// Input sends one `input`, the map a client sends, through the player's
// Seat as the connection's handler does (rate limit, seq check,
// DecodeInput, the queue). A map without "seq" gets this peer's last seq
// plus one. Like the protocol's input it is fire and forget: what the
// runtime drops shows in Room.Stats.
func (p *Peer) Input(fields map[string]any) {
	p.mu.Lock()
	seat := p.seat
	if _, ok := fields["seq"]; !ok {
		p.seq++
		fields = withSeq(fields, p.seq)
	} else if n, ok := game.WholeNumber(fields["seq"]); ok && n > 0 {
		p.seq = max(p.seq, uint64(n))
	}
	p.mu.Unlock()
	raw, err := gametest.Encode(fields)
	if err != nil {
		p.t.Errorf("roomtest: player %d: input %v: %v", p.id, fields, err)
		return
	}
	if seat == nil {
		p.t.Errorf("roomtest: player %d: input without a seat", p.id)
		return
	}
	seat.PushInput(raw)
}

func withSeq(fields map[string]any, seq uint64) map[string]any {
	out := make(map[string]any, len(fields)+1)
	for k, v := range fields {
		out[k] = v
	}
	out["seq"] = seq
	return out
}

// View returns a copy of what the client holds after the last snapshot.
func (p *Peer) View() gametest.View {
	p.mu.Lock()
	defer p.mu.Unlock()
	return gametest.NewView(p.schema, p.mirror.Clone(), p.written)
}

// Snapshots returns the snapshots received, in order.
func (p *Peer) Snapshots() []Snapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.snaps)
}

// Events returns the reliable events received, in order.
func (p *Peer) Events() []Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.events)
}

// RoomEvents returns the fields of every room:event of type typ received
// (type included), in order.
func (p *Peer) RoomEvents(typ string) []map[string]any {
	var out []map[string]any
	for _, e := range p.Events() {
		if m, ok := e.Arg.(map[string]any); ok && e.Name == rooms.EventRoom && m["type"] == typ {
			out = append(out, m)
		}
	}
	return out
}

// Closed returns why the room let the connection go: room:closed's
// reason, or the reason the room closed the peer with; "" while it has not.
func (p *Peer) Closed() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}
