package rooms

import "github.com/tickroom/tickroom/internal/mpwire"

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
	dst = mpwire.AppendUint(dst, t)
	dst = append(dst, 0xa1, 'b')
	dst = mpwire.AppendUint(dst, b)
	dst = append(dst, 0xa1, 'a')
	dst = mpwire.AppendUint(dst, a)
	dst = append(dst, 0xa2, 't', 's')
	dst = mpwire.AppendInt(dst, ts)
	dst = append(dst, 0xa1, 'e')
	dst = mpwire.AppendBin(dst, e)
	if withHash {
		dst = append(dst, 0xa1, 'h')
		dst = mpwire.AppendUint(dst, uint64(h))
	}
	return dst
}
