package game

import (
	"encoding/binary"
	"fmt"
	"math"
)

// InputMap reads the payload Game.DecodeInput gets, a msgpack map, one field
// at a time without allocating: a mode's inputs arrive tens of times a second
// per player, on the connection's reader. Keys must be strings; a value the
// caller does not read is skipped by the next Next.
//
//	m, err := game.NewInputMap(raw)
//	for err == nil && m.Next() {
//		switch string(m.Key()) {
//		case "x":
//			in.X, err = m.Number()
//		case "boost":
//			in.Boost, err = m.Bool()
//		}
//	}
//	if err == nil {
//		err = m.Err()
//	}
//
// Every error wraps ErrBadInput.
type InputMap struct {
	b       []byte
	i       int    // next byte to read
	left    int    // entries not yet reached
	key     []byte // the current entry's key
	pending bool   // the current entry's value has not been read
	err     error
}

// NewInputMap starts reading raw, which must hold one msgpack map.
func NewInputMap(raw []byte) (InputMap, error) {
	m := InputMap{b: raw}
	h, err := m.head()
	if err != nil {
		return InputMap{}, err
	}
	if h.kind != mpMap {
		return InputMap{}, fmt.Errorf("%w: not a map", ErrBadInput)
	}
	m.left = h.n
	return m, nil
}

// Next moves to the next entry, skipping the value of the current one if it
// was not read; false at the end of the map or on an error (see Err).
func (m *InputMap) Next() bool {
	if m.err != nil {
		return false
	}
	if m.pending {
		if m.err = m.skip(1); m.err != nil {
			return false
		}
	}
	if m.left == 0 {
		return false
	}
	m.left--
	h, err := m.head()
	if err == nil && h.kind != mpStr {
		err = fmt.Errorf("%w: non-string key", ErrBadInput)
	}
	if err != nil {
		m.err = err
		return false
	}
	m.key = m.b[m.i : m.i+h.n]
	m.i += h.n
	m.pending = true
	return true
}

// Key is the current entry's key; it aliases the payload.
func (m *InputMap) Key() []byte { return m.key }

// Err is the error that ended Next early, or nil.
func (m *InputMap) Err() error { return m.err }

// Number reads the current value as a number: any msgpack integer or float;
// nil reads as 0 (absent). Other types, NaN and infinities are errors.
func (m *InputMap) Number() (float64, error) {
	h, err := m.value()
	if err != nil {
		return 0, err
	}
	switch h.kind {
	case mpNil:
		return 0, nil
	case mpUint:
		return float64(h.v), nil
	case mpInt:
		return float64(int64(h.v)), nil
	case mpFloat:
		f := math.Float64frombits(h.v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, m.fail("%v is not finite", f)
		}
		return f, nil
	}
	return 0, m.fail("not a number")
}

// Bool reads the current value as a bool; nil reads as false (absent).
func (m *InputMap) Bool() (bool, error) {
	h, err := m.value()
	if err != nil {
		return false, err
	}
	switch h.kind {
	case mpNil:
		return false, nil
	case mpBool:
		return h.v != 0, nil
	}
	return false, m.fail("not a bool")
}

// value reads the header of the current entry's value, once.
func (m *InputMap) value() (mpHead, error) {
	if m.err != nil {
		return mpHead{}, m.err
	}
	if !m.pending {
		return mpHead{}, m.fail("no value to read")
	}
	m.pending = false
	h, err := m.head()
	if err != nil {
		m.err = err
		return h, err
	}
	// A value read as a number or bool that is something else still has to be passed.
	switch h.kind {
	case mpStr, mpBin, mpExt:
		m.i += h.n
	case mpArray:
		err = m.skip(h.n)
	case mpMap:
		err = m.skip(2 * h.n)
	}
	if err != nil {
		m.err = err
	}
	return h, err
}

func (m *InputMap) fail(format string, args ...any) error {
	if m.key != nil { // the key comes from the payload: an argument, never part of the format
		return fmt.Errorf("%w: %s: "+format, append([]any{ErrBadInput, m.key}, args...)...)
	}
	return fmt.Errorf("%w: "+format, append([]any{ErrBadInput}, args...)...)
}

