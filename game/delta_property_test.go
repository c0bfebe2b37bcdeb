package game

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

// held is one snapshot a client could hold: its tick, view and the mirror
// that applying it produced (already checked against the world).
type held struct {
	tick uint64
	view []EntityID
	m    *Mirror
}

// mutate makes a random batch of world changes for one tick.
func mutate(w *World, rng *rand.Rand, live *[]EntityID) {
	for n := rng.IntN(24); n > 0; n-- {
		switch op := rng.IntN(20); {
		case op < 3 || len(*live) == 0:
			*live = append(*live, w.Spawn(rng.IntN(len(testSchema.Kinds))))
		case op < 5:
			i := rng.IntN(len(*live))
			w.Remove((*live)[i])
			*live = append((*live)[:i], (*live)[i+1:]...)
		case op < 7:
			setRandomGlobal(w, rng)
		default:
			setRandomField(w, rng, (*live)[rng.IntN(len(*live))])
		}
	}
}

func setRandomField(w *World, rng *rand.Rand, id EntityID) {
	switch w.Kind(id) {
	case 0:
		switch rng.IntN(5) {
		case fI:
			w.SetInt(id, fI, testInts[rng.IntN(len(testInts))])
		case fQ:
			w.SetFloat(id, fQ, testFloats[rng.IntN(len(testFloats))])
		case fF:
			w.SetFloat(id, fF, testFloats[rng.IntN(len(testFloats))])
		case fB:
			w.SetBool(id, fB, rng.IntN(2) == 0)
		case fS:
			w.SetString(id, fS, testStrings[rng.IntN(len(testStrings))])
		}
	case 1: // a moving entity: small steps, often below the quantum
		f := rng.IntN(2)
		w.SetFloat(id, f, w.Float(id, f)+rng.NormFloat64()*0.3)
	}
}

func setRandomGlobal(w *World, rng *rand.Rand) {
	switch rng.IntN(5) {
	case gI:
		w.SetGlobalInt(gI, testInts[rng.IntN(len(testInts))])
	case gQ:
		w.SetGlobalFloat(gQ, testFloats[rng.IntN(len(testFloats))])
	case gB:
		w.SetGlobalBool(gB, rng.IntN(2) == 0)
	case gS:
		w.SetGlobalString(gS, testStrings[rng.IntN(len(testStrings))])
	case gF:
		w.SetGlobalFloat(gF, testFloats[rng.IntN(len(testFloats))])
	}
}

// randomView picks a random subset of the live entities (ascending), with
// a per-tick density so that views range from nothing to everything.
func randomView(w *World, rng *rand.Rand) []EntityID {
	p := rng.Float64()
	if rng.IntN(8) == 0 {
		p = 1
	}
	var view []EntityID
	w.Entities(func(id EntityID) {
		if rng.Float64() < p {
			view = append(view, id)
		}
	})
	return view
}

// TestDeltaProperty: for random world changes over many ticks, random
// per-tick views and random baselines among earlier snapshots, applying
// AppendDelta(baseline -> now) to a mirror holding the baseline yields
// exactly the current view (entity set, every field's wire value, globals,
// hash); full states round-trip; removed and out-of-view entities vanish.
func TestDeltaProperty(t *testing.T) {
	const seeds, ticks, perTick, window = 120, 60, 4, 40
	applied := 0
	for seed := uint64(1); seed <= seeds; seed++ {
		rng := rand.New(rand.NewPCG(seed, 42))
		w := NewWorld(testSchema)
		var live []EntityID
		var hist []held
		for tick := uint64(1); tick <= ticks; tick++ {
			w.BeginTick(tick)
			mutate(w, rng, &live)
			view := randomView(w, rng)
			var keep *Mirror
			for k := 0; k < perTick; k++ {
				var base held
				full := len(hist) == 0 || rng.IntN(10) == 0
				if full {
					base = held{m: NewMirror(testSchema)}
				} else {
					lo := max(0, len(hist)-window)
					base = hist[lo+rng.IntN(len(hist)-lo)]
					base.m = base.m.Clone()
				}
				sec := w.AppendDelta(nil, base.tick, base.view, view)
				if err := base.m.Apply(sec, full); err != nil {
					t.Fatalf("seed %d tick %d base %d: Apply: %v\nsection % x", seed, tick, base.tick, err, sec)
				}
				if d := diffMirror(w, view, base.m); d != "" {
					t.Fatalf("seed %d tick %d base %d (full %v): %s", seed, tick, base.tick, full, d)
				}
				applied++
				keep = base.m
			}
			hist = append(hist, held{tick: tick, view: view, m: keep})
		}
	}
	t.Logf("%d deltas applied and checked", applied)
}

// TestDeltaChain: a client applying every snapshot in order, each against
// the previous one, always holds the current view.
func TestDeltaChain(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	w := NewWorld(testSchema)
	m := NewMirror(testSchema)
	var live, prev []EntityID
	for tick := uint64(1); tick <= 500; tick++ {
		w.BeginTick(tick)
		mutate(w, rng, &live)
		view := randomView(w, rng)
		if err := m.Apply(w.AppendDelta(nil, tick-1, prev, view), tick == 1); err != nil {
			t.Fatalf("tick %d: %v", tick, err)
		}
		if d := diffMirror(w, view, m); d != "" {
			t.Fatalf("tick %d: %s", tick, d)
		}
		prev = view
	}
}

