package rooms

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/internal/mpwire"
	"github.com/vmihailenco/msgpack/v5"
)

// fakePeer is an in-memory connection. Events are "written" at once, in
// order. Snapshots go through a latest-wins slot and a writer the test
// controls: by default a snapshot is written as soon as it is offered;
// Stall leaves offers in the slot (each replacing the last); StallInFlight
// lets the writer take the next offer and block on it, the way a real
// writer blocks in a socket write. Resume writes what is in flight, then
// what is in the slot. Written snapshots are decoded and applied to a
// game.Mirror, checking `b` against what was written before and `h`
// against the mirror.
type fakePeer struct {
	mu          sync.Mutex
	name        string
	schema      *game.Schema
	noBaseCheck bool // a broken writer that writes any delta

	events   []fakeEvent
	closed   string
	stalled  bool
	inFlight *offer // taken by the writer, not yet written
	holdNext bool   // the next offer becomes inFlight
	slot     *offer

	mirror      *game.Mirror
	lastWritten uint64
	got         []snap
	replaced    int // offers replaced in the slot
	baseDrops   int // offers dropped by the writer's baseline check
	applyErrs   []error
	hashErrs    int
}

type fakeEvent struct {
	name string
	args []any
}

type offer struct {
	tick, base uint64
	pkt        []byte
	written    Written
}

// snap is one written snapshot, decoded.
type snap struct {
	t, b, a uint64
	ts      int64
	h       uint32
	hasH    bool
	size    int
	at      time.Time
}

func newFakePeer(name string, schema *game.Schema) *fakePeer {
	return &fakePeer{name: name, schema: schema, mirror: game.NewMirror(schema)}
}

// Send records the event's argument as a client decodes it (a msgpack
// round trip), so tests see the bytes' shape, not the Go type.
func (p *fakePeer) Send(ev *Event) error {
	b, err := msgpack.Marshal(ev.Arg)
	if err != nil {
		return err
	}
	var arg any
	if err := msgpack.Unmarshal(b, &arg); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.events = append(p.events, fakeEvent{ev.Name, []any{arg}})
	return nil
}

func (p *fakePeer) Close(reason string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = reason
}

func (p *fakePeer) OfferSnapshot(tick, base uint64, pkt []byte, written Written) error {
	p.mu.Lock()
	o := &offer{tick, base, slices.Clone(pkt), written} // the room reuses pkt
	switch {
	case p.holdNext:
		p.holdNext, p.inFlight = false, o
		p.mu.Unlock()
		return nil
	case p.stalled || p.inFlight != nil:
		if p.slot != nil {
			p.replaced++
		}
		p.slot = o
		p.mu.Unlock()
		return nil
	}
	p.mu.Unlock()
	p.write(o)
	return nil
}

// Stall stops the writer: offers wait in the slot.
func (p *fakePeer) Stall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stalled = true
}

// StallInFlight makes the writer take the next offer and block writing it.
func (p *fakePeer) StallInFlight() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stalled, p.holdNext = true, true
}

// Resume writes what is in flight, then what is in the slot, and lets
// later offers through.
func (p *fakePeer) Resume() {
	p.mu.Lock()
	in, s := p.inFlight, p.slot
	p.inFlight, p.slot, p.stalled, p.holdNext = nil, nil, false, false
	p.mu.Unlock()
	if in != nil {
		p.write(in)
	}
	if s != nil {
		p.write(s)
	}
}

// write is the writer: the baseline check the Peer contract asks for,
// then the client's side (decode, apply, hash), then the written report.
func (p *fakePeer) write(o *offer) {
	p.mu.Lock()
	if !p.noBaseCheck && o.base != 0 && o.base != p.lastWritten {
		p.baseDrops++
		p.mu.Unlock()
		return
	}
	s, section, err := decodeSnapshot(o.pkt)
	if err != nil {
		p.applyErrs = append(p.applyErrs, err)
	} else if s.t != o.tick || s.b != o.base {
		p.applyErrs = append(p.applyErrs, fmt.Errorf("packet t=%d b=%d, offered as %d/%d", s.t, s.b, o.tick, o.base))
	} else if err := p.mirror.Apply(section, s.b == 0); err != nil {
		p.applyErrs = append(p.applyErrs, fmt.Errorf("tick %d over %d: %w", s.t, s.b, err))
	} else if s.hasH && p.mirror.Hash() != s.h {
		p.hashErrs++
	}
	s.at = time.Now()
	p.got = append(p.got, s)
	p.lastWritten = o.tick
	p.mu.Unlock()
	o.written.SnapshotWritten(o.tick, o.base)
}

