package tag

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/gametest"
)

func TestConfigure(t *testing.T) {
	s, err := Mode{}.Configure(game.Options{})
	if err != nil || s.MinPlayers != 2 || s.MaxPlayers != 8 || s.MaxPlayersLimit != 16 || s.TickRate != 20 ||
		s.SnapshotRate != 10 || !s.JoinInProgress || s.MatchTicks != 1200 || s.Validate() != nil {
		t.Fatalf("defaults: %+v, %v", s, err)
	}
	if s, err := (Mode{}).Configure(game.Options{MaxPlayers: 16, Raw: map[string]any{"roundSeconds": 5.0}}); err != nil || s.MaxPlayers != 16 || s.MatchTicks != 100 {
		t.Fatalf("16 players, 5 s: %+v, %v", s, err)
	}
	for _, o := range []game.Options{
		{MaxPlayers: 1}, {MaxPlayers: 17},
		{Raw: map[string]any{"roundSeconds": 4}},
		{Raw: map[string]any{"roundSeconds": 601}},
		{Raw: map[string]any{"roundSeconds": 10.5}},
		{Raw: map[string]any{"roundSeconds": "10"}},
	} {
		if _, err := (Mode{}).Configure(o); !errors.Is(err, game.ErrBadOptions) {
			t.Errorf("%+v: %v", o, err)
		}
	}
	var reg game.Registry
	if err := reg.Register(Mode{}); err != nil {
		t.Fatal(err)
	}
}

