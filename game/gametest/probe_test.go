package gametest_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/gametest"
)

// probe is a test mode that notes every call it gets, with the World's tick,
// and does a little of everything the mode API allows: each player is a dot
// at x, seeing the dots within 10 of itself; inputs {x}; messages; timers;
// events to all, one and all but one; results; the lifecycle hooks.
type probe struct {
	settings game.Settings
	cheat    bool // DecodeInput writes the World: the bug a mirror check must catch
}

var probeSchema = &game.Schema{
	Kinds:   []game.EntityKind{{Name: "dot", Fields: []game.Field{{Name: "pid", Kind: game.KindInt}, {Name: "x", Kind: game.KindInt}}}},
	Globals: []game.Field{{Name: "n", Kind: game.KindInt}, {Name: "note", Kind: game.KindString}},
	Inputs:  []game.InputField{{Name: "x", Kind: game.KindInt, Min: -100, Max: 100}},
}

func newProbe() probe {
	return probe{settings: game.Settings{MinPlayers: 2, MaxPlayers: 3, MaxPlayersLimit: 3, TickRate: 10, SnapshotRate: 5, JoinInProgress: true}}
}

func (probe) Name() string         { return "probe" }
func (probe) Schema() *game.Schema { return probeSchema }
func (p probe) Configure(o game.Options) (game.Settings, error) {
	s := p.settings
	if n, ok := game.WholeNumber(o.Raw["matchTicks"]); ok {
		s.MatchTicks = uint64(n)
	}
	return s, nil
}

func (p probe) New(c *game.Context) game.Game {
	g := &probeGame{c: c, cheat: p.cheat, dots: map[game.PlayerID]game.EntityID{}}
	c.Timers.After(2, func() { g.note("after2") })
	c.Timers.Every(5, func() { g.note("every5") })
	c.Messages.Handle("set", func(m game.Message) (any, error) {
		var x int64
		if err := m.Decode(&x); err != nil {
			return nil, err
		}
		g.note("set %d %d", m.From, x)
		c.World.SetInt(g.dots[m.From], 1, x)
		return map[string]any{"was": x}, nil
	})
	c.Messages.Handle("no", func(game.Message) (any, error) { return nil, errProbeNo })
	c.Messages.Handle("end", func(game.Message) (any, error) { c.EndMatch(); return nil, nil })
	c.Messages.Handle("shout", func(m game.Message) (any, error) {
		c.EmitExcept([]game.PlayerID{m.From}, "shout", map[string]any{"from": int64(m.From)})
		c.EmitTo(m.From, "echo", nil)
		return nil, nil
	})
	return g
}

var errProbeNo = errors.New("probe: no")

type probeGame struct {
	c     *game.Context
	cheat bool
	dots  map[game.PlayerID]game.EntityID
	calls []string
	steps int64
}

func (g *probeGame) note(format string, args ...any) {
	g.calls = append(g.calls, fmt.Sprintf(format, args...)+fmt.Sprintf("@%d", g.c.World.Tick()))
}

func (g *probeGame) CanJoin(p game.Player) error {
	if p.Meta["banned"] == true {
		return errors.New("probe: banned")
	}
	return nil
}

func (g *probeGame) Join(p game.Player) {
	g.note("join %d", p.ID)
	g.dots[p.ID] = g.c.World.Spawn(0)
	g.c.World.SetInt(g.dots[p.ID], 0, int64(p.ID))
	g.c.Emit("joined", map[string]any{"id": int64(p.ID)})
}

func (g *probeGame) Leave(id game.PlayerID) {
	g.note("leave %d", id)
	g.c.World.Remove(g.dots[id])
	delete(g.dots, id)
}

func (g *probeGame) Drop(id game.PlayerID)   { g.note("drop %d", id) }
func (g *probeGame) Return(id game.PlayerID) { g.note("return %d", id) }
func (g *probeGame) Start()                  { g.note("start") }

type probeInput struct{ seq, x int64 }

func (g *probeGame) DecodeInput(raw []byte) (any, error) {
	var in probeInput
	m, err := game.NewInputMap(raw)
	for err == nil && m.Next() {
		var f float64
		switch string(m.Key()) {
		case "seq":
			f, err = m.Number()
			in.seq = int64(f)
		case "x":
			f, err = m.Number()
			in.x = int64(f)
			if err == nil && (f < -100 || f > 100) {
				err = fmt.Errorf("%w: x %v out of range", game.ErrBadInput, f)
			}
		}
	}
	if err == nil {
		err = m.Err()
	}
	if err != nil {
		return nil, err
	}
	if g.cheat {
		g.c.World.SetGlobalString(1, "cheat "+fmt.Sprint(in.seq))
	}
	return in, nil
}

func (g *probeGame) Input(id game.PlayerID, v any) {
	in := v.(probeInput)
	g.note("input %d seq %d", id, in.seq)
	g.c.World.SetInt(g.dots[id], 1, in.x)
}

func (g *probeGame) Step() {
	g.steps++
	g.note("step")
	g.c.World.SetGlobalInt(0, g.steps)
}

func (g *probeGame) View(id game.PlayerID, visit func(game.EntityID)) {
	me, ok := g.dots[id]
	if !ok {
		return
	}
	x := g.c.World.Int(me, 1)
	for _, e := range g.dots {
		if d := g.c.World.Int(e, 1) - x; d >= -10 && d <= 10 {
			visit(e)
		}
	}
}

func (g *probeGame) Results() map[string]any { return map[string]any{"steps": g.steps} }
func (g *probeGame) MatchEnded(map[string]any) {
	g.note("ended")
}
func (g *probeGame) Dispose(reason string) { g.note("dispose %s", reason) }

// calls returns the probe's notes since the last call.
func calls(m *gametest.Match) string {
	g := m.Game().(*probeGame)
	s := strings.Join(g.calls, ", ")
	g.calls = nil
	return s
}

// fakeTB records the kit's failure and stops the function that failed, as
// t.Fatalf does, so a test can check the kit fails when it must.
type fakeTB struct{ failed string }

type fatal struct{}

func (*fakeTB) Helper() {}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed = fmt.Sprintf(format, args...)
	panic(fatal{})
}

// fails runs fn with a fakeTB and returns the failure it reported ("" if
// none).
func fails(fn func(tb gametest.TB)) (msg string) {
	tb := &fakeTB{}
	defer func() {
		if v := recover(); v != nil {
			if _, ok := v.(fatal); !ok {
				panic(v)
			}
			msg = tb.failed
		}
	}()
	fn(tb)
	return ""
}
