package gametest

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/tickroom/tickroom/game"
)

// TB is the part of testing.TB the kit uses: *testing.T and *testing.B
// satisfy it. The kit calls Fatalf when the runtime would have failed, or
// when a client could not follow what the game sent.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// Phase is the match's phase, as the runtime keeps it (rooms.Phase).
type Phase uint8

// The phases, in the only order a match goes through them.
const (
	PhaseWaiting Phase = iota
	PhasePlaying
	PhaseEnded
)

var phaseNames = [...]string{"waiting", "playing", "ended"}

// String returns the phase's name in RoomInfo.phase.
func (p Phase) String() string {
	if int(p) < len(phaseNames) {
		return phaseNames[p]
	}
	return fmt.Sprintf("Phase(%d)", uint8(p))
}

// Option changes how New sets a match up.
type Option func(*setup)

type setup struct {
	seed      uint64
	opts      game.Options
	hashEvery int
}

// Seed sets the room's RNG seed (default 1).
func Seed(seed uint64) Option { return func(s *setup) { s.seed = seed } }

// RoomOptions sets the room:create options Mode.Configure gets (default
// none).
func RoomOptions(o game.Options) Option { return func(s *setup) { s.opts = o } }

// HashEvery compares each player's mirror with the World on every n-th
// snapshot only (default 1: on every one), for long matches with large
// views; every snapshot is still applied, so a section that does not apply
// fails at once, and a mirror gone stale stays stale until the next check.
func HashEvery(n int) Option { return func(s *setup) { s.hashEvery = max(n, 1) } }

// Match drives one Game the way the room runtime does, without a clock:
// each call is one thing reaching the game, and Step runs one tick. The
// lifecycle calls (Join, Leave, Drop, Return, Start) and Message act at
// once, in the tick being built; inputs wait for Step. A Match belongs to
// one goroutine.
type Match struct {
	tb        TB
	mode      game.Mode
	seed      uint64
	settings  game.Settings
	every     uint64 // ticks per snapshot
	hashEvery int
	ctx       *game.Context
	world     *game.World
	game      game.Game
	appender  game.ViewAppender // game's, when it has one

	tick      uint64 // ticks run
	phase     Phase
	startTick uint64 // the tick Start ran in
	endReq    bool   // Context.EndMatch was called and the match has not ended yet
	endCalls  int
	endedAt   uint64
	results   map[string]any
	closed    string // Close's reason
	lifecycle uint64 // the last tick a lifecycle call reached the game in

	seats     []*seat                 // seated, ascending by id
	players   map[game.PlayerID]*seat // everyone ever seated, for View and Events after a Leave
	events    []Event                 // every room:event the game sent
	hashes    []uint32                // World.Hash after each tick
	log       Log
	snapshots uint64 // snapshot boundaries so far
	section   []byte // the snapshot section being applied, reused
}

// seat is one player as the runtime keeps it: its connection, its input
// queue and what its client holds.
type seat struct {
	p           game.Player
	connected   bool
	queue       []queued // inputs for the next Step, in arrival order
	lastFed     uint64   // highest seq fed
	lastApplied uint64   // highest seq applied: the snapshot's a
	mirror      *game.Mirror
	base        uint64          // tick of the last snapshot applied; 0: the next is a full state
	baseView    []game.EntityID // the view of that snapshot
	spare       []game.EntityID // the buffer of the next view
	snapTick    uint64          // tick of the last snapshot applied, kept across full states
	snapshots   int
	inbox       []Event
}

type queued struct {
	seq uint64
	in  any
}

// New makes a match of mode: Configure with the room options, a World, the
// Context, and Mode.New, as the runtime's room does before its first tick.
func New(tb TB, mode game.Mode, opts ...Option) *Match {
	tb.Helper()
	s := setup{seed: 1, hashEvery: 1}
	for _, o := range opts {
		o(&s)
	}
	settings, err := mode.Configure(s.opts)
	if err != nil {
		tb.Fatalf("gametest: %s.Configure(%+v): %v", mode.Name(), s.opts, err)
	}
	if err := settings.Validate(); err != nil {
		tb.Fatalf("gametest: %s.Configure: %v", mode.Name(), err)
	}
	if err := mode.Schema().Validate(); err != nil {
		tb.Fatalf("gametest: %s.Schema: %v", mode.Name(), err)
	}
	m := &Match{
		tb: tb, mode: mode, seed: s.seed, settings: settings, every: uint64(settings.SnapshotEvery()), hashEvery: s.hashEvery,
		world: game.NewWorld(mode.Schema()), players: map[game.PlayerID]*seat{},
		log: Log{Options: s.opts},
	}
	m.ctx = &game.Context{
		World:    m.world,
		Rand:     game.NewRand(s.seed),
		Settings: settings,
		Emit:     func(typ string, fields map[string]any) { m.emit(typ, fields, m.connected(nil)) },
		EmitTo: func(to game.PlayerID, typ string, fields map[string]any) {
			m.emit(typ, fields, m.connected([]game.PlayerID{to}))
		},
		EmitExcept: func(except []game.PlayerID, typ string, fields map[string]any) {
			m.emit(typ, fields, m.connectedExcept(except))
		},
		EndMatch: func() { m.endReq = true; m.endCalls++ },
	}
	m.game = mode.New(m.ctx)
	m.appender, _ = m.game.(game.ViewAppender)
	return m
}

// Game returns the game, for a test of the mode's own package to reach its
// state.
func (m *Match) Game() game.Game { return m.game }

// World returns the game's world.
func (m *Match) World() *game.World { return m.world }