func (p *fakePeer) snaps() []snap {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]snap(nil), p.got...)
}

func (p *fakePeer) eventList() []fakeEvent {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]fakeEvent(nil), p.events...)
}

// check fails the test if the peer's client side ever went wrong.
func (p *fakePeer) check(t *testing.T) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.applyErrs) > 0 || p.hashErrs > 0 {
		t.Errorf("peer %s: %d apply errors (first: %v), %d hash mismatches", p.name, len(p.applyErrs), first(p.applyErrs), p.hashErrs)
	}
}

func first(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return errs[0]
}

// decodeSnapshot reads the snapshot map with a generic msgpack decoder: an
// independent check of the hand-written encoding.
func decodeSnapshot(pkt []byte) (snap, []byte, error) {
	var m map[string]any
	if err := msgpack.Unmarshal(pkt, &m); err != nil {
		return snap{}, nil, err
	}
	s := snap{size: len(pkt)}
	var ok [5]bool
	s.t, ok[0] = asUint(m["t"])
	s.b, ok[1] = asUint(m["b"])
	s.a, ok[2] = asUint(m["a"])
	ts, tsOK := asUint(m["ts"])
	s.ts, ok[3] = int64(ts), tsOK
	e, eOK := m["e"].([]byte)
	ok[4] = eOK
	for i, k := range ok {
		if !k {
			return s, nil, fmt.Errorf("snapshot key %d missing or mistyped: %v", i, m)
		}
	}
	if h, present := m["h"]; present {
		v, hok := asUint(h)
		if !hok || v > math.MaxUint32 {
			return s, nil, fmt.Errorf("bad h %v", h)
		}
		s.h, s.hasH = uint32(v), true
	}
	if want := 5 + btoi(s.hasH); len(m) != want {
		return s, nil, fmt.Errorf("snapshot has %d keys, want %d", len(m), want)
	}
	return s, e, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func asUint(v any) (uint64, bool) {
	switch n := v.(type) {
	case int8:
		return uint64(n), n >= 0
	case int16:
		return uint64(n), n >= 0
	case int32:
		return uint64(n), n >= 0
	case int64:
		return uint64(n), n >= 0
	case uint8:
		return uint64(n), true
	case uint16:
		return uint64(n), true
	case uint32:
		return uint64(n), true
	case uint64:
		return n, true
	}
	return 0, false
}

// probe is a test mode: every player is a dot everybody sees, the global
// "n" is the tick, and hooks let a test record, stall or panic.
type probe struct{ h *probeHooks }

type probeHooks struct {
	mu          sync.Mutex
	rate        int
	steps       []time.Time                // when each tick's Step ran
	applied     map[game.PlayerID][]uint64 // input seqs in applied order
	sleepAt     map[uint64]time.Duration   // tick -> Step sleeps this long
	panicStepAt uint64
	panicInput  bool
	panicDecode bool
	joinGate    chan struct{} // when not nil, Join waits for it to close
	joined      []game.PlayerID
	left        []game.PlayerID
}

func newProbe(rate int) (probe, *probeHooks) {
	h := &probeHooks{rate: rate, applied: map[game.PlayerID][]uint64{}, sleepAt: map[uint64]time.Duration{}}
	return probe{h}, h
}

var probeSchema = &game.Schema{
	Kinds:   []game.EntityKind{{Name: "dot", Fields: []game.Field{{Name: "pid", Kind: game.KindInt}, {Name: "x", Kind: game.KindInt}}}},
	Globals: []game.Field{{Name: "n", Kind: game.KindInt}},
}

func (probe) Name() string         { return "probe" }
func (probe) Schema() *game.Schema { return probeSchema }
func (m probe) Configure(game.Options) (game.Settings, error) {
	return game.Settings{MinPlayers: 1, MaxPlayers: 16, MaxPlayersLimit: 16, TickRate: m.h.rate, SnapshotRate: m.h.rate, JoinInProgress: true}, nil
}
func (m probe) New(c *game.Context) game.Game {
	return &probeGame{h: m.h, w: c.World, dots: map[game.PlayerID]game.EntityID{}}
}

type probeGame struct {
	game.BaseGame
	h    *probeHooks
	w    *game.World
	dots map[game.PlayerID]game.EntityID
}

type probeInput struct {
	Seq float64 `msgpack:"seq"` // float64: takes every number type seq may come in
	X   int64   `msgpack:"x"`
	Bad bool    `msgpack:"bad"`
}

func (g *probeGame) Join(p game.Player) {
	g.h.mu.Lock()
	gate := g.h.joinGate
	g.h.joined = append(g.h.joined, p.ID)
	g.h.mu.Unlock()
	if gate != nil {
		<-gate
	}
	g.dots[p.ID] = g.w.Spawn(0)
	g.w.SetInt(g.dots[p.ID], 0, int64(p.ID))
}
func (g *probeGame) Leave(id game.PlayerID) {
	g.h.mu.Lock()
	g.h.left = append(g.h.left, id)
	g.h.mu.Unlock()
	g.w.Remove(g.dots[id])
	delete(g.dots, id)
}
func (g *probeGame) DecodeInput(raw []byte) (any, error) {
	g.h.mu.Lock()
	boom := g.h.panicDecode
	g.h.mu.Unlock()
	if boom {
		panic("probe: DecodeInput boom")
	}
	var in probeInput
	if err := msgpack.Unmarshal(raw, &in); err != nil || in.Bad {
		return nil, fmt.Errorf("%w: probe", game.ErrBadInput)
	}
	return in, nil
}
func (g *probeGame) Input(id game.PlayerID, v any) {
	in := v.(probeInput)
	g.h.mu.Lock()
	g.h.applied[id] = append(g.h.applied[id], uint64(in.Seq))
	boom := g.h.panicInput
	g.h.mu.Unlock()
	if boom {
		panic("probe: Input boom")
	}
	if e, ok := g.dots[id]; ok {
		g.w.SetInt(e, 1, in.X)
	}
}
func (g *probeGame) Step() {
	tick := g.w.Tick()
	g.h.mu.Lock()
	g.h.steps = append(g.h.steps, time.Now())
	d := g.h.sleepAt[tick]
	boom := g.h.panicStepAt == tick
	g.h.mu.Unlock()
	if d > 0 {
		time.Sleep(d)
	}
	if boom {
		panic(fmt.Sprintf("probe: Step boom at tick %d", tick))
	}
	g.w.SetGlobalInt(0, int64(tick))
}
func (g *probeGame) View(_ game.PlayerID, v func(game.EntityID)) { g.w.Entities(v) }

func (h *probeHooks) stepTimes() []time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]time.Time(nil), h.steps...)
}