func TestDecodeInput(t *testing.T) {
	for _, c := range []struct {
		in   map[string]any
		want Input
	}{
		{map[string]any{}, Input{}},
		{map[string]any{"seq": 3, "x": 1, "other": "ignored"}, Input{X: 1}},
		{map[string]any{"x": -0.5, "y": 0.25}, Input{X: -0.5, Y: 0.25}},
		{map[string]any{"x": 1, "y": -1}, Input{X: math.Sqrt2 / 2, Y: -math.Sqrt2 / 2}},
	} {
		raw, err := gametest.Encode(c.in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeInput(raw)
		if err != nil || math.Abs(got.X-c.want.X) > 1e-12 || math.Abs(got.Y-c.want.Y) > 1e-12 {
			t.Errorf("%v: %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []any{
		map[string]any{"x": 1.5}, map[string]any{"y": -2}, map[string]any{"x": math.NaN()},
		map[string]any{"x": math.Inf(1)}, map[string]any{"x": "1"}, map[string]any{"y": true},
		[]any{1}, "x", nil,
	} {
		raw, err := gametest.Encode(bad)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := DecodeInput(raw); !errors.Is(err, game.ErrBadInput) {
			t.Errorf("%v: %v", bad, err)
		}
	}
}

// newRound is a started round of n players (ids 1..n) after its first tick.
func newRound(t *testing.T, seed uint64, n int, opts ...gametest.Option) (*gametest.Match, *tagGame) {
	t.Helper()
	m := gametest.New(t, Mode{}, append([]gametest.Option{gametest.Seed(seed)}, opts...)...)
	for id := game.PlayerID(1); id <= game.PlayerID(n); id++ {
		m.Join(game.Player{ID: id, Name: string(rune('a' - 1 + id))})
	}
	m.Start()
	m.Step()
	return m, m.Game().(*tagGame)
}

// place puts player id at (x, y) units, still; the world shows it after the
// next Step.
func place(g *tagGame, id game.PlayerID, x, y int64) {
	p := g.find(id)
	p.x, p.y, p.dx, p.dy = x*fx, y*fx, 0, 0
}

// TestMovement: a step is Speed/TickRate units, "it" runs ItSpeedNum/ItSpeedDen as
// fast, and the walls stop everyone.
func TestMovement(t *testing.T) {
	m, g := newRound(t, 1, 2)
	it := g.it.id
	other := 3 - it
	place(g, it, -400, 0)
	place(g, other, 400, 0)
	m.Input(it, map[string]any{"x": 1})
	m.Input(other, map[string]any{"x": -1, "y": 0})
	m.Step()
	w := m.World()
	if x := w.Float(g.find(it).ent, PlayerX); x != -400+7.5*1.1 {
		t.Fatalf("it moved to %v, want %v", x, -400+7.5*1.1)
	}
	if x := w.Float(g.find(other).ent, PlayerX); x != 400-7.5 {
		t.Fatalf("the other moved to %v, want %v", x, 400-7.5)
	}
	place(g, other, 490, 490)
	m.Input(other, map[string]any{"x": 1, "y": 1})
	m.StepN(10)
	if p := g.find(other); p.x != half-radius || p.y != half-radius {
		t.Fatalf("through the wall: %v %v", float64(p.x)/fx, float64(p.y)/fx)
	}
}

// TestTagAndNoTagBack: touching passes "it"; the tagged player is told (EmitTo),
// the others too (EmitExcept); the new "it" cannot tag back for NoTagBackTicks, and
// can on the tick the timer fires.
func TestTagAndNoTagBack(t *testing.T) {
	m, g := newRound(t, 2, 3)
	first := g.it.id
	runner := first%3 + 1
	third := runner%3 + 1
	place(g, first, 0, 0)
	place(g, runner, 20, 0) // touching: centers 20 apart, radii 16
	place(g, third, -300, -300)
	m.Step() // tick 2
	if g.it.id != runner || m.World().GlobalInt(GlobalIt) != int64(runner) {
		t.Fatalf("it is %d, want %d", g.it.id, runner)
	}
	if e, ok := m.LastEvent(runner, "it"); !ok || e.Fields["by"] != int64(first) || e.Tick != 2 {
		t.Fatalf("runner's it event: %+v", e)
	}
	for _, id := range []game.PlayerID{first, third} {
		if e, ok := m.LastEvent(id, "tag"); !ok || e.Fields["it"] != int64(runner) || e.Fields["by"] != int64(first) {
			t.Fatalf("player %d's tag event: %+v", id, e)
		}
		if _, ok := m.LastEvent(id, "it"); ok && id != first {
			t.Fatalf("player %d was told it is it", id)
		}
	}
	// Tick 2 was a snapshot boundary: every client shows the new "it".
	v := m.View(third)
	if e, _ := v.Find("player", "pid", int64(runner)); !e.Bool("it") || v.GlobalInt("it") != int64(runner) {
		t.Fatal("the third player's client does not show the new it")
	}
	// Still touching: no tag back until the timer set in tick 2 fires in tick 2+20.
	for tick := m.Tick(); tick < 2+NoTagBackTicks-1; tick++ {
		m.Step()
		if g.it.id != runner {
			t.Fatalf("tagged back in tick %d", m.Tick())
		}
	}
	m.Step()
	if m.Tick() != 2+NoTagBackTicks || g.it.id != first {
		t.Fatalf("tick %d: it is %d, want a tag back by %d in tick %d", m.Tick(), g.it.id, runner, 2+NoTagBackTicks)
	}
}

// TestTaunt: the reply, the event to everyone else, the refusals (cooldown, bad
// data, the round over), and the taunt count in the next snapshot.
func TestTaunt(t *testing.T) {
	m, _ := newRound(t, 3, 3, gametest.RoomOptions(game.Options{Raw: map[string]any{"roundSeconds": 5}}))
	m.Drop(3)
	m.Step()
	reply, err := m.Message(1, "taunt", map[string]any{"text": "too slow"})
	if err != nil || reply.(map[string]any)["heard"] != int64(1) {
		t.Fatalf("taunt: %v, %v", reply, err)
	}
	if e, ok := m.LastEvent(2, "taunt"); !ok || e.Fields["from"] != int64(1) || e.Fields["text"] != "too slow" {
		t.Fatalf("player 2 got %+v", e)
	}
	if _, ok := m.LastEvent(1, "taunt"); ok {
		t.Fatal("the sender got its own taunt")
	}
	if _, ok := m.LastEvent(3, "taunt"); ok {
		t.Fatal("a dropped player got the taunt")
	}
	if _, err := m.Message(1, "taunt", map[string]any{"text": "again"}); !errors.Is(err, ErrTauntCooldown) {
		t.Fatalf("second taunt: %v", err)
	}
	for _, bad := range []any{nil, "text", map[string]any{"text": ""}, map[string]any{"text": string(make([]rune, 41))}} {
		if _, err := m.Message(2, "taunt", bad); !errors.Is(err, gametest.ErrRefused) || !errors.Is(err, game.ErrBadInput) {
			t.Errorf("taunt %v: %v", bad, err)
		}
	}
	m.StepN(2) // ticks 3 and 4, a snapshot boundary
	if me, _ := m.View(2).Find("player", "pid", 1); me.Int("taunts") != 1 {
		t.Fatalf("taunts %d in the snapshot", me.Int("taunts"))
	}
	m.StepN(TauntCooldown - 3) // to tick 41, so the next taunt is in tick 42: the first was in tick 3
	if _, err := m.Message(1, "taunt", map[string]any{"text": "now"}); !errors.Is(err, ErrTauntCooldown) {
		t.Fatalf("taunt in tick %d: %v", m.Tick()+1, err)
	}
	m.Step()
	if _, err := m.Message(1, "taunt", map[string]any{"text": "now"}); err != nil {
		t.Fatalf("taunt in tick %d: %v", m.Tick()+1, err)
	}
	m.StepN(200)
	if _, err := m.Message(1, "taunt", map[string]any{"text": "gg"}); !errors.Is(err, ErrRoundOver) {
		t.Fatalf("taunt after the round: %v", err)
	}
}

// TestRoundAndResults: the round lasts roundSeconds from Start; every tick is
// charged to whoever is "it"; the results rank by it time, least first; the final
// snapshot shows phase ended.
func TestRoundAndResults(t *testing.T) {
	m, g := newRound(t, 4, 4, gametest.RoomOptions(game.Options{Raw: map[string]any{"roundSeconds": 5}}))
	rng := game.NewRand(9)
	for m.Phase() != gametest.PhaseEnded {
		for _, id := range m.Seated() {
			m.Input(id, map[string]any{"x": rng.Range(-1, 1), "y": rng.Range(-1, 1)})
		}
		m.Step()
	}
	if _, at := m.Ended(); at != 1+5*TickRate || m.EndMatchCalls() != 1 {
		t.Fatalf("ended at %d after %d EndMatch calls, want tick %d", at, m.EndMatchCalls(), 1+5*TickRate)
	}
	if v := m.View(1); v.GlobalInt("phase") != PhaseEnded || v.Tick() != m.Tick() {
		t.Fatalf("final snapshot: tick %d phase %d", v.Tick(), v.GlobalInt("phase"))
	}
	res := m.Results()
	ranking := res["ranking"].([]any)
	var total, prev int64
	for i, e := range ranking {
		r := e.(map[string]any)
		it := r["itTicks"].(int64)
		if it < prev {
			t.Fatalf("ranking not by it time: %v", ranking)
		}
		prev = it
		total += it
		if i == 0 && res["winner"] != r["playerId"] {
			t.Fatalf("winner %v, first %v", res["winner"], r["playerId"])
		}
		if p := g.find(game.PlayerID(r["playerId"].(int64))); p.itTicks != it || p.name != r["name"] {
			t.Fatalf("entry %v for player %+v", r, p)
		}
	}
	if total != 5*TickRate+1 { // from tick 1, when Start picked "it", to tick 101
		t.Fatalf("%d ticks charged in all, want %d", total, 5*TickRate+1)
	}
	for _, id := range m.Seated() {
		if e, ok := m.LastEvent(id, "results"); !ok || e.Tick != m.Tick() {
			t.Fatalf("player %d: results %+v", id, e)
		}
	}
	m.CheckReplay()
}

// TestLeaving: "it" leaving or dropping passes "it" to another connected player; a
// round down to one player ends at once.
func TestLeaving(t *testing.T) {
	m, g := newRound(t, 5, 3)
	first := g.it.id
	m.Drop(first)
	m.Step()
	second := g.it.id
	if second == first || !g.find(second).connected {
		t.Fatalf("it %d after %d dropped", second, first)
	}
	m.Leave(second)
	m.Step()
	if g.it == nil || g.it.id == second || g.it.id == first {
		t.Fatalf("it after %d left: %+v", second, g.it)
	}
	if ended, _ := m.Ended(); ended {
		t.Fatal("ended with two players")
	}
	m.Leave(g.it.id)
	m.Step()
	if ended, at := m.Ended(); !ended || at != m.Tick() || m.View(first).GlobalInt("phase") != PhaseWaiting {
		// the dropped player's client saw nothing since it dropped
		t.Fatalf("ended %v at %d", ended, at)
	}
	if r := m.Results()["ranking"].([]any); len(r) != 1 || r[0].(map[string]any)["playerId"] != int64(first) {
		t.Fatalf("results %v", r)
	}
	if err := g.CanJoin(game.Player{ID: 9}); !errors.Is(err, game.ErrNotJoinable) {
		t.Fatalf("join after the end: %v", err)
	}
}

// TestSeats: CanJoin's refusals.
func TestSeats(t *testing.T) {
	m := gametest.New(t, Mode{}, gametest.RoomOptions(game.Options{MaxPlayers: 2}))
	m.Join(game.Player{ID: 1}, game.Player{ID: 2})
	g := m.Game().(*tagGame)
	if err := g.CanJoin(game.Player{ID: 3}); !errors.Is(err, game.ErrRoomFull) {
		t.Fatalf("third player: %v", err)
	}
	if err := g.CanJoin(game.Player{ID: 1}); !errors.Is(err, game.ErrNotJoinable) {
		t.Fatalf("seated player: %v", err)
	}
	if !slices.Equal(m.Seated(), []game.PlayerID{1, 2}) {
		t.Fatal(m.Seated())
	}
}
