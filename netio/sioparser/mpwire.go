package sioparser

import (
	"encoding/binary"
	"math"
)

// kind is the class of a msgpack value as this package sees it.
type kind uint8

const (
	kNil kind = iota
	kBool
	kUint // non-negative integer, value in u
	kInt  // negative integer, value in i
	kFloat
	kStr // payload of n bytes follows the header
	kBin // payload of n bytes follows the header
	kExt // payload of n bytes follows the header; ext type in ext
	kArray
	kMap
)

// head is a decoded msgpack header, kept small because it is passed by
// value on every value.
type head struct {
	kind kind
	code byte // first byte, to tell fixext from ext
	ext  int8
	n    int    // payload length (str, bin, ext) or element count (array, map)
	v    uint64 // kBool: 0 or 1; kUint: value; kInt: int64 bits; kFloat: float64 bits
}

func (h head) bool() bool     { return h.v != 0 }
func (h head) uint() uint64   { return h.v }
func (h head) int() int64     { return int64(h.v) }
func (h head) float() float64 { return math.Float64frombits(h.v) }

var errTruncated = invalid("msgpack value truncated")

// readHead decodes the header at b[i:] and returns the index just after it.
// It guarantees that a str, bin or ext payload lies within b and that an
// array or map does not claim more elements than bytes remain, so callers
// never size anything from an unchecked count.
func readHead(b []byte, i int) (h head, next int, err error) {
	if i >= len(b) {
		return h, i, errTruncated
	}
	c := b[i]
	h.code = c
	i++
	rest := len(b) - i
	switch {
	case c <= 0x7f:
		h.kind, h.v = kUint, uint64(c)
		return h, i, nil
	case c <= 0x8f:
		h.kind, h.n = kMap, int(c&0x0f)
	case c <= 0x9f:
		h.kind, h.n = kArray, int(c&0x0f)
	case c <= 0xbf:
		h.kind, h.n = kStr, int(c&0x1f)
	case c >= 0xe0:
		h.kind, h.v = kInt, uint64(int64(int8(c)))
		return h, i, nil
	default:
		var err error
		h, i, err = readHeadLong(b, i, h)
		if err != nil {
			return h, i, err
		}
		rest = len(b) - i
	}
	switch h.kind {
	case kStr, kBin, kExt:
		if h.n > rest {
			return h, i, errTruncated
		}
	case kArray:
		if h.n > rest {
			return h, i, errTruncated
		}
	case kMap:
		if h.n > rest/2 {
			return h, i, errTruncated
		}
	}
	return h, i, nil
}

// need reports whether n more bytes are available at b[i:].
func need(b []byte, i, n int) bool { return n <= len(b)-i }

// readHeadLong decodes the headers with codes 0xc0..0xdf.
func readHeadLong(b []byte, i int, h head) (head, int, error) {
	c := h.code
	switch c {
	case 0xc0:
		h.kind = kNil
		return h, i, nil
	case 0xc2, 0xc3:
		h.kind = kBool
		if c == 0xc3 {
			h.v = 1
		}
		return h, i, nil
	case 0xc4, 0xc5, 0xc6:
		h.kind = kBin
		return readLen(b, i, h, 1<<(c-0xc4))
	case 0xd9, 0xda, 0xdb:
		h.kind = kStr
		return readLen(b, i, h, 1<<(c-0xd9))
	case 0xdc, 0xdd:
		h.kind = kArray
		return readLen(b, i, h, 2<<(c-0xdc))
	case 0xde, 0xdf:
		h.kind = kMap
		return readLen(b, i, h, 2<<(c-0xde))
	case 0xc7, 0xc8, 0xc9:
		h.kind = kExt
		h, i, err := readLen(b, i, h, 1<<(c-0xc7))
		if err != nil {
			return h, i, err
		}
		if !need(b, i, 1) {
			return h, i, errTruncated
		}
		h.ext = int8(b[i])
		return h, i + 1, nil
	case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8:
		if !need(b, i, 1) {
			return h, i, errTruncated
		}
		h.kind, h.ext, h.n = kExt, int8(b[i]), 1<<(c-0xd4)
		return h, i + 1, nil
	case 0xca:
		if !need(b, i, 4) {
			return h, i, errTruncated
		}
		h.kind, h.v = kFloat, math.Float64bits(float64(math.Float32frombits(binary.BigEndian.Uint32(b[i:]))))
		return h, i + 4, nil
	case 0xcb:
		if !need(b, i, 8) {
			return h, i, errTruncated
		}
		h.kind, h.v = kFloat, binary.BigEndian.Uint64(b[i:])
		return h, i + 8, nil
	case 0xcc, 0xcd, 0xce, 0xcf:
		w := 1 << (c - 0xcc)
		if !need(b, i, w) {
			return h, i, errTruncated
		}
		h.kind, h.v = kUint, readUint(b[i:], w)
		return h, i + w, nil
	case 0xd0, 0xd1, 0xd2, 0xd3:
		w := 1 << (c - 0xd0)
		if !need(b, i, w) {
			return h, i, errTruncated
		}
		u := readUint(b[i:], w)
		shift := 64 - 8*w
		v := int64(u<<shift) >> shift // sign-extend
		h.kind, h.v = kInt, uint64(v)
		if v >= 0 {
			h.kind = kUint
		}
		return h, i + w, nil
	}
	return h, i, invalid("msgpack: reserved byte 0xc1")
}

