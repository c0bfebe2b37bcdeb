package game

import (
	"encoding/binary"
	"fmt"
	"iter"
	"math"
	"slices"
)

// Mirror is the receiving side of snapshot sections: the view one client
// holds, kept by applying sections in order. Bots and tests use it, and it
// is the Go reference for the JS client's decoder and hash. Values are kept
// as wire values, so a quantized float reads back as wire * Quantum.
type Mirror struct {
	c       *compiled
	ents    []mirrorEntity // ascending by id: a section's positions index it
	globals []fieldVal     // n and s only
	// st is the staging of the section being applied, its slices kept from one Apply to the
	// next: a client applies 20 sections a second, and fresh ones were most of what a bot
	// allocated per snapshot. Nothing held points into it (insert copies created values out).
	st staged
}

type mirrorEntity struct {
	id   EntityID
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
	return &Mirror{c: c, globals: make([]fieldVal, len(c.globals))}
}

// Clone returns an independent copy, such as a baseline kept aside. The copy
// shares no memory with m.
func (m *Mirror) Clone() *Mirror {
	n := &Mirror{c: m.c, ents: make([]mirrorEntity, len(m.ents)), globals: slices.Clone(m.globals)}
	for i, e := range m.ents {
		n.ents[i] = mirrorEntity{id: e.id, kind: e.kind, vals: slices.Clone(e.vals)}
	}
	return n
}

// staged is a parsed section, checked against the mirror before any of it
// is applied, so a malformed section leaves the mirror untouched. Its slices
// are reused by the next section (reset).
type staged struct {
	removed []int // positions in Mirror.ents, ascending
	updated []stagedUpdate
	created []stagedCreate
	vals    []fieldVal // record values, back to back
	gmask   uint64
	gvals   []fieldVal
}

type stagedUpdate struct {
	pos  int // in Mirror.ents
	mask uint64
	off  int // first value in staged.vals
}

type stagedCreate struct {
	id   EntityID
	kind int
	off  int // first value in staged.vals
}

// reset empties st for the next section, keeping its slices' memory up to
// maxKeptStaged items each: the full state a seat starts with stages several
// times what a delta does, and a thousand bots need not keep that.
func (st *staged) reset() {
	clear(st.vals) // string values: let them go
	clear(st.gvals)
	*st = staged{
		removed: keptStaged(st.removed), updated: keptStaged(st.updated), created: keptStaged(st.created),
		vals: keptStaged(st.vals), gvals: keptStaged(st.gvals),
	}
}

// maxKeptStaged bounds each slice a Mirror keeps between sections.
const maxKeptStaged = 128

func keptStaged[T any](s []T) []T {
	if cap(s) > maxKeptStaged {
		return nil
	}
	return s[:0]
}

// Apply applies one section. full (the snapshot's b is 0) clears the mirror
// first. A section that is malformed, or that does not fit what the mirror
// holds (a position beyond the entities held, an update of a removed
// entity, a create of a held id), returns an error wrapping ErrBadSection
// and leaves the mirror unchanged. Apply never panics; what it allocates
// is in proportion to len(section), plus the growth of the held list; a
// section that creates no entity allocates nothing once the mirror has applied
// sections as large before.
func (m *Mirror) Apply(section []byte, full bool) error {
	st := &m.st
	defer st.reset()
	if err := m.parse(section, full); err != nil {
		return fmt.Errorf("%w: %v", ErrBadSection, err)
	}
	if full {
		clear(m.ents)
		m.ents = m.ents[:0]
		clear(m.globals)
	}
	// Positions refer to the list before this section: update first.
	for _, u := range st.updated {
		e := &m.ents[u.pos]
		k := u.off
		for f := range e.vals {
			if u.mask&(1<<f) != 0 {
				e.vals[f] = st.vals[k]
				k++
			}
		}
	}
	m.remove(st.removed)
	m.insert(st)
	k := 0
	for g := range m.globals {
		if st.gmask&(1<<g) != 0 {
			m.globals[g] = st.gvals[k]
			k++
		}
	}
	return nil
}

