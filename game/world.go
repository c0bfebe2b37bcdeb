package game

import (
	"fmt"
	"math"
	"slices"
)

// fieldVal is one field's state. n is the wire value (int64 bits of an int
// or quantized float, float64 bits of an unquantized float, 0/1 of a bool);
// f is the exact float the game set, so a game reads back what it wrote.
type fieldVal struct {
	n  uint64
	f  float64
	s  string
	at uint64 // tick of the last change of the wire value
}

type entity struct {
	kind int
	// last is the fields changed at the entity's last change tick (its
	// stamp), older a tick at or after every other field's change: when
	// older is at or below a delta's baseline, last is the delta's mask,
	// with no walk over the fields (a moving entity changes the same few
	// fields every tick).
	last, older uint64
	vals        []fieldVal
}

// World is a game's visible state: entities of the schema's kinds, each
// with its fields, and the room-global fields. Every write that changes a
// field's wire value stamps the field with the current tick; that stamp is
// all AppendDelta needs. A World belongs to one goroutine.
//
// Accessors panic on a field index out of range or a field of another
// type, and setters also on an entity that does not exist: those are bugs
// in the mode, and the runtime turns a mode panic into closing that room.
// Getters return the zero value for an entity that does not exist.
type World struct {
	c              *compiled
	tick           uint64
	pages          []*entPage // page i holds ids i<<pageBits ...; nil once all its ids are removed
	spare          *entPage   // a freed page kept for the next one Spawn needs
	next           EntityID   // the id Spawn hands out next (0 is never used)
	live           int
	globals        []fieldVal
	globalsChanged uint64
	delta          deltaLists // AppendDelta's lists, kept for reuse
}

// Entity ids are never reused, so a long match hands out ids without end
// (an arena respawns orbs, a shooter spawns a bullet per shot). The world
// keeps them in pages of pageSize ids and drops a page once every id on it
// has been handed out and removed: memory follows the live entities and
// the pages they sit on, not every id ever spawned.
const (
	pageBits = 8
	pageSize = 1 << pageBits
	pageMask = pageSize - 1
)

// entPage is one page of ids. stamps[j] is entity j's last change tick
// (the largest at over its fields), removedStamp while it is not live. A
// delta checks every held entity's stamp; kept side by side, those checks
// read one small array instead of every entity's memory.
type entPage struct {
	ents   [pageSize]*entity
	stamps [pageSize]uint64
	live   int // live entities on the page
}

// newPage returns an empty page: no entity, every stamp removedStamp.
func (w *World) newPage() *entPage {
	p := w.spare
	if p == nil {
		p = new(entPage)
	}
	w.spare = nil
	for j := range p.stamps {
		p.stamps[j] = removedStamp
	}
	return p
}

// NewWorld returns an empty world of schema s at tick 0. It panics if s
// fails Validate (Registry.Register checks a mode's schema beforehand).
func NewWorld(s *Schema) *World {
	c, err := compile(s)
	if err != nil {
		panic(err)
	}
	// The zero fieldVal is every kind's zero value: 0.0 has all bits clear.
	return &World{c: c, next: 1, globals: make([]fieldVal, len(s.Globals))}
}

// Schema returns the world's schema.
func (w *World) Schema() *Schema { return w.c.schema }

// Tick returns the current tick: the one changes are stamped with.
func (w *World) Tick() uint64 { return w.tick }

// BeginTick makes t the current tick. Ticks only go forward: t must be
// greater than the current tick, or BeginTick panics, because a change
// stamped with an already encoded tick would never reach any client.
func (w *World) BeginTick(t uint64) {
	if t <= w.tick {
		panic(fmt.Sprintf("game: BeginTick(%d) after tick %d", t, w.tick))
	}
	w.tick = t
}

// Spawn creates an entity of the given kind with all fields zero and
// returns its id. Its fields count as changed at the current tick.
func (w *World) Spawn(kind int) EntityID {
	if kind < 0 || kind >= len(w.c.kinds) {
		panic(fmt.Sprintf("game: Spawn of unknown kind %d", kind))
	}
	if w.next == math.MaxUint32 {
		panic("game: entity ids exhausted")
	}
	id := w.next
	e := &entity{kind: kind, vals: make([]fieldVal, len(w.c.kinds[kind]))}
	for i := range e.vals {
		e.vals[i].at = w.tick
		e.last |= 1 << i
	}
	if int(id>>pageBits) == len(w.pages) {
		w.pages = append(w.pages, w.newPage())
	}
	p := w.pages[id>>pageBits]
	p.ents[id&pageMask], p.stamps[id&pageMask] = e, w.tick
	p.live++
	w.next++
	w.live++
	return id
}