func readUint(b []byte, w int) uint64 {
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

func readLen(b []byte, i int, h head, w int) (head, int, error) {
	if !need(b, i, w) {
		return h, i, errTruncated
	}
	h.n = int(readUint(b[i:], w)) // w <= 4, fits in int on 64-bit and 32-bit alike
	if h.n < 0 {
		return h, i, errTruncated
	}
	return h, i + w, nil
}

// skipValue returns the index just after the well-formed msgpack value at
// b[i:]; depth is the nesting of that value.
func skipValue(b []byte, i, depth int) (int, error) {
	h, i, err := readHead(b, i)
	if err != nil {
		return i, err
	}
	switch h.kind {
	case kStr, kBin, kExt:
		return i + h.n, nil
	case kArray, kMap:
		if depth >= MaxDepth {
			return i, invalid("nesting too deep")
		}
		n := h.n
		if h.kind == kMap {
			n *= 2
		}
		for ; n > 0; n-- {
			if i, err = skipValue(b, i, depth+1); err != nil {
				return i, err
			}
		}
	}
	return i, nil
}

// Canonical writers. Their choice of widths is notepack.io's.

func appendUint(dst []byte, v uint64) []byte {
	switch {
	case v < 0x80:
		return append(dst, byte(v))
	case v < 0x100:
		return append(dst, 0xcc, byte(v))
	case v < 0x10000:
		return append(dst, 0xcd, byte(v>>8), byte(v))
	case v < 0x100000000:
		return append(dst, 0xce, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	}
	return binary.BigEndian.AppendUint64(append(dst, 0xcf), v)
}

func appendInt(dst []byte, v int64) []byte {
	switch {
	case v >= 0:
		return appendUint(dst, uint64(v))
	case v >= -0x20:
		return append(dst, byte(v))
	case v >= -0x80:
		return append(dst, 0xd0, byte(v))
	case v >= -0x8000:
		return append(dst, 0xd1, byte(v>>8), byte(v))
	case v >= -0x80000000:
		return append(dst, 0xd2, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	}
	return binary.BigEndian.AppendUint64(append(dst, 0xd3), uint64(v))
}

const (
	two63 = 9223372036854775808.0
	two64 = 18446744073709551616.0
)

// appendNumber writes f as notepack writes a JavaScript number: whole
// finite values as integers, the rest as float64. Whole values outside
// [-2^63, 2^64) stay float64 (notepack would wrap them).
func appendNumber(dst []byte, f float64) []byte {
	if f == math.Trunc(f) && !math.IsInf(f, 0) {
		if f >= 0 && f < two64 {
			return appendUint(dst, uint64(f))
		}
		if f < 0 && f >= -two63 {
			return appendInt(dst, int64(f))
		}
	}
	return binary.BigEndian.AppendUint64(append(dst, 0xcb), math.Float64bits(f))
}

func appendStrHeader(dst []byte, n int) []byte {
	switch {
	case n < 0x20:
		return append(dst, 0xa0|byte(n))
	case n < 0x100:
		return append(dst, 0xd9, byte(n))
	case n < 0x10000:
		return append(dst, 0xda, byte(n>>8), byte(n))
	}
	return append(dst, 0xdb, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

func appendBinHeader(dst []byte, n int) []byte {
	switch {
	case n < 0x100:
		return append(dst, 0xc4, byte(n))
	case n < 0x10000:
		return append(dst, 0xc5, byte(n>>8), byte(n))
	}
	return append(dst, 0xc6, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

func appendArrayHeader(dst []byte, n int) []byte {
	switch {
	case n < 0x10:
		return append(dst, 0x90|byte(n))
	case n < 0x10000:
		return append(dst, 0xdc, byte(n>>8), byte(n))
	}
	return append(dst, 0xdd, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

func appendMapHeader(dst []byte, n int) []byte {
	switch {
	case n < 0x10:
		return append(dst, 0x80|byte(n))
	case n < 0x10000:
		return append(dst, 0xde, byte(n>>8), byte(n))
	}
	return append(dst, 0xdf, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// appendStr writes s as a canonical str: invalid UTF-8 is replaced.
func appendStr(dst, s []byte) []byte {
	if validUTF8(s) {
		return append(appendStrHeader(dst, len(s)), s...)
	}
	dst = appendStrHeader(dst, fixedUTF8Len(s))
	return appendFixedUTF8(dst, s)
}
