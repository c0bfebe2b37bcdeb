package game

import (
	"fmt"
	"math"
	"slices"
)

// testSchema has a field of every kind and coding, a kind without fields,
// and globals of every kind.
var testSchema = &Schema{
	Kinds: []EntityKind{
		{Name: "a", Fields: []Field{
			{Name: "i", Kind: KindInt},
			{Name: "q", Kind: KindFloat, Quantum: 0.25},
			{Name: "f", Kind: KindFloat},
			{Name: "b", Kind: KindBool},
			{Name: "s", Kind: KindString},
		}},
		{Name: "pos", Fields: []Field{
			{Name: "x", Kind: KindFloat, Quantum: 1.0 / 8},
			{Name: "y", Kind: KindFloat, Quantum: 1.0 / 8},
		}},
		{Name: "empty"},
	},
	Globals: []Field{
		{Name: "gi", Kind: KindInt},
		{Name: "gq", Kind: KindFloat, Quantum: 0.5},
		{Name: "gb", Kind: KindBool},
		{Name: "gs", Kind: KindString},
		{Name: "gf", Kind: KindFloat},
	},
}

// Field indexes of testSchema.
const (
	fI, fQ, fF, fB, fS = 0, 1, 2, 3, 4
	fX, fY             = 0, 1
	gI, gQ, gB, gS, gF = 0, 1, 2, 3, 4
)

// diffMirror compares the mirror with the world as seen through view, wire
// value by wire value, and returns "" when they agree.
func diffMirror(w *World, view []EntityID, m *Mirror) string {
	if got := m.IDs(); !slices.Equal(got, view) {
		return fmt.Sprintf("entities: mirror %v, view %v", got, view)
	}
	for i, id := range view {
		e, me := w.get(id), m.ents[i]
		if e.kind != me.kind {
			return fmt.Sprintf("entity %d: kind %d, mirror %d", id, e.kind, me.kind)
		}
		for f := range e.vals {
			if e.vals[f].n != me.vals[f].n || e.vals[f].s != me.vals[f].s {
				return fmt.Sprintf("entity %d field %d: world %#x %q, mirror %#x %q", id, f, e.vals[f].n, e.vals[f].s, me.vals[f].n, me.vals[f].s)
			}
		}
	}
	for g := range w.globals {
		if w.globals[g].n != m.globals[g].n || w.globals[g].s != m.globals[g].s {
			return fmt.Sprintf("global %d: world %#x %q, mirror %#x %q", g, w.globals[g].n, w.globals[g].s, m.globals[g].n, m.globals[g].s)
		}
	}
	if wh, mh := w.ViewHash(view), m.Hash(); wh != mh {
		return fmt.Sprintf("hash: world %#08x, mirror %#08x", wh, mh)
	}
	return ""
}

// interesting float values for the property test: repeats, sub-quantum
// steps, signed zeros, huge values, infinities and NaN.
var testFloats = []float64{0, math.Copysign(0, -1), 0.1, 0.12, 0.125, 0.13, 1, -1, 2.5, 1e300, -1e300, math.Inf(1), math.Inf(-1), math.NaN(), 1000.0625, -999.9}

var testInts = []int64{0, 1, -1, 63, 64, -64, -65, 1 << 40, math.MaxInt64, math.MinInt64}

var testStrings = []string{"", "a", "ab", "héllo wörld", string(make([]byte, 200)), "\x00\xff"}