// Remove deletes an entity; removing a missing entity does nothing. Its id
// is never reused, so clients learn of the removal from the entity
// dropping out of their view.
func (w *World) Remove(id EntityID) {
	if w.get(id) == nil {
		return
	}
	i := id >> pageBits
	p := w.pages[i]
	p.ents[id&pageMask], p.stamps[id&pageMask] = nil, removedStamp
	p.live--
	w.live--
	if p.live == 0 && w.next > i<<pageBits|pageMask {
		// Every id of the page was handed out and is gone: none can come back.
		w.pages[i] = nil
		if w.spare == nil {
			w.spare = p
		}
	}
}

// Exists reports whether id is a live entity.
func (w *World) Exists(id EntityID) bool { return w.get(id) != nil }

// Kind returns the kind index of id, or -1 if it does not exist.
func (w *World) Kind(id EntityID) int {
	if e := w.get(id); e != nil {
		return e.kind
	}
	return -1
}

// Len returns the number of live entities.
func (w *World) Len() int { return w.live }

// Entities calls visit for every live entity in ascending id order.
func (w *World) Entities(visit func(EntityID)) {
	for i, p := range w.pages {
		if p == nil {
			continue
		}
		for j, e := range p.ents {
			if e != nil {
				visit(EntityID(i<<pageBits | j))
			}
		}
	}
}

// NormalizeView sorts view ascending, drops duplicates and ids that are not
// live, and returns the result (in place). AppendDelta and ViewHash need
// views in this form; Game.View may visit in any order.
func (w *World) NormalizeView(view []EntityID) []EntityID {
	// A mode that visits in id order (the arena does) costs one pass, not a sort.
	for i := 1; i < len(view); i++ {
		if view[i] <= view[i-1] {
			slices.Sort(view)
			break
		}
	}
	out := view[:0]
	for i, id := range view {
		if (i > 0 && id == view[i-1]) || w.get(id) == nil {
			continue
		}
		out = append(out, id)
	}
	return out
}

func (w *World) get(id EntityID) *entity {
	if p := w.page(id); p != nil {
		return p.ents[id&pageMask]
	}
	return nil
}

// page returns the page of id, nil if none is kept for it.
func (w *World) page(id EntityID) *entPage {
	if i := int(id >> pageBits); i < len(w.pages) {
		return w.pages[i]
	}
	return nil
}

// removedStamp is the stamp of an id that is not live: after every
// baseline, so a delta looks at the entity and finds it gone.
const removedStamp = math.MaxUint64

// field returns the entity and field slot for a write, checking the type.
func (w *World) field(id EntityID, f int, want FieldKind) (*entity, *fieldVal, Field) {
	e := w.get(id)
	if e == nil {
		panic(fmt.Sprintf("game: no entity %d", id))
	}
	fs := w.c.schema.Kinds[e.kind].Fields
	if f < 0 || f >= len(fs) || fs[f].Kind != want {
		panic(fmt.Sprintf("game: entity %d (kind %q) has no %v field %d", id, w.c.schema.Kinds[e.kind].Name, want, f))
	}
	return e, &e.vals[f], fs[f]
}

func (w *World) set(id EntityID, e *entity, f int, n uint64) {
	if v := &e.vals[f]; v.n != n {
		v.n = n
		w.touch(id, e, f)
	}
}

// touch stamps field f of entity id (e) as changed at the current tick.
func (w *World) touch(id EntityID, e *entity, f int) {
	e.vals[f].at = w.tick
	if st := &w.pages[id>>pageBits].stamps[id&pageMask]; *st != w.tick {
		// Every field not changed at this tick last changed at or before *st.
		e.older, e.last = *st, 0
		*st = w.tick
	}
	e.last |= 1 << f
}

// SetInt sets int field f of entity id.
func (w *World) SetInt(id EntityID, f int, x int64) {
	e, _, _ := w.field(id, f, KindInt)
	w.set(id, e, f, uint64(x))
}

// SetFloat sets float field f of entity id. For a quantized field only a
// change of round(x/Quantum) is a change.
func (w *World) SetFloat(id EntityID, f int, x float64) {
	e, v, fd := w.field(id, f, KindFloat)
	v.f = x
	w.set(id, e, f, floatWire(fd, x))
}

