package game

import (
	"encoding/binary"
	"math"
)

// AppendDelta appends to dst the entity section of a snapshot that takes a
// client from its baseline to the current state of the world as seen
// through curView, and returns the extended slice.
//
// baseTick is the tick of the baseline snapshot and baseView the view the
// client held then; baseTick 0 means a full state (baseView is ignored and
// the client clears its mirror first). Both views must be ascending without
// duplicates (World.NormalizeView); ids in curView that are not live are
// treated as out of view. baseView must be exactly the ids the client
// holds, that is the curView of the baseline snapshot as normalized at its
// tick, because the section refers to held entities by their position in
// it.
//
// The section lists, in this order: the positions in baseView of the
// entities that are not in curView (removed from the world or gone out of
// view), one record per held entity changed after baseTick (its position
// and the changed fields), one record per entity that is new to the client
// (its id and every field), and the globals changed after baseTick. The
// byte layout is documented in docs/snapshot-format.md. The cost is
// O(len(baseView) + len(curView) + bytes written); nothing is allocated
// when dst has room.
func (w *World) AppendDelta(dst []byte, baseTick uint64, baseView, curView []EntityID) []byte {
	if baseTick == 0 {
		baseView = nil
	}
	// A flags byte says which of the four parts follow; an empty part is not written (a
	// typical delta has no removals, creates or globals: 1 byte where zeros cost 3).
	at := len(dst)
	dst = append(dst, 0)
	var flags byte
	var ok bool
	if dst, ok = w.appendRemoved(dst, baseView, curView); ok {
		flags |= hasRemoved
	}
	if dst, ok = w.appendUpdated(dst, baseTick, baseView, curView); ok {
		flags |= hasUpdated
	}
	if dst, ok = w.appendCreated(dst, baseView, curView); ok {
		flags |= hasCreated
	}
	if dst, ok = w.appendGlobals(dst, baseTick); ok {
		flags |= hasGlobals
	}
	dst[at] = flags
	return dst
}

// The bits of a section's flags byte: which parts follow.
const (
	hasRemoved byte = 1 << iota
	hasUpdated
	hasCreated
	hasGlobals
	sectionFlags = hasRemoved | hasUpdated | hasCreated | hasGlobals
)

// inView reports whether id is in the ascending view, advancing *i past
// ids below it; successive calls must ask ascending ids.
func inView(view []EntityID, i *int, id EntityID) bool {
	for *i < len(view) && view[*i] < id {
		*i++
	}
	return *i < len(view) && view[*i] == id
}

// kept reports whether the held entity id stays with the client: still in
// the world and in curView. Successive calls must ask ascending ids.
func (w *World) kept(curView []EntityID, j *int, id EntityID) bool {
	return inView(curView, j, id) && w.get(id) != nil
}

// appendRemoved writes the positions in baseView of the held entities that
// are not kept, as gaps (pos - prevPos - 1, prevPos starting at -1).
func (w *World) appendRemoved(dst []byte, baseView, curView []EntityID) ([]byte, bool) {
	n, j := 0, 0
	for _, id := range baseView {
		if !w.kept(curView, &j, id) {
			n++
		}
	}
	if n == 0 {
		return dst, false
	}
	dst = binary.AppendUvarint(dst, uint64(n))
	prev, j := -1, 0
	for pos, id := range baseView {
		if !w.kept(curView, &j, id) {
			dst = binary.AppendUvarint(dst, uint64(pos-prev-1))
			prev = pos
		}
	}
	return dst, true
}

// changedMask returns the fields of e whose wire value changed after
// baseTick, bit i for field i.
func changedMask(e *entity, baseTick uint64) uint64 {
	if e.changed <= baseTick {
		return 0
	}
	var mask uint64
	for f := range e.vals {
		if e.vals[f].at > baseTick {
			mask |= 1 << f
		}
	}
	return mask
}

// appendUpdated writes one record per kept entity with a field changed
// after baseTick: its position in baseView as a gap (as for removed, with
// its own running position), the field mask and the changed values.
func (w *World) appendUpdated(dst []byte, baseTick uint64, baseView, curView []EntityID) ([]byte, bool) {
	n, j := 0, 0
	for _, id := range baseView {
		if w.kept(curView, &j, id) && changedMask(w.get(id), baseTick) != 0 {
			n++
		}
	}
	if n == 0 {
		return dst, false
	}
	dst = binary.AppendUvarint(dst, uint64(n))
	prev, j := -1, 0
	var prevMask uint64 // 0: no update yet (a mask is never 0)
	for pos, id := range baseView {
		if !w.kept(curView, &j, id) {
			continue
		}
		e := w.get(id)
		mask := changedMask(e, baseTick)
		if mask == 0 {
			continue
		}
		// head = gap << 1 | same: same says the mask is the previous update's, and
		// then it is not written (moving entities change the same fields tick after
		// tick: one byte per update instead of two).
		gap := uint64(pos - prev - 1)
		prev = pos
		if mask == prevMask {
			dst = binary.AppendUvarint(dst, gap<<1|1)
		} else {
			dst = binary.AppendUvarint(dst, gap<<1)
			dst = binary.AppendUvarint(dst, mask)
			prevMask = mask
		}
		codecs := w.c.kinds[e.kind]
		for f := range e.vals {
			if mask&(1<<f) != 0 {
				dst = appendValue(dst, codecs[f], &e.vals[f])
			}
		}
	}
	return dst, true
}

