package game

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

// TestMirrorAll: All yields every held entity ascending by id with the values the lookups
// by id give, reads a field of another kind or index as zero, and stops when asked.
func TestMirrorAll(t *testing.T) {
	w := NewWorld(testSchema)
	w.BeginTick(1)
	var view []EntityID
	for i := 0; i < 6; i++ {
		id := w.Spawn(i % 2)
		if i%2 == 0 {
			w.SetInt(id, fI, int64(i*7))
			w.SetFloat(id, fQ, float64(i)*1.25)
		} else {
			w.SetFloat(id, fX, float64(i)*-0.5)
		}
		view = append(view, id)
	}
	m := NewMirror(testSchema)
	if err := m.Apply(w.AppendDelta(nil, 0, nil, view), true); err != nil {
		t.Fatal(err)
	}
	var got []EntityID
	for e := range m.All() {
		id := e.ID()
		got = append(got, id)
		if e.Kind() != m.Kind(id) || e.Int(fI) != m.Int(id, fI) || e.Float(fQ) != m.Float(id, fQ) || e.Float(fX) != m.Float(id, fX) {
			t.Errorf("entity %d: kind %d i %d q %v x %v; lookups %d %d %v %v", id, e.Kind(), e.Int(fI), e.Float(fQ), e.Float(fX),
				m.Kind(id), m.Int(id, fI), m.Float(id, fQ), m.Float(id, fX))
		}
		if e.Kind() == 0 && (e.Int(fI) == 0 && id != view[0] || e.Float(fQ) != w.Float(id, fQ)) {
			t.Errorf("entity %d: values not the world's", id)
		}
		if e.Kind() == 0 && (e.Float(fI) != 0 || e.Int(fQ) != 0) || e.Kind() == 1 && e.Int(fX) != 0 || e.Int(63) != 0 || e.Float(-1) != 0 {
			t.Errorf("entity %d: a field of the wrong type or index reads non-zero", id)
		}
	}
	if !slices.Equal(got, m.IDs()) || len(got) != len(view) {
		t.Fatalf("All yielded %v, IDs %v", got, m.IDs())
	}
	n := 0
	for range m.All() {
		if n++; n == 2 {
			break
		}
	}
	if n != 2 {
		t.Fatalf("break after 2 entities: %d", n)
	}
}

// TestMirrorEntityAccessors: an entity read through All gives every field
// kind, and the zero value for a field of another kind.
func TestMirrorEntityAccessors(t *testing.T) {
	schema := &Schema{Kinds: []EntityKind{{Name: "k", Fields: []Field{
		{Name: "i", Kind: KindInt}, {Name: "f", Kind: KindFloat, Quantum: 0.5}, {Name: "b", Kind: KindBool}, {Name: "s", Kind: KindString},
	}}}}
	w := NewWorld(schema)
	w.BeginTick(1)
	e := w.Spawn(0)
	w.SetInt(e, 0, -7)
	w.SetFloat(e, 1, 2.5)
	w.SetBool(e, 2, true)
	w.SetString(e, 3, "tag")
	view := w.NormalizeView([]EntityID{e})
	m := NewMirror(schema)
	if err := m.Apply(w.AppendDelta(nil, 0, nil, view), true); err != nil {
		t.Fatal(err)
	}
	n := 0
	for me := range m.All() {
		n++
		if me.Int(0) != -7 || me.Float(1) != 2.5 || !me.Bool(2) || me.String(3) != "tag" {
			t.Fatalf("fields: %d %v %v %q", me.Int(0), me.Float(1), me.Bool(2), me.String(3))
		}
		if me.Bool(0) || me.String(2) != "" || me.Int(3) != 0 {
			t.Fatal("a field read as another kind is not its zero value")
		}
	}
	if n != 1 {
		t.Fatalf("%d entities", n)
	}
}

// TestSnapshotDecode: the snapshot map the runtime writes decodes into
// Snapshot, with and without its hash.
func TestSnapshotDecode(t *testing.T) {
	for _, c := range []struct {
		raw  []byte
		hash bool
	}{
		{[]byte("\x85\xa1t\x05\xa1b\x00\xa1a\x03\xa2ts\xcd\x01\x00\xa1e\xc4\x01\x00"), false},
		{[]byte("\x86\xa1t\x05\xa1b\x04\xa1a\x03\xa2ts\xcd\x01\x00\xa1e\xc4\x01\x00\xa1h\xce\x01\x02\x03\x04"), true},
	} {
		var s Snapshot
		if err := msgpack.Unmarshal(c.raw, &s); err != nil {
			t.Fatal(err)
		}
		if s.T != 5 || s.A != 3 || s.TS != 256 || len(s.E) != 1 || (s.H != nil) != c.hash || s.Full() == c.hash {
			t.Fatalf("%+v", s)
		}
		if c.hash && *s.H != 0x01020304 {
			t.Fatalf("h %x", *s.H)
		}
	}
}

// TestMirrorStagingReused: one mirror applies a chain of deltas, a refused section (cut short,
// so it fails partway through staging) before each, and a full state now and then; the
// staging it reuses never leaks into what it holds, and the values of created entities
// outlive the sections that created them.
func TestMirrorStagingReused(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	w := NewWorld(testSchema)
	m := NewMirror(testSchema)
	var live, prev []EntityID
	for tick := uint64(1); tick <= 300; tick++ {
		w.BeginTick(tick)
		mutate(w, rng, &live)
		view := randomView(w, rng)
		full := tick == 1 || tick%50 == 0
		baseTick, base := tick-1, prev
		if full {
			baseTick, base = 0, nil
		}
		sec := w.AppendDelta(nil, baseTick, base, view)
		if !full && len(sec) > 2 {
			if err := m.Apply(sec[:len(sec)-1], false); err == nil {
				t.Fatalf("tick %d: a section cut short applied", tick)
			}
		}
		if err := m.Apply(sec, full); err != nil {
			t.Fatalf("tick %d: %v", tick, err)
		}
		if d := diffMirror(w, view, m); d != "" {
			t.Fatalf("tick %d: %s", tick, d)
		}
		prev = view
	}
}

// TestMirrorApplyAllocs: once warm, a delta that only updates entities allocates nothing.
func TestMirrorApplyAllocs(t *testing.T) {
	w := NewWorld(testSchema)
	w.BeginTick(1)
	var view []EntityID
	for i := 0; i < 8; i++ {
		id := w.Spawn(1)
		w.SetFloat(id, fX, float64(i))
		view = append(view, id)
	}
	m := NewMirror(testSchema)
	if err := m.Apply(w.AppendDelta(nil, 0, nil, view), true); err != nil {
		t.Fatal(err)
	}
	w.BeginTick(2)
	for i, id := range view {
		w.SetFloat(id, fX, float64(i)+0.5)
	}
	sec := w.AppendDelta(nil, 1, view, view)
	allocs := testing.AllocsPerRun(100, func() { // an update applies again to its own result
		if err := m.Apply(sec, false); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per Apply of an update-only delta", allocs)
	}
}
