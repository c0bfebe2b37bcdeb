package mpwire

import (
	"encoding/binary"
	"errors"
	"math"
)

// Errors of ReadHead, Skip and SkipN. They carry no position: callers wrap
// them, or map them onto their own errors, where they know what was read.
var (
	// ErrTruncated: the bytes end inside a value, or a header claims more
	// payload or elements than the bytes left can hold.
	ErrTruncated = errors.New("mpwire: value truncated")
	// ErrReserved: the code 0xc1, which msgpack never uses.
	ErrReserved = errors.New("mpwire: reserved code 0xc1")
	// ErrTooDeep: Skip met arrays and maps nested deeper than it was allowed.
	ErrTooDeep = errors.New("mpwire: nesting too deep")
)

// Kind is the class of a msgpack value.
type Kind uint8

// The kinds. An integer is Uint when it is not negative, whatever encoding
// carried it, and Int only when it is negative.
const (
	Nil   Kind = iota
	Bool       // V is 0 or 1
	Uint       // V is the value
	Int        // V holds the (negative) int64's bits
	Float      // V holds float64 bits; a float32 is widened
	Str        // N payload bytes follow the header
	Bin        // N payload bytes follow the header
	Ext        // N payload bytes follow the header; V holds the ext type (see ExtType)
	Array      // N values follow the header
	Map        // N key and value pairs follow the header
)

var kindNames = [...]string{"nil", "bool", "uint", "int", "float", "str", "bin", "ext", "array", "map"}

// String returns the kind's lower-case name, for messages.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "invalid"
}

// Head is one decoded msgpack header. It is returned by value for every
// value read, so it keeps to four fields: the compiler holds such a struct
// in registers, where a fifth field would send it through memory.
type Head struct {
	Kind Kind
	Code byte   // the header's first byte: tells a fixext from an ext, a float32 from a float64
	N    int    // Str, Bin, Ext: payload length; Array: element count; Map: entry count
	V    uint64 // a scalar's value or an Ext's type, as the kinds say
}

// Bool is a Bool's value.
func (h Head) Bool() bool { return h.V != 0 }

// Uint is a Uint's value.
func (h Head) Uint() uint64 { return h.V }

// Int is an Int's value (or a Uint's below 2^63).
func (h Head) Int() int64 { return int64(h.V) }

// Float is a Float's value.
func (h Head) Float() float64 { return math.Float64frombits(h.V) }

// ExtType is an Ext's type.
func (h Head) ExtType() int8 { return int8(h.V) }

// fits reports whether the payload or the elements h claims can lie in rest
// bytes: every element takes a byte at least, every map entry two. The
// unsigned compare also refuses a 32-bit length that overflowed int.
func (h Head) fits(rest int) bool {
	if h.Kind == Map {
		return uint(h.N) <= uint(rest/2)
	}
	return uint(h.N) <= uint(rest)
}

// ReadHead decodes the header at b[i:] and returns the index just after it
// (for Str, Bin and Ext, where the payload starts). Errors are ErrTruncated
// and ErrReserved. A returned N always fits in what remains of b (see the
// package documentation), so b[next:next+h.N] is safe.
func ReadHead(b []byte, i int) (h Head, next int, err error) {
	if uint(i) >= uint(len(b)) {
		return h, i, ErrTruncated
	}
	c := b[i]
	h.Code = c
	i++
	// The fixed forms first: they are most of any real payload.
	switch {
	case c <= 0x7f:
		h.Kind, h.V = Uint, uint64(c)
		return h, i, nil
	case c >= 0xe0:
		h.Kind, h.V = Int, uint64(int64(int8(c)))
		return h, i, nil
	case c <= 0x8f:
		h.Kind, h.N = Map, int(c&0x0f)
	case c <= 0x9f:
		h.Kind, h.N = Array, int(c&0x0f)
	case c <= 0xbf:
		h.Kind, h.N = Str, int(c&0x1f)
	default:
		return readLong(b, i, h)
	}
	if !h.fits(len(b) - i) {
		return h, i, ErrTruncated
	}
	return h, i, nil
}

// readLong decodes the headers with codes 0xc0..0xdf; i is just after the code.
func readLong(b []byte, i int, h Head) (Head, int, error) {
	c := h.Code
	w := 0 // bytes of the length field after the code
	switch c {
	case 0xc0:
		h.Kind = Nil
		return h, i, nil
	case 0xc2, 0xc3:
		h.Kind, h.V = Bool, uint64(c&1)
		return h, i, nil
	case 0xca:
		if len(b)-i < 4 {
			return h, i, ErrTruncated
		}
		h.Kind, h.V = Float, math.Float64bits(float64(math.Float32frombits(binary.BigEndian.Uint32(b[i:]))))
		return h, i + 4, nil
	case 0xcb:
		if len(b)-i < 8 {
			return h, i, ErrTruncated
		}
		h.Kind, h.V = Float, binary.BigEndian.Uint64(b[i:])
		return h, i + 8, nil
	case 0xcc, 0xcd, 0xce, 0xcf:
		w := 1 << (c - 0xcc)
		if len(b)-i < w {
			return h, i, ErrTruncated
		}
		h.Kind, h.V = Uint, uintBE(b[i:], w)
		return h, i + w, nil
	case 0xd0, 0xd1, 0xd2, 0xd3:
		w := 1 << (c - 0xd0)
		if len(b)-i < w {
			return h, i, ErrTruncated
		}
		shift := 64 - 8*w
		v := int64(uintBE(b[i:], w)<<shift) >> shift // sign-extend
		h.Kind, h.V = Int, uint64(v)
		if v >= 0 {
			h.Kind = Uint
		}
		return h, i + w, nil
	case 0xc4, 0xc5, 0xc6:
		h.Kind, w = Bin, 1<<(c-0xc4)
	case 0xc7, 0xc8, 0xc9: // ext 8/16/32: the length, then the type
		h.Kind, w = Ext, 1<<(c-0xc7)
	case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8: // fixext 1..16: the type only
		h.Kind, h.N = Ext, 1<<(c-0xd4)
	case 0xd9, 0xda, 0xdb:
		h.Kind, w = Str, 1<<(c-0xd9)
	case 0xdc, 0xdd:
		h.Kind, w = Array, 2<<(c-0xdc)
	case 0xde, 0xdf:
		h.Kind, w = Map, 2<<(c-0xde)
	default: // 0xc1
		return h, i, ErrReserved
	}
	if w > 0 {
		if len(b)-i < w {
			return h, i, ErrTruncated
		}
		h.N = int(uintBE(b[i:], w)) // w <= 4: on 32-bit platforms it may turn negative, which fits refuses
		i += w
	}
	if h.Kind == Ext {
		if i >= len(b) {
			return h, i, ErrTruncated
		}
		h.V = uint64(b[i])
		i++
	}
	if !h.fits(len(b) - i) {
		return h, i, ErrTruncated
	}
	return h, i, nil
}

// uintBE reads a big-endian unsigned integer of w = 1, 2, 4 or 8 bytes.
func uintBE(b []byte, w int) uint64 {
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