func (h *probeHooks) appliedOf(id game.PlayerID) []uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]uint64(nil), h.applied[id]...)
}

// running is a room whose Run goroutine the test owns.
type running struct {
	*Room
	cancel context.CancelFunc
	err    chan error
}

func startRoom(t testing.TB, mode game.Mode, cfg *Config) *running {
	t.Helper()
	s, err := mode.Configure(game.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRoom("room-"+mode.Name(), mode, s, 7, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rr := &running{Room: r, cancel: cancel, err: make(chan error, 1)}
	go func() { rr.err <- r.Run(ctx) }()
	return rr
}

// stop shuts the room down and returns what Run returned.
func (rr *running) stop() error {
	rr.cancel()
	return <-rr.err
}

func (rr *running) mustJoin(t testing.TB, id game.PlayerID, peer Peer) *Seat {
	t.Helper()
	s, err := rr.Join(context.Background(), game.Player{ID: id, Name: fmt.Sprintf("p%d", id)}, peer)
	if err != nil {
		t.Fatalf("join %d: %v", id, err)
	}
	return s
}

// input encodes an input map the way the socketio layer hands it over.
func input(t testing.TB, fields map[string]any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	enc.SetSortMapKeys(true)
	if err := enc.Encode(fields); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// arenaInput writes {seq, x, y} by hand, for benchmarks.
func arenaInput(dst []byte, seq uint64, x, y float64) []byte {
	dst = append(dst[:0], 0x83, 0xa3, 's', 'e', 'q')
	dst = mpwire.AppendUint(dst, seq)
	dst = mpwire.AppendFloat64(append(dst, 0xa1, 'x'), x)
	return mpwire.AppendFloat64(append(dst, 0xa1, 'y'), y)
}

func quietConfig() *Config {
	c := DefaultConfig()
	c.Logger = slog.New(slog.DiscardHandler)
	return &c
}
