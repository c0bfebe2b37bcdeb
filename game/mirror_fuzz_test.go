package game

import (
	"math/rand/v2"
	"runtime"
	"testing"
)

// fuzzBaseline builds a world, a baseline view and a mirror holding it, so
// the fuzzer exercises deltas against real state as well as full states.
func fuzzBaseline() (*World, []EntityID, *Mirror) {
	rng := rand.New(rand.NewPCG(3, 3))
	w := NewWorld(testSchema)
	var live []EntityID
	w.BeginTick(1)
	for len(live) < 12 {
		mutate(w, rng, &live)
	}
	var view []EntityID // every other live entity: ids and positions differ
	w.Entities(func(id EntityID) {
		if id%2 == 0 {
			view = append(view, id)
		}
	})
	m := NewMirror(testSchema)
	if err := m.Apply(w.AppendDelta(nil, 0, nil, view), true); err != nil {
		panic(err)
	}
	return w, view, m
}

func FuzzMirrorApply(f *testing.F) {
	w, view, base := fuzzBaseline()
	f.Add(w.AppendDelta(nil, 0, nil, view), true)
	rng := rand.New(rand.NewPCG(4, 4))
	var live []EntityID
	w.Entities(func(id EntityID) { live = append(live, id) })
	for tick := uint64(2); tick < 6; tick++ {
		w.BeginTick(tick)
		mutate(w, rng, &live)
		f.Add(w.AppendDelta(nil, 1, view, randomView(w, rng)), false)
	}
	n, first := byte(base.Len()), byte(base.IDs()[0])
	f.Add([]byte{}, false)
	f.Add([]byte{0, 0, 0, 0}, false)
	f.Add([]byte{1, n - 1, 0, 0, 0}, false)         // remove the last entity held
	f.Add([]byte{1, n, 0, 0, 0}, false)             // a position beyond them
	f.Add([]byte{2, 0, 0, 1, 0, 1, 0, 0}, false)    // update a removed position
	f.Add([]byte{0, 1, 0, 1, 0x80, 0, 0, 0}, false) // a value not in shortest form
	f.Add([]byte{0, 0, 1, first, 2, 0}, false)      // create a held id
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x0f}, true)
	f.Fuzz(func(t *testing.T, data []byte, full bool) {
		m := base.Clone()
		before := m.Hash()
		if err := m.Apply(data, full); err != nil {
			if m.Hash() != before {
				t.Fatal("a refused section changed the mirror")
			}
			return
		}
		_ = m.Hash()
		ids := m.IDs()
		for i, id := range ids {
			if m.Kind(id) < 0 {
				t.Fatal("held entity without kind")
			}
			if i > 0 && id <= ids[i-1] {
				t.Fatalf("held ids not ascending: %v", ids)
			}
		}
	})
}

// TestMirrorBoundedAlloc: counts and lengths in a section cannot make the
// decoder allocate more than a small multiple of the section's size.
func TestMirrorBoundedAlloc(t *testing.T) {
	big := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}
	inputs := [][]byte{
		big,                          // removed count 2^63-1
		append([]byte{0}, big...),    // updated count
		append([]byte{0, 0}, big...), // created count
		append([]byte{0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, big...), // string length
	}
	m := NewMirror(testSchema)
	for _, in := range inputs {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		var err error
		for i := 0; i < 100; i++ {
			if err = m.Apply(in, true); err == nil {
				t.Fatalf("accepted % x", in)
			}
		}
		t.Log(err)
		runtime.ReadMemStats(&after)
		if per := (after.TotalAlloc - before.TotalAlloc) / 100; per > 4096 {
			t.Errorf("% x: %d bytes allocated per Apply", in, per)
		}
	}
}