// remove drops the entities at the ascending positions, in place.
func (m *Mirror) remove(positions []int) {
	if len(positions) == 0 {
		return
	}
	n, r := 0, 0
	for i := range m.ents {
		if r < len(positions) && positions[r] == i {
			r++
			continue
		}
		m.ents[n] = m.ents[i]
		n++
	}
	clear(m.ents[n:])
	m.ents = m.ents[:n]
}

// insert merges the created entities (ascending ids, none held) into the
// held list, from the back, in place.
func (m *Mirror) insert(st *staged) {
	c := len(st.created)
	if c == 0 {
		return
	}
	// The created entities' values, copied out of the staging (which the next
	// section reuses) into one block of their own.
	nv := 0
	for _, cr := range st.created {
		nv += len(m.c.kinds[cr.kind])
	}
	vals := make([]fieldVal, 0, nv)
	n := len(m.ents)
	m.ents = slices.Grow(m.ents, c)[:n+c]
	i, j := n-1, c-1
	for k := n + c - 1; j >= 0; k-- {
		if i >= 0 && m.ents[i].id > st.created[j].id {
			m.ents[k] = m.ents[i]
			i--
			continue
		}
		cr := st.created[j]
		nf := len(m.c.kinds[cr.kind])
		// Capped, so that no entity can append into its neighbour's values.
		start := len(vals)
		vals = append(vals, st.vals[cr.off:cr.off+nf]...)
		m.ents[k] = mirrorEntity{id: cr.id, kind: cr.kind, vals: vals[start:len(vals):len(vals)]}
		j--
	}
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

// uvarint reads a uvarint in its shortest form, the only one the encoder
// writes: a last byte of 0 after others is malformed.
func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("bad uvarint")
		return 0
	}
	if n > 1 && r.b[n-1] == 0 {
		r.fail("uvarint not in its shortest form")
		return 0
	}
	r.b = r.b[n:]
	return v
}

// varint reads a zigzag varint, in its shortest form like uvarint.
func (r *reader) varint() int64 {
	u := r.uvarint()
	return int64(u>>1) ^ -int64(u&1)
}

// position reads a gap and returns the position it codes, prev + 1 + gap,
// failing unless that is below held.
func (r *reader) position(prev, held int, what string) int {
	gap := r.uvarint()
	if r.err != nil {
		return 0
	}
	return r.positionOf(prev, held, gap, what)
}

