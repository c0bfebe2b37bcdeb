package arena

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
	if err != nil || s.MaxPlayers != 10 || s.MaxPlayersLimit != 32 || s.MinPlayers != 1 ||
		s.TickRate != 20 || s.SnapshotRate != 20 || !s.JoinInProgress || s.MatchTicks != 6000 {
		t.Fatalf("defaults: %+v, %v", s, err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if s, err := (Mode{}).Configure(game.Options{MaxPlayers: 32, Raw: map[string]any{"matchSeconds": 60.0, "other": "x"}}); err != nil || s.MaxPlayers != 32 || s.MatchTicks != 1200 {
		t.Fatalf("max 32: %+v %v", s, err)
	}
	for _, o := range []game.Options{
		{MaxPlayers: 33}, {MaxPlayers: -1},
		{Raw: map[string]any{"matchSeconds": "60"}},
		{Raw: map[string]any{"matchSeconds": 1.5}},
		{Raw: map[string]any{"matchSeconds": 0}},
		{Raw: map[string]any{"matchSeconds": int64(3601)}},
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
	ok := []struct {
		in   map[string]any
		want Input
	}{
		{map[string]any{}, Input{}},
		{map[string]any{"seq": 5, "x": 0.5, "extra": []any{1, "a", map[string]any{}}}, Input{X: 0.5}},
		{map[string]any{"x": 3, "y": -4}, Input{X: 0.6, Y: -0.8}},
		{map[string]any{"x": uint64(math.MaxUint64)}, Input{X: 1}},
		{map[string]any{"x": -1e308, "y": 1e308}, Input{X: -math.Sqrt2 / 2, Y: math.Sqrt2 / 2}},
		{map[string]any{"x": float32(0.25), "y": nil, "boost": true}, Input{X: 0.25, Boost: true}},
		{map[string]any{"x": int8(-1), "boost": nil}, Input{X: -1}},
	}
	for _, c := range ok {
		got, err := DecodeInput(encode(t, c.in))
		if err != nil || math.Abs(got.X-c.want.X) > 1e-12 || math.Abs(got.Y-c.want.Y) > 1e-12 || got.Boost != c.want.Boost {
			t.Errorf("%v: got %+v, %v; want %+v", c.in, got, err, c.want)
		}
		if l := math.Hypot(got.X, got.Y); l > 1+1e-12 {
			t.Errorf("%v: length %v", c.in, l)
		}
	}
	bad := []any{
		map[string]any{"x": math.NaN()},
		map[string]any{"y": math.Inf(1)},
		map[string]any{"x": math.Inf(-1)},
		map[string]any{"x": float32(math.Inf(1))},
		map[string]any{"x": "1"},
		map[string]any{"x": true},
		map[string]any{"y": []any{1}},
		map[string]any{"boost": 1},
		map[string]any{"boost": "yes"},
		map[int]any{1: 2},
		[]any{1, 2},
		42,
		"x",
		nil,
	}
	for _, v := range bad {
		if _, err := DecodeInput(encode(t, v)); !errors.Is(err, game.ErrBadInput) {
			t.Errorf("%v: err %v", v, err)
		}
	}
	for _, raw := range [][]byte{{}, {0x82, 0xa1, 'x'}, {0x81, 0xa1, 'x', 0xcb, 0}} {
		if _, err := DecodeInput(raw); !errors.Is(err, game.ErrBadInput) {
			t.Errorf("% x: err %v", raw, err)
		}
	}
}

func TestBoostAndCooldown(t *testing.T) {
	m, g := newMatch(t, 1, game.Options{})
	m.Join(game.Player{ID: 1, Name: "a"})
	m.Step()
	p := g.find(1)
	var boosted []bool
	for i := 0; i < 100; i++ {
		// Oscillate so that no wall gets in the way; ask for a boost every tick.
		m.Input(1, map[string]any{"x": float64(1 - 2*(i%2)), "boost": true})
		x0 := p.x
		m.Step()
		d := p.x - x0
		if d < 0 {
			d = -d
		}
		switch d {
		case 10 * fx:
			boosted = append(boosted, false)
		case 15 * fx:
			boosted = append(boosted, true)
		default:
			t.Fatalf("tick %d moved %v units", i, float64(d)/fx)
		}
		if m.World().Bool(p.ent, PlayerBoost) != boosted[i] {
			t.Fatalf("tick %d: boost field %v", i, !boosted[i])
		}
	}
	// 20 ticks (1 s) of boost, 60 ticks (3 s) of cooldown, then boost again.
	for i, b := range boosted {
		want := i < 20 || i >= 80
		if b != want {
			t.Fatalf("tick %d boosted %v, want %v (pattern %v)", i, b, want, boosted)
		}
	}
}

func TestOrbEatingAndRespawn(t *testing.T) {
	m, g := newMatch(t, 2, game.Options{})
	w := m.World()
	m.Join(game.Player{ID: 1, Name: "a"})
	m.Step()
	p := g.find(1)
	put := func() game.EntityID { // the first orb right under the player
		o := &g.orbs[0]
		o.x, o.y = p.x+fx, p.y
		g.grid.move(0, o.x, o.y)
		return o.ent
	}
	// Waiting: nothing is eaten.
	put()
	m.Step()
	if p.score != 0 {
		t.Fatal("orb eaten before the match started")
	}
	m.Start()
	old := put()
	v := g.orbs[0].v
	m.Step()
	if p.score != v || w.Int(p.ent, PlayerScore) != v {
		t.Fatalf("score %d, field %d, want %d", p.score, w.Int(p.ent, PlayerScore), v)
	}
	if w.Exists(old) || g.orbs[0].ent == old || !w.Exists(g.orbs[0].ent) {
		t.Fatal("eaten orb not replaced by a new entity")
	}
	wantR := PlayerRadius + 2*math.Sqrt(float64(v))
	if r := w.Float(p.ent, PlayerR); math.Abs(r-wantR) > 1.0/fx {
		t.Fatalf("radius %v, want %v", r, wantR)
	}
	orbs := 0
	w.Entities(func(id game.EntityID) {
		if w.Kind(id) == KindOrb {
			orbs++
		}
	})
	if orbs != OrbCount {
		t.Fatalf("%d orbs", orbs)
	}
	// Radius is capped.
	p.score = 1 << 20
	put()
	m.Step()
	if p.r != MaxPlayerRadius*fx {
		t.Fatalf("radius %v not capped", float64(p.r)/fx)
	}
}

func TestViewRadius(t *testing.T) {
	m, g := newMatch(t, 3, game.Options{})
	for id := game.PlayerID(1); id <= 4; id++ {
		m.Join(game.Player{ID: id})
	}
	m.Step()
	me := g.find(1)
	me.x, me.y = -900*fx, -900*fx
	g.find(2).x, g.find(2).y = -900*fx+799*fx, -900*fx // just inside
	g.find(3).x, g.find(3).y = 900*fx, 900*fx          // far
	g.find(4).x, g.find(4).y = -900*fx, -900*fx+801*fx // just outside
	seen := map[game.EntityID]bool{}
	for _, id := range view(m, g, 1) {
		seen[id] = true
	}
	if !seen[me.ent] || !seen[g.find(2).ent] || seen[g.find(3).ent] || seen[g.find(4).ent] {
		t.Fatalf("players seen: me %v, near %v, far %v, edge %v", seen[me.ent], seen[g.find(2).ent], seen[g.find(3).ent], seen[g.find(4).ent])
	}
	far := 0
	for _, o := range g.orbs {
		d := math.Hypot(float64(o.x-me.x)/fx, float64(o.y-me.y)/fx)
		if (d <= ViewRadius) != seen[o.ent] {
			t.Fatalf("orb at distance %v: seen %v", d, seen[o.ent])
		}
		if !seen[o.ent] {
			far++
		}
	}
	if far == 0 {
		t.Fatal("no far orb to test with")
	}
	// Far entities never reach the player's mirror: the next tick (standing still,
	// nothing moves) publishes the positions and sends the snapshot.
	m.Step()
	mirror := m.View(1).Mirror()
	if mirror.Has(g.find(3).ent) || mirror.Len() != len(seen) {
		t.Fatal("mirror holds entities outside the view")
	}
	if view(m, g, 99) != nil {
		t.Fatal("an unseated player sees something")
	}
}

func TestResultsRanking(t *testing.T) {
	m, g := newMatch(t, 4, game.Options{})
	for _, id := range []game.PlayerID{3, 1, 2} {
		m.Join(game.Player{ID: id, Name: string(rune('a' + id))})
	}
	m.Step()
	g.find(3).score, g.find(1).score, g.find(2).score = 5, 9, 5
	r := g.Results()["ranking"].([]any)
	want := []struct {
		id    uint32
		score int64
	}{{1, 9}, {2, 5}, {3, 5}}
	for i, w := range want {
		e := r[i].(map[string]any)
		if e["playerId"] != w.id || e["score"] != w.score || e["name"] != string(rune('a'+w.id)) {
			t.Fatalf("ranking[%d] = %v, want %v", i, e, w)
		}
	}
}

func TestMatchEndsAndSeats(t *testing.T) {
	m, g := newMatch(t, 5, game.Options{MaxPlayers: 2, Raw: map[string]any{"matchSeconds": 1}})
	for _, id := range []game.PlayerID{1, 2} {
		if err := g.CanJoin(game.Player{ID: id}); err != nil {
			t.Fatal(err)
		}
		m.Join(game.Player{ID: id})
	}
	if err := g.CanJoin(game.Player{ID: 3}); !errors.Is(err, game.ErrRoomFull) {
		t.Fatalf("third player: %v", err)
	}
	if err := g.CanJoin(game.Player{ID: 1}); !errors.Is(err, game.ErrNotJoinable) {
		t.Fatalf("seated player: %v", err)
	}
	m.Start()
	m.Step()
	// The game itself asks for the end, once, in tick 21 (the runtime would end it
	// then too, by MatchTicks): no tick runs after it.
	for m.Phase() != gametest.PhaseEnded && m.Tick() < 31 {
		m.Input(1, map[string]any{"x": 1})
		m.Step()
		if m.Tick() < 21 && m.EndMatchCalls() != 0 {
			t.Fatalf("tick %d: ended %d times", m.Tick(), m.EndMatchCalls())
		}
	}
	if _, at := m.Ended(); at != 21 || m.EndMatchCalls() != 1 {
		t.Fatalf("ended in tick %d after %d EndMatch calls, want tick 21 and 1", at, m.EndMatchCalls())
	}
	w := m.World()
	if w.GlobalInt(GlobalPhase) != PhaseEnded || w.GlobalInt(GlobalEndTick) != 21 {
		t.Fatalf("phase %d endTick %d", w.GlobalInt(GlobalPhase), w.GlobalInt(GlobalEndTick))
	}
	if v := m.View(2); v.GlobalInt("phase") != PhaseEnded {
		t.Fatal("the final snapshot does not show the end")
	}
	if err := g.CanJoin(game.Player{ID: 9}); !errors.Is(err, game.ErrNotJoinable) {
		t.Fatalf("join after the end: %v", err)
	}
	// Leave frees the seat and removes the circle; Drop stops it (player 2 moves in
	// tick 1, is dropped in tick 2, and its input of tick 2 is ignored).
	m2, g2 := newMatch(t, 6, game.Options{})
	m2.Join(game.Player{ID: 1}, game.Player{ID: 2})
	m2.Input(2, map[string]any{"x": 1})
	m2.Step()
	ent := g2.find(1).ent
	m2.Leave(1)
	m2.Input(2, map[string]any{"x": 1})
	m2.Drop(2)
	x := g2.find(2).x
	m2.Step()
	if m2.World().Exists(ent) || g2.find(1) != nil || g2.find(2).x != x {
		t.Fatal("Leave or Drop did not take effect")
	}
	m2.Return(2)
	m2.Input(2, map[string]any{"x": 1})
	m2.Step()
	if g2.find(2).x == x {
		t.Fatal("a returned player cannot steer")
	}
}

// TestViewInIDOrder: through joins, leaves and hundreds of eaten and respawned orbs, View
// visits exactly the entities within the view radius, each once, in ascending id order (so
// the room's NormalizeView has nothing to sort), and AppendView appends the same.
func TestViewInIDOrder(t *testing.T) {
	m, g := newMatch(t, 11, game.Options{}, gametest.HashEvery(10))
	w := m.World()
	rng := game.NewRand(5)
	next := game.PlayerID(1)
	seated := []game.PlayerID{}
	for ; next <= 6; next++ {
		m.Join(game.Player{ID: next})
		seated = append(seated, next)
	}
	m.Start()
	m.Step()
	eaten := 0
	for tick := 0; tick < 2400; tick++ {
		if tick%300 == 150 { // one leaves, a new one joins
			m.Leave(seated[0])
			seated = append(seated[1:], next)
			m.Join(game.Player{ID: next})
			next++
		}
		for _, id := range seated {
			m.Input(id, randomSteer(rng, tick+1))
		}
		before := make([]game.EntityID, len(g.orbs))
		for i, o := range g.orbs {
			before[i] = o.ent
		}
		m.Step()
		for i, o := range g.orbs {
			if o.ent != before[i] {
				eaten++
			}
		}
		if tick%10 != 0 {
			continue
		}
		for _, id := range seated {
			me := g.find(id)
			var got []game.EntityID
			g.View(id, func(e game.EntityID) { got = append(got, e) })
			want := []game.EntityID{}
			w.Entities(func(e game.EntityID) {
				var x, y int64
				if w.Kind(e) == KindOrb {
					x, y = int64(w.Float(e, OrbX)*fx), int64(w.Float(e, OrbY)*fx)
				} else {
					x, y = int64(w.Float(e, PlayerX)*fx), int64(w.Float(e, PlayerY)*fx)
				}
				if e == me.ent || within(me, x, y) {
					want = append(want, e)
				}
			})
			if !slices.Equal(got, want) {
				t.Fatalf("tick %d, player %d: View visited\n%v\nwant (ascending, within radius)\n%v", tick, id, got, want)
			}
			// AppendView, which the room uses, appends the same after what dst holds.
			prefix := []game.EntityID{7, 3}
			if app := g.AppendView(slices.Clone(prefix), id); !slices.Equal(app, append(prefix, want...)) {
				t.Fatalf("tick %d, player %d: AppendView gave\n%v\nwant\n%v", tick, id, app, append(prefix, want...))
			}
		}
	}
	if got := g.AppendView([]game.EntityID{1}, next+100); !slices.Equal(got, []game.EntityID{1}) {
		t.Fatalf("a player not seated sees %v", got)
	}
	if eaten < 30 {
		t.Fatalf("only %d orbs eaten: the respawn order was not exercised", eaten)
	}
	t.Logf("%d orbs eaten and respawned", eaten)
}