// skip passes n values, nested ones included, without recursion: each array
// or map adds its elements to the count.
func (m *InputMap) skip(n int) error {
	for ; n > 0; n-- {
		if n > len(m.b)-m.i { // every value takes a byte at least
			return errTruncatedInput
		}
		h, err := m.head()
		if err != nil {
			return err
		}
		switch h.kind {
		case mpStr, mpBin, mpExt:
			m.i += h.n
		case mpArray:
			n += h.n
		case mpMap:
			n += 2 * h.n
		}
	}
	return nil
}

type mpKind uint8

const (
	mpNil mpKind = iota
	mpBool
	mpUint
	mpInt
	mpFloat
	mpStr
	mpBin
	mpExt
	mpArray
	mpMap
)

// mpHead is a msgpack header: a scalar's value (v) or the payload length or
// element count (n).
type mpHead struct {
	kind mpKind
	n    int
	v    uint64
}

var errTruncatedInput = fmt.Errorf("%w: truncated", ErrBadInput)

// head reads the header at m.i and moves past it. A payload length is checked
// against the bytes left, so callers may slice by it.
func (m *InputMap) head() (mpHead, error) {
	b, i := m.b, m.i
	if i >= len(b) {
		return mpHead{}, errTruncatedInput
	}
	c := b[i]
	i++
	var h mpHead
	// fixed-width fields after the code byte: w bytes of length or value
	w := 0
	switch {
	case c <= 0x7f:
		h = mpHead{kind: mpUint, v: uint64(c)}
	case c <= 0x8f:
		h = mpHead{kind: mpMap, n: int(c & 0x0f)}
	case c <= 0x9f:
		h = mpHead{kind: mpArray, n: int(c & 0x0f)}
	case c <= 0xbf:
		h = mpHead{kind: mpStr, n: int(c & 0x1f)}
	case c >= 0xe0:
		h = mpHead{kind: mpInt, v: uint64(int64(int8(c)))}
	case c == 0xc0:
		h.kind = mpNil
	case c == 0xc2, c == 0xc3:
		h = mpHead{kind: mpBool, v: uint64(c & 1)}
	case c >= 0xc4 && c <= 0xc6: // bin 8/16/32
		h.kind, w = mpBin, 1<<(c-0xc4)
	case c >= 0xc7 && c <= 0xc9: // ext 8/16/32: length, then the type byte
		h.kind, w = mpExt, 1<<(c-0xc7)
	case c == 0xca:
		h.kind, w = mpFloat, 4
	case c == 0xcb:
		h.kind, w = mpFloat, 8
	case c >= 0xcc && c <= 0xcf:
		h.kind, w = mpUint, 1<<(c-0xcc)
	case c >= 0xd0 && c <= 0xd3:
		h.kind, w = mpInt, 1<<(c-0xd0)
	case c >= 0xd4 && c <= 0xd8: // fixext 1..16, plus the type byte
		h = mpHead{kind: mpExt, n: 1 + 1<<(c-0xd4)}
	case c >= 0xd9 && c <= 0xdb:
		h.kind, w = mpStr, 1<<(c-0xd9)
	case c == 0xdc, c == 0xdd:
		h.kind, w = mpArray, 2<<(c-0xdc)
	case c == 0xde, c == 0xdf:
		h.kind, w = mpMap, 2<<(c-0xde)
	default: // 0xc1, never used
		return mpHead{}, fmt.Errorf("%w: invalid msgpack code %#x", ErrBadInput, c)
	}
	if w > 0 {
		if w > len(b)-i {
			return mpHead{}, errTruncatedInput
		}
		x := readBE(b[i:], w)
		i += w
		switch h.kind {
		case mpUint:
			h.v = x
		case mpInt:
			h.v = uint64(signExtend(x, w))
		case mpFloat:
			h.v = x
			if w == 4 {
				h.v = math.Float64bits(float64(math.Float32frombits(uint32(x))))
			}
		case mpExt:
			h.n = int(x) + 1 // the type byte
		default:
			h.n = int(x)
		}
	}
	if h.n < 0 || h.n > len(b)-i {
		return mpHead{}, errTruncatedInput
	}
	m.i = i
	return h, nil
}

// readBE reads a big-endian unsigned integer of w = 1, 2, 4 or 8 bytes.
func readBE(b []byte, w int) uint64 {
	switch w {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(binary.BigEndian.Uint16(b))
	case 4:
		return uint64(binary.BigEndian.Uint32(b))
	}
	return binary.BigEndian.Uint64(b)
}

func signExtend(x uint64, w int) int64 {
	shift := 64 - 8*w
	return int64(x<<shift) >> shift
}
