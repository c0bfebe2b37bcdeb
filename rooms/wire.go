package rooms

import (
	"encoding/binary"
	"math"
)

// The `snapshot` event argument is a msgpack map written by hand, in this
// key order, with the shortest msgpack integer encodings:
//
//	t   uint   the tick of this state (from 1)
//	b   uint   the baseline tick the delta applies to; 0 = a full state
//	a   uint   the player's highest input seq applied at or before t
//	ts  int    the server's Unix time in ms of tick t
//	e   bin    the entity section (docs/snapshot-format.md)
//	h   uint   (only on every HashEvery-th snapshot) the 32-bit view hash
//
// snapshotOverhead bounds the bytes around e: map header, keys, t, b, a and
// ts as uint64, the bin header and h.
const snapshotOverhead = 1 + 4*(2+9) + 1 + 2 + 5 + 2 + 5

func appendSnapshot(dst []byte, t, b, a uint64, ts int64, e []byte, h uint32, withHash bool) []byte {
	n := byte(5)
	if withHash {
		n = 6
	}
	dst = append(dst, 0x80|n)
	dst = append(dst, 0xa1, 't')
	dst = appendUint(dst, t)
	dst = append(dst, 0xa1, 'b')
	dst = appendUint(dst, b)
	dst = append(dst, 0xa1, 'a')
	dst = appendUint(dst, a)
	dst = append(dst, 0xa2, 't', 's')
	dst = appendInt(dst, ts)
	dst = append(dst, 0xa1, 'e')
	dst = appendBin(dst, e)
	if withHash {
		dst = append(dst, 0xa1, 'h')
		dst = appendUint(dst, uint64(h))
	}
	return dst
}

func appendUint(dst []byte, v uint64) []byte {
	switch {
	case v <= 0x7f:
		return append(dst, byte(v))
	case v <= math.MaxUint8:
		return append(dst, 0xcc, byte(v))
	case v <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(dst, 0xcd), uint16(v))
	case v <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(dst, 0xce), uint32(v))
	}
	return binary.BigEndian.AppendUint64(append(dst, 0xcf), v)
}

func appendInt(dst []byte, v int64) []byte {
	switch {
	case v >= 0:
		return appendUint(dst, uint64(v))
	case v >= -32:
		return append(dst, byte(v))
	case v >= math.MinInt8:
		return append(dst, 0xd0, byte(v))
	case v >= math.MinInt16:
		return binary.BigEndian.AppendUint16(append(dst, 0xd1), uint16(v))
	case v >= math.MinInt32:
		return binary.BigEndian.AppendUint32(append(dst, 0xd2), uint32(v))
	}
	return binary.BigEndian.AppendUint64(append(dst, 0xd3), uint64(v))
}

func appendBin(dst []byte, b []byte) []byte {
	switch n := len(b); {
	case n <= math.MaxUint8:
		dst = append(dst, 0xc4, byte(n))
	case n <= math.MaxUint16:
		dst = binary.BigEndian.AppendUint16(append(dst, 0xc5), uint16(n))
	default:
		dst = binary.BigEndian.AppendUint32(append(dst, 0xc6), uint32(n))
	}
	return append(dst, b...)
}