// SetBool sets bool field f of entity id.
func (w *World) SetBool(id EntityID, f int, x bool) {
	e, _, _ := w.field(id, f, KindBool)
	w.set(id, e, f, boolWire(x))
}

// SetString sets string field f of entity id.
func (w *World) SetString(id EntityID, f int, x string) {
	e, v, _ := w.field(id, f, KindString)
	if v.s != x {
		v.s = x
		w.touch(id, e, f)
	}
}

func floatWire(fd Field, x float64) uint64 {
	if fd.Quantum > 0 {
		return uint64(quantize(x, fd.Quantum))
	}
	return math.Float64bits(x)
}

func boolWire(x bool) uint64 {
	if x {
		return 1
	}
	return 0
}

// read returns field f of id if it exists and has kind want.
func (w *World) read(id EntityID, f int, want FieldKind) *fieldVal {
	e := w.get(id)
	if e == nil {
		return nil
	}
	fs := w.c.schema.Kinds[e.kind].Fields
	if f < 0 || f >= len(fs) || fs[f].Kind != want {
		panic(fmt.Sprintf("game: entity %d (kind %q) has no %v field %d", id, w.c.schema.Kinds[e.kind].Name, want, f))
	}
	return &e.vals[f]
}

// Int returns int field f of entity id.
func (w *World) Int(id EntityID, f int) int64 {
	if v := w.read(id, f, KindInt); v != nil {
		return int64(v.n)
	}
	return 0
}

// Float returns float field f of entity id exactly as last set (not
// quantized: clients see the quantized value).
func (w *World) Float(id EntityID, f int) float64 {
	v := w.read(id, f, KindFloat)
	if v == nil {
		return 0
	}
	if w.c.kinds[w.get(id).kind][f] == codecF64 {
		return math.Float64frombits(v.n)
	}
	return v.f
}

// Bool returns bool field f of entity id.
func (w *World) Bool(id EntityID, f int) bool {
	if v := w.read(id, f, KindBool); v != nil {
		return v.n != 0
	}
	return false
}

// String returns string field f of entity id.
func (w *World) String(id EntityID, f int) string {
	if v := w.read(id, f, KindString); v != nil {
		return v.s
	}
	return ""
}

// global returns global slot g, checking the type.
func (w *World) global(g int, want FieldKind) (*fieldVal, Field) {
	gs := w.c.schema.Globals
	if g < 0 || g >= len(gs) || gs[g].Kind != want {
		panic(fmt.Sprintf("game: no %v global %d", want, g))
	}
	return &w.globals[g], gs[g]
}

func (w *World) setGlobal(v *fieldVal, n uint64) {
	if v.n != n {
		v.n = n
		v.at = w.tick
		w.globalsChanged = w.tick
	}
}

// SetGlobalInt sets int global g.
func (w *World) SetGlobalInt(g int, x int64) {
	v, _ := w.global(g, KindInt)
	w.setGlobal(v, uint64(x))
}

// SetGlobalFloat sets float global g (quantized like entity fields).
func (w *World) SetGlobalFloat(g int, x float64) {
	v, fd := w.global(g, KindFloat)
	v.f = x
	w.setGlobal(v, floatWire(fd, x))
}

// SetGlobalBool sets bool global g.
func (w *World) SetGlobalBool(g int, x bool) {
	v, _ := w.global(g, KindBool)
	w.setGlobal(v, boolWire(x))
}

// SetGlobalString sets string global g.
func (w *World) SetGlobalString(g int, x string) {
	v, _ := w.global(g, KindString)
	if v.s != x {
		v.s = x
		v.at = w.tick
		w.globalsChanged = w.tick
	}
}

// GlobalInt returns int global g.
func (w *World) GlobalInt(g int) int64 {
	v, _ := w.global(g, KindInt)
	return int64(v.n)
}

// GlobalFloat returns float global g exactly as last set.
func (w *World) GlobalFloat(g int) float64 {
	v, fd := w.global(g, KindFloat)
	if fd.Quantum > 0 {
		return v.f
	}
	return math.Float64frombits(v.n)
}

// GlobalBool returns bool global g.
func (w *World) GlobalBool(g int) bool {
	v, _ := w.global(g, KindBool)
	return v.n != 0
}

// GlobalString returns string global g.
func (w *World) GlobalString(g int) string {
	v, _ := w.global(g, KindString)
	return v.s
}
