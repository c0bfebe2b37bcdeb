package game

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// Mirror is the receiving side of snapshot sections: the view one client
// holds, kept by applying sections in order. Bots and tests use it, and it
// is the Go reference for the JS client's decoder and hash. Values are kept
// as wire values, so a quantized float reads back as wire * Quantum.
type Mirror struct {
	c       *compiled
	ents    map[EntityID]*mirrorEntity
	globals []fieldVal // n and s only
}

type mirrorEntity struct {
	kind int
	vals []fieldVal // n and s only
}

// NewMirror returns an empty mirror for schema s; it panics if s fails
// Validate.
func NewMirror(s *Schema) *Mirror {
	c, err := compile(s)
	if err != nil {
		panic(err)
	}
	return &Mirror{c: c, ents: make(map[EntityID]*mirrorEntity), globals: make([]fieldVal, len(c.globals))}
}

// Clone returns an independent copy, such as a baseline kept aside.
func (m *Mirror) Clone() *Mirror {
	n := &Mirror{c: m.c, ents: make(map[EntityID]*mirrorEntity, len(m.ents)), globals: slices.Clone(m.globals)}
	for id, e := range m.ents {
		n.ents[id] = &mirrorEntity{kind: e.kind, vals: slices.Clone(e.vals)}
	}
	return n
}

// staged is a parsed section, checked against the mirror before any of it
// is applied, so a malformed section leaves the mirror untouched.
type staged struct {
	removed []EntityID
	records []stagedRecord
	vals    []fieldVal // record values, back to back
	gmask   uint64
	gvals   []fieldVal
}

type stagedRecord struct {
	id      EntityID
	created bool
	kind    int
	mask    uint64 // for updates
	off     int    // first value in staged.vals
}

// Apply applies one section. full (the snapshot's b is 0) clears the mirror
// first. A section that is malformed, or that does not fit what the mirror
// holds (removing or updating an entity it lacks, creating one it has),
// returns an error wrapping ErrBadSection and leaves the mirror unchanged.
// Apply never panics and allocates at most in proportion to len(section).
func (m *Mirror) Apply(section []byte, full bool) error {
	st, err := m.parse(section, full)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadSection, err)
	}
	if full {
		clear(m.ents)
		clear(m.globals)
	}
	for _, id := range st.removed {
		delete(m.ents, id)
	}
	for _, r := range st.records {
		if r.created {
			n := len(m.c.kinds[r.kind])
			m.ents[r.id] = &mirrorEntity{kind: r.kind, vals: slices.Clone(st.vals[r.off : r.off+n])}
			continue
		}
		e := m.ents[r.id]
		k := r.off
		for f := range e.vals {
			if r.mask&(1<<f) != 0 {
				e.vals[f] = st.vals[k]
				k++
			}
		}
	}
	k := 0
	for g := range m.globals {
		if st.gmask&(1<<g) != 0 {
			m.globals[g] = st.gvals[k]
			k++
		}
	}
	return nil
}

