package game

import (
	"slices"
	"testing"
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