// positionOf is position for a gap already read.
func (r *reader) positionOf(prev, held int, gap uint64, what string) int {
	if r.err != nil {
		return 0
	}
	if gap >= uint64(held-prev-1) {
		r.fail("%s gap %d after position %d points beyond the %d entities held", what, gap, prev, held)
		return 0
	}
	return prev + 1 + int(gap)
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

// parse stages section in m.st, which is empty on entry.
func (m *Mirror) parse(section []byte, full bool) error {
	r := &reader{b: section}
	st := &m.st
	held := len(m.ents)
	if full {
		held = 0
	}
	if len(r.b) == 0 {
		return fmt.Errorf("empty section: no flags byte")
	}
	flags := r.b[0]
	r.b = r.b[1:]
	if flags&^sectionFlags != 0 {
		return fmt.Errorf("flags %#x have unknown bits", flags)
	}
	// part reads the count of a part the flags say is there; a present part is not empty.
	part := func(bit byte, what string) int {
		if flags&bit == 0 {
			return 0
		}
		n := r.count(what)
		if r.err == nil && n == 0 {
			r.fail("%s flagged present with a count of 0", what)
		}
		return n
	}
	nrem := part(hasRemoved, "removed")
	if r.err == nil && nrem > held {
		return fmt.Errorf("%d removals of %d entities held", nrem, held)
	}
	st.removed = slices.Grow(st.removed, nrem)
	prev := -1
	for i := 0; i < nrem && r.err == nil; i++ {
		prev = r.position(prev, held, "removed")
		st.removed = append(st.removed, prev)
	}
	nupd := part(hasUpdated, "updated")
	if r.err == nil && nupd > held-nrem {
		return fmt.Errorf("%d updates of %d entities kept", nupd, held-nrem)
	}
	st.updated = slices.Grow(st.updated, nupd)
	prev = -1
	var prevMask uint64
	for i, ri := 0, 0; i < nupd && r.err == nil; i++ {
		head := r.uvarint()
		prev = r.positionOf(prev, held, head>>1, "updated")
		if r.err != nil {
			break
		}
		mask := prevMask
		if head&1 == 0 {
			mask = r.uvarint()
			if r.err == nil && mask != 0 && mask == prevMask {
				return fmt.Errorf("update of position %d writes the previous update's mask %#x again", prev, mask)
			}
		} else if prevMask == 0 {
			return fmt.Errorf("the first update (position %d) repeats a mask", prev)
		}
		if r.err != nil {
			break
		}
		prevMask = mask
		for ri < len(st.removed) && st.removed[ri] < prev {
			ri++
		}
		if ri < len(st.removed) && st.removed[ri] == prev {
			return fmt.Errorf("update of entity %d, removed by the same section", m.ents[prev].id)
		}
		u, err := m.stageUpdate(r, st, prev, mask)
		if err != nil {
			return err
		}
		st.updated = append(st.updated, u)
	}
	ncre := part(hasCreated, "created")
	st.created = slices.Grow(st.created, ncre)
	var prevID uint64
	for i := 0; i < ncre && r.err == nil; i++ {
		delta := r.uvarint()
		kind := r.uvarint()
		if r.err != nil {
			break
		}
		if delta == 0 || delta > math.MaxUint32-prevID {
			return fmt.Errorf("created id delta %d after id %d: not ascending or above 2^32-1", delta, prevID)
		}
		id := prevID + delta
		prevID = id
		c, err := m.stageCreate(r, st, EntityID(id), kind, full)
		if err != nil {
			return err
		}
		st.created = append(st.created, c)
	}
	if flags&hasGlobals != 0 {
		st.gmask = r.uvarint()
		if r.err == nil && st.gmask == 0 {
			r.fail("globals flagged present with an empty mask")
		}
	}
	if r.err == nil && st.gmask>>len(m.c.globals) != 0 {
		return fmt.Errorf("global mask %#x has unknown bits", st.gmask)
	}
	for g, c := range m.c.globals {
		if st.gmask&(1<<g) != 0 {
			st.gvals = append(st.gvals, r.value(c))
		}
	}
	if r.err != nil {
		return r.err
	}
	if full && st.gmask != 1<<len(m.c.globals)-1 {
		return fmt.Errorf("full state without every global")
	}
	if len(r.b) != 0 {
		return fmt.Errorf("%d trailing bytes", len(r.b))
	}
	return nil
}

func (m *Mirror) stageUpdate(r *reader, st *staged, pos int, mask uint64) (stagedUpdate, error) {
	u := stagedUpdate{pos: pos, mask: mask, off: len(st.vals)}
	e := &m.ents[pos]
	codecs := m.c.kinds[e.kind]
	if mask == 0 || mask>>len(codecs) != 0 {
		return u, fmt.Errorf("entity %d: bad field mask %#x", e.id, mask)
	}
	for f, c := range codecs {
		if mask&(1<<f) != 0 {
			st.vals = append(st.vals, r.value(c))
		}
	}
	return u, nil
}

func (m *Mirror) stageCreate(r *reader, st *staged, id EntityID, kind uint64, full bool) (stagedCreate, error) {
	c := stagedCreate{id: id, off: len(st.vals)}
	if kind >= uint64(len(m.c.kinds)) {
		return c, fmt.Errorf("entity %d of unknown kind %d", id, kind)
	}
	if _, held := m.find(id); held && !full {
		return c, fmt.Errorf("create of entity %d, which is held", id)
	}
	c.kind = int(kind)
	for _, fc := range m.c.kinds[kind] {
		st.vals = append(st.vals, r.value(fc))
	}
	return c, nil
}

// find returns the position of id in the held list and whether it is held.
func (m *Mirror) find(id EntityID) (int, bool) {
	return slices.BinarySearchFunc(m.ents, id, func(e mirrorEntity, id EntityID) int {
		switch {
		case e.id < id:
			return -1
		case e.id > id:
			return 1
		}
		return 0
	})
}

// Len returns the number of entities held.
func (m *Mirror) Len() int { return len(m.ents) }

// IDs returns the ids held, ascending: the list a section's positions
// refer to.
func (m *Mirror) IDs() []EntityID {
	ids := make([]EntityID, len(m.ents))
	for i := range m.ents {
		ids[i] = m.ents[i].id
	}
	return ids
}

// Has reports whether entity id is held.
func (m *Mirror) Has(id EntityID) bool { _, ok := m.find(id); return ok }

// Kind returns the kind of entity id, or -1 when it is not held.
func (m *Mirror) Kind(id EntityID) int {
	if i, ok := m.find(id); ok {
		return m.ents[i].kind
	}
	return -1
}

// val returns field f of id if held and of kind want, else nil.
func (m *Mirror) val(id EntityID, f int, want FieldKind) (*fieldVal, *Field) {
	i, ok := m.find(id)
	if !ok {
		return nil, nil
	}
	return m.field(&m.ents[i], f, want)
}

// field returns field f of e if it is of kind want, else nil.
func (m *Mirror) field(e *mirrorEntity, f int, want FieldKind) (*fieldVal, *Field) {
	fs := m.c.schema.Kinds[e.kind].Fields
	if f < 0 || f >= len(fs) || fs[f].Kind != want {
		return nil, nil
	}
	return &e.vals[f], &fs[f]
}

// All iterates over the entities held, ascending by id, without a lookup per
// field read: a bot scanning its view for the nearest target reads fields
// of every entity. An entity read after the next Apply reads stale values.
func (m *Mirror) All() iter.Seq[MirrorEntity] {
	return func(yield func(MirrorEntity) bool) {
		for i := range m.ents {
			if !yield(MirrorEntity{m: m, e: &m.ents[i]}) {
				return
			}
		}
	}
}

// MirrorEntity is one entity of a Mirror, as All yields it.
type MirrorEntity struct {
	m *Mirror
	e *mirrorEntity
}

// ID returns the entity's id.
func (e MirrorEntity) ID() EntityID { return e.e.id }

// Kind returns the entity's kind.
func (e MirrorEntity) Kind() int { return e.e.kind }

// Int returns int field f (0 when not an int field of the entity's kind).
func (e MirrorEntity) Int(f int) int64 {
	if v, _ := e.m.field(e.e, f, KindInt); v != nil {
		return int64(v.n)
	}
	return 0
}

// Float returns float field f as Mirror.Float does.
func (e MirrorEntity) Float(f int) float64 {
	v, fd := e.m.field(e.e, f, KindFloat)
	if v == nil {
		return 0
	}
	return wireFloat(fd, v.n)
}

// Bool returns bool field f (false when not a bool field of the entity's
// kind).
func (e MirrorEntity) Bool(f int) bool {
	v, _ := e.m.field(e.e, f, KindBool)
	return v != nil && v.n != 0
}

// String returns string field f ("" when not a string field of the
// entity's kind).
func (e MirrorEntity) String(f int) string {
	if v, _ := e.m.field(e.e, f, KindString); v != nil {
		return v.s
	}
	return ""
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

func wireFloat(fd *Field, n uint64) float64 {
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
	return wireFloat(&fd, v.n)
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
	for i := range m.ents {
		e := &m.ents[i]
		h.entity(e.id, e.kind, m.c.kinds[e.kind], e.vals)
	}
	h.globals(m.c.globals, m.globals)
	return uint32(h)
}

// Snapshot is the `snapshot` event's argument as a client decodes it
// (docs/protocol.md, "The snapshot event"): unmarshal the argument's
// msgpack into it, then Mirror.Apply(s.E, s.Full()) and, when HasHash,
// compare Mirror.Hash with H.
type Snapshot struct {
	T  uint64 `msgpack:"t"`  // the tick this state belongs to
	B  uint64 `msgpack:"b"`  // the baseline tick of the delta; 0: a full state
	A  uint64 `msgpack:"a"`  // the player's highest input seq applied at or before T
	TS int64  `msgpack:"ts"` // the server's Unix time in ms of tick T
	E  []byte `msgpack:"e"`  // the entity section
	// H is the view hash after applying, present on every Nth snapshot.
	H *uint32 `msgpack:"h,omitempty"`
}

// Full reports whether the snapshot is a full state (clear the mirror).
func (s *Snapshot) Full() bool { return s.B == 0 }