// Context returns the game's context.
func (m *Match) Context() *game.Context { return m.ctx }

// Settings returns the settings Mode.Configure returned.
func (m *Match) Settings() game.Settings { return m.settings }

// Seed returns the room's RNG seed.
func (m *Match) Seed() uint64 { return m.seed }

// Tick returns the number of ticks run: the tick the last Step ran.
func (m *Match) Tick() uint64 { return m.tick }

// Phase returns the match's phase.
func (m *Match) Phase() Phase { return m.phase }

// Seated returns the seated players' ids (the dropped ones too: they keep
// their seats), ascending.
func (m *Match) Seated() []game.PlayerID {
	ids := make([]game.PlayerID, len(m.seats))
	for i, s := range m.seats {
		ids[i] = s.p.ID
	}
	return ids
}

// fatalf fails the test with the kit's prefix.
func (m *Match) fatalf(format string, args ...any) {
	m.tb.Helper()
	m.tb.Fatalf("gametest: "+format, args...)
}

// live fails the test once Close has run: the room is gone.
func (m *Match) live(what string) {
	m.tb.Helper()
	if m.closed != "" {
		m.fatalf("%s after Close(%q): the room is gone", what, m.closed)
	}
}

// begin makes the tick being built the World's current one, as the runtime
// does before the first thing of a tick reaches the game.
func (m *Match) begin() {
	if m.world.Tick() == m.tick {
		m.world.BeginTick(m.tick + 1)
	}
}

// seatIndex returns where id's seat is, or would be, in m.seats.
func (m *Match) seatIndex(id game.PlayerID) (int, bool) {
	return slices.BinarySearchFunc(m.seats, id, func(s *seat, id game.PlayerID) int { return cmp.Compare(s.p.ID, id) })
}

func (m *Match) seatOf(id game.PlayerID) *seat {
	if i, ok := m.seatIndex(id); ok {
		return m.seats[i]
	}
	return nil
}

// Step runs one tick as the runtime does: the queued inputs of each player
// (players ascending, each one's in seq order, stale and repeated seqs
// dropped), the due timers, Game.Step; then the end of the match if the game
// asked for it or Settings.MatchTicks have passed since Start, else a
// snapshot at each snapshot boundary (every TickRate/SnapshotRate ticks).
// The lifecycle calls and messages made since the last Step belong to this
// tick. It fails the test after the match ended: the runtime runs no more
// ticks.
func (m *Match) Step() {
	m.tb.Helper()
	m.live("Step")
	if m.phase == PhaseEnded {
		m.fatalf("Step after the match ended in tick %d: the runtime runs no more ticks", m.endedAt)
	}
	m.begin()
	m.tick++
	m.log.Ticks = m.tick
	for _, s := range m.seats {
		m.applyInputs(s)
	}
	m.ctx.Timers.Fire(m.tick)
	m.game.Step()
	if m.phase == PhasePlaying && m.settings.MatchTicks > 0 && m.tick >= m.startTick+m.settings.MatchTicks {
		m.endReq = true
	}
	switch {
	case m.endReq:
		m.endMatch()
	case m.tick%m.every == 0:
		m.snapshot()
	}
	m.hashes = append(m.hashes, m.world.Hash())
}

// StepN runs n ticks, stopping early when the match ends.
func (m *Match) StepN(n int) {
	m.tb.Helper()
	for range n {
		if m.phase == PhaseEnded {
			return
		}
		m.Step()
	}
}

func (m *Match) applyInputs(s *seat) {
	slices.SortStableFunc(s.queue, func(a, b queued) int { return cmp.Compare(a.seq, b.seq) })
	for _, q := range s.queue {
		if q.seq > s.lastApplied {
			m.game.Input(s.p.ID, q.in)
			s.lastApplied = q.seq
		}
	}
	clear(s.queue)
	s.queue = s.queue[:0]
}

// endMatch is the runtime's end of a match: the final snapshot, then
// room:event {type: "results"}, then phase ended and MatchEnded. Ended after
// a message handler asked for it, the match ends after the last tick run,
// whose snapshot then also carries the handler's changes.
func (m *Match) endMatch() {
	m.endReq = false
	m.snapshot()
	results := m.game.Results()
	m.emit("results", results, m.connected(nil))
	m.results = m.roundTrip(results, "results").(map[string]any)
	m.phase, m.endedAt = PhaseEnded, m.tick
	if e, ok := m.game.(game.MatchEnder); ok {
		e.MatchEnded(results)
	}
}

// Ended reports whether the match has ended, and the tick it ended in.
func (m *Match) Ended() (bool, uint64) { return m.phase == PhaseEnded, m.endedAt }

// Results returns the fields of room:event {type: "results"} as a client
// decodes them, nil before the match ended.
func (m *Match) Results() map[string]any { return m.results }

// EndMatchCalls returns how many times the game called Context.EndMatch.
func (m *Match) EndMatchCalls() int { return m.endCalls }

// Hashes returns World.Hash after each tick, from tick 1: what CheckReplay
// compares.
func (m *Match) Hashes() []uint32 { return slices.Clone(m.hashes) }

// Close closes the room as the runtime does when it lets go of a match
// (reason is room:closed's: "ended", "shutdown", "error"): the timers are
// dropped and Disposer.Dispose is called. Nothing may follow.
func (m *Match) Close(reason string) {
	m.tb.Helper()
	m.live("Close")
	m.closed = reason
	m.phase = PhaseEnded
	m.ctx.Timers.Clear()
	if d, ok := m.game.(game.Disposer); ok {
		d.Dispose(reason)
	}
}
