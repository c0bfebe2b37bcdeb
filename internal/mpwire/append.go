package mpwire

import (
	"encoding/binary"
	"math"
)

// The appenders write the smallest encoding that holds the value, with the
// widths notepack.io picks (str 8 included), and return the extended dst.
// Lengths and counts must fit in 32 bits, as msgpack requires.

// AppendUint appends v as a positive fixint or uint 8/16/32/64.
func AppendUint(dst []byte, v uint64) []byte {
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

// AppendInt appends v: a non-negative v as AppendUint does, a negative one
// as a negative fixint or int 8/16/32/64.
func AppendInt(dst []byte, v int64) []byte {
	switch {
	case v >= 0:
		return AppendUint(dst, uint64(v))
	case v >= -0x20:
		return append(dst, byte(v))
	case v >= math.MinInt8:
		return append(dst, 0xd0, byte(v))
	case v >= math.MinInt16:
		return append(dst, 0xd1, byte(v>>8), byte(v))
	case v >= math.MinInt32:
		return append(dst, 0xd2, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	}
	return binary.BigEndian.AppendUint64(append(dst, 0xd3), uint64(v))
}

// AppendFloat64 appends f as a float 64, whatever its value.
func AppendFloat64(dst []byte, f float64) []byte {
	return binary.BigEndian.AppendUint64(append(dst, 0xcb), math.Float64bits(f))
}

// AppendStrHeader appends the header of a str of n bytes.
func AppendStrHeader(dst []byte, n int) []byte {
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

// AppendString appends s as a str. It does not check that s is UTF-8.
func AppendString(dst []byte, s string) []byte {
	return append(AppendStrHeader(dst, len(s)), s...)
}

// AppendBinHeader appends the header of a bin of n bytes.
func AppendBinHeader(dst []byte, n int) []byte {
	switch {
	case n < 0x100:
		return append(dst, 0xc4, byte(n))
	case n < 0x10000:
		return append(dst, 0xc5, byte(n>>8), byte(n))
	}
	return append(dst, 0xc6, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// AppendBin appends p as a bin.
func AppendBin(dst, p []byte) []byte {
	return append(AppendBinHeader(dst, len(p)), p...)
}

// AppendArrayHeader appends the header of an array of n elements.
func AppendArrayHeader(dst []byte, n int) []byte { return appendCount(dst, n, 0x90, 0xdc) }

// AppendMapHeader appends the header of a map of n entries.
func AppendMapHeader(dst []byte, n int) []byte { return appendCount(dst, n, 0x80, 0xde) }

// appendCount appends an array or map header: fix is the fixed form's code,
// code16 that of the 16-bit form, whose 32-bit form follows it.
func appendCount(dst []byte, n int, fix, code16 byte) []byte {
	switch {
	case n < 0x10:
		return append(dst, fix|byte(n))
	case n < 0x10000:
		return append(dst, code16, byte(n>>8), byte(n))
	}
	return append(dst, code16+1, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// AppendNumber writes f as notepack (socket.io-msgpack-parser) writes a
// JavaScript number: whole finite values as the smallest integer, the rest
// as float64. Whole values outside [-2^63, 2^64) stay float64 (notepack
// would wrap them). It is the canonical form of every number inside the
// server.
func AppendNumber(dst []byte, f float64) []byte {
	const two63, two64 = 1 << 63, 1 << 64
	if f == math.Trunc(f) && !math.IsInf(f, 0) {
		switch {
		case f >= 0 && f < two64:
			return AppendUint(dst, uint64(f))
		case f < 0 && f >= -two63:
			return AppendInt(dst, int64(f))
		}
	}
	return AppendFloat64(dst, f)
}
