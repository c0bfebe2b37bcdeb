package arena

import (
	"slices"
	"testing"

	"github.com/tickroom/tickroom/game"
)

// TestOrbGridNear: after orbs move about, near returns, in ascending order,
// every slot within reach of a point (what a scan of every slot finds),
// each once, wherever the point is, edges and corners included.
func TestOrbGridNear(t *testing.T) {
	rng := game.NewRand(17)
	const slots = 300
	g := newOrbGrid(slots)
	xs, ys := make([]int64, slots), make([]int64, slots)
	pos := func() int64 { return int64(rng.Uint64N(2*half+1)) - half }
	for i := range slots {
		xs[i], ys[i] = pos(), pos()
		g.move(i, xs[i], ys[i])
	}
	var got []int
	for round := range 2000 {
		i := int(rng.Uint64N(slots)) // one orb moves each round, as an eaten orb respawns
		xs[i], ys[i] = pos(), pos()
		g.move(i, xs[i], ys[i])
		x, y := pos(), pos()
		if round%10 == 0 { // a corner
			x, y = half, -half
		}
		reach := int64(rng.Uint64N(eatReach + 1))
		got = g.near(got[:0], x, y, reach)
		var want []int
		for s := range slots {
			if dx, dy := xs[s]-x, ys[s]-y; dx*dx+dy*dy <= reach*reach {
				want = append(want, s)
			}
		}
		if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
			t.Fatalf("round %d: near %v not ascending and unique", round, got)
		}
		for _, s := range want {
			if _, ok := slices.BinarySearch(got, s); !ok {
				t.Fatalf("round %d: slot %d at distance² %d of reach² %d missing", round, s, (xs[s]-x)*(xs[s]-x)+(ys[s]-y)*(ys[s]-y), reach*reach)
			}
		}
	}
}