// appendCreated writes one record per live entity of curView that is not
// in baseView: its id as a delta (from 0, then from the previous created
// id), its kind and every field.
func (w *World) appendCreated(dst []byte, baseView, curView []EntityID) ([]byte, bool) {
	n, i := 0, 0
	for _, id := range curView {
		if !inView(baseView, &i, id) && w.get(id) != nil {
			n++
		}
	}
	if n == 0 {
		return dst, false
	}
	dst = binary.AppendUvarint(dst, uint64(n))
	prev, i := EntityID(0), 0
	for _, id := range curView {
		e := w.get(id)
		if inView(baseView, &i, id) || e == nil {
			continue
		}
		dst = binary.AppendUvarint(dst, uint64(id-prev))
		prev = id
		dst = binary.AppendUvarint(dst, uint64(e.kind))
		codecs := w.c.kinds[e.kind]
		for f := range e.vals {
			dst = appendValue(dst, codecs[f], &e.vals[f])
		}
	}
	return dst, true
}

func (w *World) appendGlobals(dst []byte, baseTick uint64) ([]byte, bool) {
	if baseTick != 0 && w.globalsChanged <= baseTick {
		return dst, false
	}
	var mask uint64
	for g := range w.globals {
		if baseTick == 0 || w.globals[g].at > baseTick {
			mask |= 1 << g
		}
	}
	if mask == 0 {
		return dst, false
	}
	dst = binary.AppendUvarint(dst, mask)
	for g := range w.globals {
		if mask&(1<<g) != 0 {
			dst = appendValue(dst, w.c.globals[g], &w.globals[g])
		}
	}
	return dst, true
}

func appendValue(dst []byte, c codec, v *fieldVal) []byte {
	switch c {
	case codecVarint:
		return binary.AppendVarint(dst, int64(v.n))
	case codecF64:
		return binary.LittleEndian.AppendUint64(dst, v.n)
	case codecBool:
		return append(dst, byte(v.n))
	default:
		dst = binary.AppendUvarint(dst, uint64(len(v.s)))
		return append(dst, v.s...)
	}
}

// FNV-1a, 32 bits.
const (
	fnvOffset32 = 2166136261
	fnvPrime32  = 16777619
)

type hasher uint32

func (h *hasher) bytes(b []byte) {
	x := *h
	for _, c := range b {
		x ^= hasher(c)
		x *= fnvPrime32
	}
	*h = x
}

func (h *hasher) byte1(c byte) {
	*h ^= hasher(c)
	*h *= fnvPrime32
}

func (h *hasher) u32(v uint32) {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], v)
	h.bytes(b[:])
}

func (h *hasher) u64(v uint64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	h.bytes(b[:])
}

func (h *hasher) value(c codec, n uint64, s string) {
	switch c {
	case codecVarint, codecF64:
		h.u64(n)
	case codecBool:
		h.byte1(byte(n))
	default:
		if len(s) > math.MaxUint32 {
			s = s[:math.MaxUint32]
		}
		h.u32(uint32(len(s)))
		for i := 0; i < len(s); i++ {
			h.byte1(s[i])
		}
	}
}

func (h *hasher) entity(id EntityID, kind int, codecs []codec, vals []fieldVal) {
	h.u32(uint32(id))
	h.byte1(byte(kind))
	for f, c := range codecs {
		h.value(c, vals[f].n, vals[f].s)
	}
}

func (h *hasher) globals(codecs []codec, vals []fieldVal) {
	h.byte1(0xFF)
	for g, c := range codecs {
		h.value(c, vals[g].n, vals[g].s)
	}
}

// ViewHash returns the 32-bit hash of what a client holding view (ascending,
// as for AppendDelta; ids not live are skipped) sees: FNV-1a over the
// view's entities and the globals, exactly as Mirror.Hash computes it on
// the client side. The definition is in docs/snapshot-format.md.
func (w *World) ViewHash(view []EntityID) uint32 {
	h := hasher(fnvOffset32)
	for _, id := range view {
		if e := w.get(id); e != nil {
			h.entity(id, e.kind, w.c.kinds[e.kind], e.vals)
		}
	}
	h.globals(w.c.globals, w.globals)
	return uint32(h)
}

// Hash returns the view hash of the whole world (every live entity), the
// fingerprint replay tests compare tick by tick.
func (w *World) Hash() uint32 {
	h := hasher(fnvOffset32)
	for id, e := range w.ents {
		if e != nil {
			h.entity(EntityID(id), e.kind, w.c.kinds[e.kind], e.vals)
		}
	}
	h.globals(w.c.globals, w.globals)
	return uint32(h)
}