// reader decodes the section's primitives; every method fails instead of
// reading past the end.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf(format, args...)
	}
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("bad uvarint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail("bad varint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count reads a count of items that take at least one byte each, so a
// count above the bytes left is malformed and never drives an allocation.
func (r *reader) count(what string) int {
	n := r.uvarint()
	if r.err == nil && n > uint64(len(r.b)) {
		r.fail("%s count %d exceeds the %d bytes left", what, n, len(r.b))
		return 0
	}
	return int(n)
}

func (r *reader) value(c codec) fieldVal {
	if r.err != nil {
		return fieldVal{}
	}
	switch c {
	case codecVarint:
		return fieldVal{n: uint64(r.varint())}
	case codecF64:
		if len(r.b) < 8 {
			r.fail("short float64")
			return fieldVal{}
		}
		v := binary.LittleEndian.Uint64(r.b)
		r.b = r.b[8:]
		return fieldVal{n: v}
	case codecBool:
		if len(r.b) < 1 || r.b[0] > 1 {
			r.fail("bad bool")
			return fieldVal{}
		}
		v := r.b[0]
		r.b = r.b[1:]
		return fieldVal{n: uint64(v)}
	default:
		n := r.uvarint()
		if r.err == nil && n > uint64(len(r.b)) {
			r.fail("string length %d exceeds the %d bytes left", n, len(r.b))
		}
		if r.err != nil {
			return fieldVal{}
		}
		s := string(r.b[:n])
		r.b = r.b[n:]
		return fieldVal{s: s}
	}
}

func (m *Mirror) parse(section []byte, full bool) (*staged, error) {
	r := &reader{b: section}
	st := &staged{}
	nrem := r.count("removed")
	if full && nrem != 0 {
		return nil, fmt.Errorf("full state with %d removals", nrem)
	}
	st.removed = make([]EntityID, 0, nrem)
	var prev uint64
	for i := 0; i < nrem && r.err == nil; i++ {
		id := prev + r.uvarint()
		if r.err == nil && (id == prev || id > math.MaxUint32) {
			return nil, fmt.Errorf("removed id %d out of order", id)
		}
		if _, ok := m.ents[EntityID(id)]; r.err == nil && !ok {
			return nil, fmt.Errorf("removed id %d not held", id)
		}
		st.removed = append(st.removed, EntityID(id))
		prev = id
	}
	nrec := r.count("record")
	st.records = make([]stagedRecord, 0, nrec)
	prev = 0
	for i := 0; i < nrec && r.err == nil; i++ {
		id := prev + r.uvarint()
		head := r.uvarint()
		if r.err != nil {
			break
		}
		if id == prev || id > math.MaxUint32 {
			return nil, fmt.Errorf("record id %d out of order", id)
		}
		prev = id
		rec, err := m.stageRecord(r, st, EntityID(id), head, full)
		if err != nil {
			return nil, err
		}
		st.records = append(st.records, rec)
	}
	st.gmask = r.uvarint()
	if r.err == nil && st.gmask>>len(m.c.globals) != 0 {
		return nil, fmt.Errorf("global mask %#x has unknown bits", st.gmask)
	}
	for g, c := range m.c.globals {
		if st.gmask&(1<<g) != 0 {
			st.gvals = append(st.gvals, r.value(c))
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	if full && st.gmask != 1<<len(m.c.globals)-1 {
		return nil, fmt.Errorf("full state without every global")
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("%d trailing bytes", len(r.b))
	}
	return st, nil
}

func (m *Mirror) stageRecord(r *reader, st *staged, id EntityID, head uint64, full bool) (stagedRecord, error) {
	rec := stagedRecord{id: id, off: len(st.vals)}
	_, held := m.ents[id]
	if full {
		held = false
	}
	if head&1 == 1 {
		kind := head >> 1
		if kind >= uint64(len(m.c.kinds)) {
			return rec, fmt.Errorf("entity %d of unknown kind %d", id, kind)
		}
		if held && !removedIn(st.removed, id) {
			return rec, fmt.Errorf("entity %d created twice", id)
		}
		rec.created, rec.kind = true, int(kind)
		for _, c := range m.c.kinds[kind] {
			st.vals = append(st.vals, r.value(c))
		}
		return rec, nil
	}
	if !held || removedIn(st.removed, id) {
		return rec, fmt.Errorf("update of entity %d not held", id)
	}
	rec.kind = m.ents[id].kind
	rec.mask = head >> 1
	codecs := m.c.kinds[rec.kind]
	if rec.mask == 0 || rec.mask>>len(codecs) != 0 {
		return rec, fmt.Errorf("entity %d: bad field mask %#x", id, rec.mask)
	}
	for f, c := range codecs {
		if rec.mask&(1<<f) != 0 {
			st.vals = append(st.vals, r.value(c))
		}
	}
	return rec, nil
}

func removedIn(removed []EntityID, id EntityID) bool {
	_, ok := slices.BinarySearch(removed, id)
	return ok
}

// Len returns the number of entities held.
func (m *Mirror) Len() int { return len(m.ents) }

// IDs returns the ids held, ascending.
func (m *Mirror) IDs() []EntityID {
	ids := make([]EntityID, 0, len(m.ents))
	for id := range m.ents {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Has reports whether entity id is held.
func (m *Mirror) Has(id EntityID) bool { _, ok := m.ents[id]; return ok }

// Kind returns the kind of entity id, or -1 when it is not held.
func (m *Mirror) Kind(id EntityID) int {
	if e, ok := m.ents[id]; ok {
		return e.kind
	}
	return -1
}

// val returns field f of id if held and of kind want, else nil.
func (m *Mirror) val(id EntityID, f int, want FieldKind) (*fieldVal, Field) {
	e, ok := m.ents[id]
	if !ok {
		return nil, Field{}
	}
	fs := m.c.schema.Kinds[e.kind].Fields
	if f < 0 || f >= len(fs) || fs[f].Kind != want {
		return nil, Field{}
	}
	return &e.vals[f], fs[f]
}

// Int returns int field f of id (0 when absent or not an int).
func (m *Mirror) Int(id EntityID, f int) int64 {
	if v, _ := m.val(id, f, KindInt); v != nil {
		return int64(v.n)
	}
	return 0
}

// Float returns float field f of id as the client sees it: wire * Quantum
// for a quantized field (0 when absent or not a float).
func (m *Mirror) Float(id EntityID, f int) float64 {
	v, fd := m.val(id, f, KindFloat)
	if v == nil {
		return 0
	}
	return wireFloat(fd, v.n)
}

// Bool returns bool field f of id (false when absent or not a bool).
func (m *Mirror) Bool(id EntityID, f int) bool {
	v, _ := m.val(id, f, KindBool)
	return v != nil && v.n != 0
}

// String returns string field f of id ("" when absent or not a string).
func (m *Mirror) String(id EntityID, f int) string {
	if v, _ := m.val(id, f, KindString); v != nil {
		return v.s
	}
	return ""
}

func wireFloat(fd Field, n uint64) float64 {
	if fd.Quantum > 0 {
		return float64(int64(n)) * fd.Quantum
	}
	return math.Float64frombits(n)
}

func (m *Mirror) global(g int, want FieldKind) (*fieldVal, Field) {
	gs := m.c.schema.Globals
	if g < 0 || g >= len(gs) || gs[g].Kind != want {
		return nil, Field{}
	}
	return &m.globals[g], gs[g]
}

// GlobalInt returns int global g (0 when g is not an int global).
func (m *Mirror) GlobalInt(g int) int64 {
	if v, _ := m.global(g, KindInt); v != nil {
		return int64(v.n)
	}
	return 0
}

// GlobalFloat returns float global g as the client sees it.
func (m *Mirror) GlobalFloat(g int) float64 {
	v, fd := m.global(g, KindFloat)
	if v == nil {
		return 0
	}
	return wireFloat(fd, v.n)
}

// GlobalBool returns bool global g.
func (m *Mirror) GlobalBool(g int) bool {
	v, _ := m.global(g, KindBool)
	return v != nil && v.n != 0
}

// GlobalString returns string global g.
func (m *Mirror) GlobalString(g int) string {
	if v, _ := m.global(g, KindString); v != nil {
		return v.s
	}
	return ""
}

// Hash returns the view hash of what the mirror holds; after applying the
// section of a snapshot it equals World.ViewHash of that player's view.
func (m *Mirror) Hash() uint32 {
	h := hasher(fnvOffset32)
	for _, id := range m.IDs() {
		e := m.ents[id]
		h.entity(id, e.kind, m.c.kinds[e.kind], e.vals)
	}
	h.globals(m.c.globals, m.globals)
	return uint32(h)
}
