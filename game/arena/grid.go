package arena

import "slices"

// The grid's geometry: 16 x 16 cells over the world.
const (
	cellFx   = 128 * fx // a cell's side
	gridSide = (WorldSize*fx + cellFx - 1) / cellFx
	// eatReach is the farthest an orb's center can be from the center of a
	// circle that eats it, at the largest radius.
	eatReach = maxRFx + orbRFx
)

// orbGrid keeps, per cell, a list of the orb slots whose center lies in it,
// so that a circle looks for orbs to eat in the few cells it can reach
// instead of among every orb (checking all 200 for every circle was the
// largest part of a Step).
type orbGrid struct {
	head []int16 // per cell: its first slot, -1 for none
	next []int16 // per slot: the next slot of its cell, -1 for none
	cell []int16 // per slot: its cell, -1 while it has none
}

func newOrbGrid(slots int) orbGrid {
	g := orbGrid{head: make([]int16, gridSide*gridSide), next: make([]int16, slots), cell: make([]int16, slots)}
	for i := range g.head {
		g.head[i] = -1
	}
	for i := range g.cell {
		g.next[i], g.cell[i] = -1, -1
	}
	return g
}

// cellOf returns the grid column (or row) of fixed-point coordinate v.
func cellOf(v int64) int {
	return min(gridSide-1, max(0, int((v+half)/cellFx)))
}

// move files slot under the cell of (x, y), taking it out of its old one.
func (g *orbGrid) move(slot int, x, y int64) {
	if c := g.cell[slot]; c >= 0 {
		p := &g.head[c]
		for int(*p) != slot {
			p = &g.next[*p]
		}
		*p = g.next[slot]
	}
	c := int16(cellOf(y)*gridSide + cellOf(x))
	g.next[slot], g.head[c], g.cell[slot] = g.head[c], int16(slot), c
}

// near appends to dst, in ascending order, the slots of every orb whose
// center may lie within reach of (x, y): those of each cell the square of
// side 2*reach around it touches.
func (g *orbGrid) near(dst []int, x, y, reach int64) []int {
	x0, x1 := cellOf(x-reach), cellOf(x+reach)
	for cy := cellOf(y - reach); cy <= cellOf(y+reach); cy++ {
		for cx := x0; cx <= x1; cx++ {
			for s := g.head[cy*gridSide+cx]; s >= 0; s = g.next[s] {
				dst = append(dst, int(s))
			}
		}
	}
	slices.Sort(dst)
	return dst
}