// TestApplyLeavesMirrorOnError: a section that does not fit the mirror is
// refused as a whole.
func TestApplyLeavesMirrorOnError(t *testing.T) {
	w := NewWorld(testSchema)
	w.BeginTick(1)
	a, b := w.Spawn(0), w.Spawn(1)
	m := NewMirror(testSchema)
	if err := m.Apply(w.AppendDelta(nil, 0, nil, []EntityID{a}), true); err != nil {
		t.Fatal(err)
	}
	before := m.Hash()
	w.BeginTick(2)
	w.SetInt(a, fI, 5)
	// Claims the client held b, which it does not: removal of b is refused,
	// and so is the update of a in the same section.
	sec := w.AppendDelta(nil, 1, []EntityID{a, b}, []EntityID{a})
	if err := m.Apply(sec, false); err == nil {
		t.Fatal("Apply accepted a removal of an entity not held")
	}
	if m.Hash() != before || m.Int(a, fI) != 0 {
		t.Fatal("a refused section changed the mirror")
	}
}

// TestApplyRejects: sections the encoder never writes are refused as a
// whole, against a mirror holding entities 1 (kind a), 2 (pos) and 4 (empty)
// at positions 0, 1 and 2.
func TestApplyRejects(t *testing.T) {
	w := NewWorld(testSchema)
	w.BeginTick(1)
	a, p, _, e := w.Spawn(0), w.Spawn(1), w.Spawn(1), w.Spawn(2)
	view := []EntityID{a, p, e}
	m := NewMirror(testSchema)
	if err := m.Apply(w.AppendDelta(nil, 0, nil, view), true); err != nil {
		t.Fatal(err)
	}
	before := m.Hash()
	// The flags byte (bits: removed 1, updated 2, created 4, globals 8) leads every section;
	// the smallest full-state globals: all five, zero.
	const allGlobals = "\x1f\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
	for name, c := range map[string]struct {
		sec  string
		full bool
	}{
		"empty section":                      {"", false},
		"unknown flag bit":                   {"\x10", false},
		"a part flagged with a count of 0":   {"\x01\x00", false},
		"globals flagged with an empty mask": {"\x08\x00", false},
		"removed position beyond held":       {"\x01\x01\x03", false},
		"removed second beyond held":         {"\x01\x02\x01\x01", false},
		"more removals than held":            {"\x01\x04\x00\x00\x00\x00", false},
		"update position beyond held":        {"\x02\x01\x06\x01\x00", false},
		"update of a removed entity":         {"\x03\x01\x01\x01\x02\x01\x02", false},
		"more updates than kept":             {"\x03\x02\x00\x00\x02\x00\x01\x02\x00\x01\x02", false},
		"update mask zero":                   {"\x02\x01\x00\x00", false},
		"update mask beyond the fields":      {"\x02\x01\x02\x04\x00", false},
		"update of a fieldless entity":       {"\x02\x01\x04\x01\x00", false},
		"first update repeats a mask":        {"\x02\x01\x01\x00", false},
		"a mask written again":               {"\x02\x02\x00\x01\x00\x00\x01\x00", false},
		"a repeated mask beyond a kind":      {"\x02\x02\x00\x08\x00\x03", false},
		"create of a held id":                {"\x04\x01\x02\x01\x00\x00", false},
		"create of a held id it removes":     {"\x05\x01\x01\x01\x02\x01\x00\x00", false},
		"create of id 0":                     {"\x04\x01\x00\x02", false},
		"created ids not ascending":          {"\x04\x02\x05\x02\x00\x02", false},
		"created id above 2^32-1":            {"\x04\x01\x80\x80\x80\x80\x10\x02", false},
		"created id delta wrapping":          {"\x04\x02\x05\x02\xfe\xff\xff\xff\xff\xff\xff\xff\xff\x01\x02", false},
		"create of an unknown kind":          {"\x04\x01\x05\x03", false},
		"full state with a removal":          {"\x09\x01\x00" + allGlobals, true},
		"full state with an update":          {"\x0a\x01\x00\x01\x00" + allGlobals, true},
		"full state without every global":    {"\x08\x01\x00", true},
		"full state without globals":         {"\x00", true},
		"unknown global bit":                 {"\x08\x20", false},
		"overlong count":                     {"\x01\x80\x00", false},
		"overlong gap":                       {"\x01\x01\x80\x00", false},
		"overlong value":                     {"\x02\x01\x00\x01\x80\x00", false},
		"overlong mask":                      {"\x08\x81\x00\x00", false},
		"uvarint overflow":                   {"\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", false},
		"bad bool":                           {"\x02\x01\x00\x08\x02", false},
		"truncated float":                    {"\x02\x01\x00\x04\x00\x00\x00\x00", false},
		"truncated string":                   {"\x02\x01\x00\x10\x07abcd", false},
		"missing globals":                    {"\x08", false},
		"trailing byte":                      {"\x00\x00", false},
	} {
		if err := m.Apply([]byte(c.sec), c.full); !errors.Is(err, ErrBadSection) {
			t.Errorf("%s: Apply(% x) = %v", name, c.sec, err)
		} else if m.Hash() != before || !slices.Equal(m.IDs(), view) {
			t.Fatalf("%s: the refused section changed the mirror", name)
		}
	}
	// The same shapes done right are accepted: remove 4, update x of 2,
	// create 9 (kind empty).
	ok := "\x07" + "\x01\x02" + "\x01\x02\x01\x02" + "\x01\x09\x02"
	if err := m.Apply([]byte(ok), false); err != nil {
		t.Fatal(err)
	}
	if got := m.IDs(); !slices.Equal(got, []EntityID{a, p, 9}) || m.Float(p, fX) != 0.125 {
		t.Fatalf("mirror holds %v, x %v", got, m.Float(p, fX))
	}
}
