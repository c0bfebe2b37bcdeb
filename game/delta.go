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
// byte layout is documented in docs/snapshot-format.md. The cost is one
// merge of the two views plus the bytes written; nothing is allocated when
// dst has room (the world keeps the lists of one delta for the next).
func (w *World) AppendDelta(dst []byte, baseTick uint64, baseView, curView []EntityID) []byte {
	if baseTick == 0 {
		baseView = nil
	}
	d := w.classify(baseTick, baseView, curView)
	// A flags byte says which of the four parts follow; an empty part is not written (a
	// typical delta has no removals, creates or globals: 1 byte where zeros cost 3).
	at := len(dst)
	dst = append(dst, 0)
	var flags byte
	if len(d.removed) > 0 {
		flags |= hasRemoved
		dst = appendRemoved(dst, d.removed)
	}
	if len(d.updated) > 0 {
		flags |= hasUpdated
		dst = w.appendUpdated(dst, d.updated)
	}
	if len(d.created) > 0 {
		flags |= hasCreated
		dst = w.appendCreated(dst, d.created)
	}
	var ok bool
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

// deltaLists is what one delta sends, sorted into its parts by classify.
// The world keeps it between deltas so that its slices are reused.
type deltaLists struct {
	removed []int // positions in baseView of the held entities not kept
	updated []update
	created []EntityID // live ids of curView not held, ascending
}

// update is one held entity with fields changed after the baseline.
type update struct {
	pos  int // in baseView
	e    *entity
	mask uint64
}

// classify merges the two ascending views once: a held entity that is no
// longer live or in curView is removed, one kept with a change after
// baseTick is updated, a live one of curView not held is created.
func (w *World) classify(baseTick uint64, baseView, curView []EntityID) *deltaLists {
	d := &w.delta
	d.removed, d.updated, d.created = d.removed[:0], d.updated[:0], d.created[:0]
	i, j := 0, 0
	for i < len(baseView) && j < len(curView) {
		switch b, c := baseView[i], curView[j]; {
		case b < c: // out of view
			d.removed = append(d.removed, i)
			i++
		case c < b:
			if w.get(c) != nil {
				d.created = append(d.created, c)
			}
			j++
		default:
			// Most held entities are unchanged: their stamp alone says so.
			if p := w.page(b); p == nil {
				d.removed = append(d.removed, i) // its page went with its last entity
			} else if p.stamps[b&pageMask] > baseTick {
				if e := p.ents[b&pageMask]; e == nil {
					d.removed = append(d.removed, i)
				} else if mask := changedMask(e, baseTick); mask != 0 {
					// A kind without fields has a change time and no mask: nothing to send.
					d.updated = append(d.updated, update{pos: i, e: e, mask: mask})
				}
			}
			i++
			j++
		}
	}
	for ; i < len(baseView); i++ {
		d.removed = append(d.removed, i)
	}
	for ; j < len(curView); j++ {
		if c := curView[j]; w.get(c) != nil {
			d.created = append(d.created, c)
		}
	}
	return d
}

// appendRemoved writes the positions in baseView of the held entities that
// are not kept, as gaps (pos - prevPos - 1, prevPos starting at -1).
func appendRemoved(dst []byte, removed []int) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(removed)))
	prev := -1
	for _, pos := range removed {
		dst = binary.AppendUvarint(dst, uint64(pos-prev-1))
		prev = pos
	}
	return dst
}

// changedMask returns the fields of e whose wire value changed after
// baseTick, bit i for field i; e's stamp is after baseTick.
func changedMask(e *entity, baseTick uint64) uint64 {
	if e.older <= baseTick {
		return e.last
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
func (w *World) appendUpdated(dst []byte, updated []update) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(updated)))
	prev := -1
	var prevMask uint64 // 0: no update yet (a mask is never 0)
	for _, u := range updated {
		// head = gap << 1 | same: same says the mask is the previous update's, and
		// then it is not written (moving entities change the same fields tick after
		// tick: one byte per update instead of two).
		gap := uint64(u.pos - prev - 1)
		prev = u.pos
		if u.mask == prevMask {
			dst = binary.AppendUvarint(dst, gap<<1|1)
		} else {
			dst = binary.AppendUvarint(dst, gap<<1)
			dst = binary.AppendUvarint(dst, u.mask)
			prevMask = u.mask
		}
		codecs := w.c.kinds[u.e.kind]
		for f := range u.e.vals {
			if u.mask&(1<<f) != 0 {
				dst = appendValue(dst, codecs[f], &u.e.vals[f])
			}
		}
	}
	return dst
}

// appendCreated writes one record per entity new to the client: its id as
// a delta (from 0, then from the previous created id), its kind and every
// field.
func (w *World) appendCreated(dst []byte, created []EntityID) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(created)))
	prev := EntityID(0)
	for _, id := range created {
		e := w.get(id)
		dst = binary.AppendUvarint(dst, uint64(id-prev))
		prev = id
		dst = binary.AppendUvarint(dst, uint64(e.kind))
		codecs := w.c.kinds[e.kind]
		for f := range e.vals {
			dst = appendValue(dst, codecs[f], &e.vals[f])
		}
	}
	return dst
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
	for i, p := range w.pages {
		if p == nil {
			continue
		}
		for j, e := range p.ents {
			if e != nil {
				h.entity(EntityID(i<<pageBits|j), e.kind, w.c.kinds[e.kind], e.vals)
			}
		}
	}
	h.globals(w.c.globals, w.globals)
	return uint32(h)
}
