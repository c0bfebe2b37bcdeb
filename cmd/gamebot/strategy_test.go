package main

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/arena"
)

var rangedInputs = []game.InputField{
	{Name: "turn", Kind: game.KindFloat, Min: -1, Max: 1},
	{Name: "far", Kind: game.KindFloat, Min: 2, Max: 5},
	{Name: "gear", Kind: game.KindInt, Min: -2, Max: 3},
	{Name: "neg", Kind: game.KindInt, Min: -5.5, Max: -2.5},
	{Name: "fire", Kind: game.KindBool},
}

// TestWander: every value stays within its declared range (whole numbers for an int, 0 or 1
// for a bool), changes only once per rate inputs, and covers its range.
func TestWander(t *testing.T) {
	const rate = 20
	in := newInput(rangedInputs)
	v := &botView{rate: rate, rng: rand.New(rand.NewPCG(3, 4))}
	lo, hi := make([]float64, len(rangedInputs)), make([]float64, len(rangedInputs))
	for i := range lo {
		lo[i], hi[i] = math.Inf(1), math.Inf(-1)
	}
	prev := append([]float64(nil), in.vals...)
	for n := 0; n < rate*400; n++ {
		v.n = n
		wander{}.next(v, in)
		for i, f := range rangedInputs {
			x := in.vals[i]
			lo[i], hi[i] = min(lo[i], x), max(hi[i], x)
			switch {
			case f.Kind == game.KindBool && x != 0 && x != 1,
				f.Kind == game.KindInt && x != math.Trunc(x),
				f.Kind != game.KindBool && (x < f.Min || x > f.Max):
				t.Fatalf("input %d: %s = %v", n, f.Name, x)
			}
			if n%rate != 0 && x != prev[i] {
				t.Fatalf("input %d: %s changed from %v to %v between draws", n, f.Name, prev[i], x)
			}
		}
		copy(prev, in.vals)
	}
	want := [][2]float64{{-0.95, 0.95}, {2.1, 4.9}, {-2, 3}, {-5, -3}, {0, 1}}
	for i, f := range rangedInputs {
		if lo[i] > want[i][0] || hi[i] < want[i][1] {
			t.Errorf("%s covered [%v, %v] in 400 draws, want at least [%v, %v]", f.Name, lo[i], hi[i], want[i][0], want[i][1])
		}
	}
}

// TestIdle: numbers rest at the point of their range nearest 0, bools at false.
func TestIdle(t *testing.T) {
	in := newInput(rangedInputs)
	for i := range in.vals {
		in.vals[i] = 99
	}
	in.setBool(4, false)
	idle{}.next(&botView{}, in)
	if want := []float64{0, 2, 0, -3, 0}; !slices.Equal(in.vals, want) {
		t.Errorf("idle values %v, want %v", in.vals, want)
	}
}

// TestArenaSeekNeedsItsSchema: the arena's strategy plays the arena's schema and refuses
// another, naming everything it misses.
func TestArenaSeekNeedsItsSchema(t *testing.T) {
	if _, err := newArenaSeek(arena.Mode{}.Schema()); err != nil {
		t.Fatalf("the arena's own schema: %v", err)
	}
	_, err := newArenaSeek(duelSchema)
	if err == nil {
		t.Fatal("the duel's schema: no error")
	}
	for _, w := range []string{`no kind "player"`, `no kind "orb"`, `no input "x"`, `no input "y"`} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not say %s", err, w)
		}
	}
	s := *arena.Mode{}.Schema()
	s.Inputs = []game.InputField{{Name: "x", Kind: game.KindBool}, {Name: "y", Kind: game.KindFloat}}
	if _, err := newArenaSeek(&s); err == nil || !strings.Contains(err.Error(), `input "x" is a bool`) {
		t.Errorf("x declared a bool: %v", err)
	}
}

// TestStrategyFor: the behaviour strategy (or seek) plays the mode's registered strategy, or
// wander for a mode without one; idle and wander are the mode's whatever it is.
func TestStrategyFor(t *testing.T) {
	for _, tc := range []struct {
		b    Behaviour
		mode string
		want string
	}{
		{BehaviourStrategy, arena.Name, arena.Name},
		{BehaviourSeek, arena.Name, arena.Name},
		{BehaviourStrategy, duelName, "wander"},
		{BehaviourWander, arena.Name, "wander"},
		{BehaviourIdle, arena.Name, "idle"},
	} {
		c := DefaultConfig()
		c.Behaviour, c.Mode = tc.b, tc.mode
		if _, name := c.strategyFor(); name != tc.want {
			t.Errorf("%s in %s: %s, want %s", tc.b, tc.mode, name, tc.want)
		}
	}
}
