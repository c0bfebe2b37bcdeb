package main

import (
	"errors"
	"fmt"
	"math"

	"github.com/tickroom/tickroom/internal/mpwire"
)

// snapshot is the `snapshot` event argument (rooms/wire.go, docs/snapshot-format.md).
type snapshot struct {
	T, B, A uint64
	TS      int64
	E       []byte // aliases the argument: valid while the handler runs
	H       uint32
	HasH    bool
}

// errSnapshotShape is a snapshot map that is well-formed msgpack but not {t, b, a, ts, e, h?}.
var errSnapshotShape = errors.New("not a snapshot map")

// decodeSnapshot reads the snapshot map by hand: every bot decodes 20 of them a second, and
// decoding through reflection cost about a tenth of a bot's CPU. It reads what tickroom's
// server writes (rooms/wire.go): one map of t, b and a as non-negative integers, ts as an
// integer below 2^63, e as bin, then h as a non-negative integer below 2^32 on every
// HashEvery-th snapshot. It also takes keys in any order (a later key wins), unknown string
// keys (their values skipped, nested up to 64 deep), e as str or nil, and h nil for none.
// Anything else is a bad snapshot, reported as an error, never a panic or a silent misread,
// even where the msgpack library would take it (nil or negative t, b or a, non-string keys,
// an array form, trailing bytes). FuzzDecodeSnapshot checks that whatever it takes, the library
// reads into game.Snapshot as the same values.
func decodeSnapshot(raw []byte, s *snapshot) error {
	*s = snapshot{}
	h, i, err := mpwire.ReadHead(raw, 0)
	if err != nil {
		return err
	}
	if h.Kind != mpwire.Map {
		return fmt.Errorf("%w: a %v", errSnapshotShape, h.Kind)
	}
	for k := 0; k < h.N; k++ {
		kh, j, err := mpwire.ReadHead(raw, i)
		if err != nil {
			return err
		}
		if kh.Kind != mpwire.Str {
			return fmt.Errorf("%w: a %v key", errSnapshotShape, kh.Kind)
		}
		key := raw[j : j+kh.N]
		vh, v, err := mpwire.ReadHead(raw, j+kh.N)
		if err != nil {
			return err
		}
		i = v
		switch string(key) {
		case "t", "b", "a":
			if vh.Kind != mpwire.Uint {
				return fmt.Errorf("%w: %s is a %v", errSnapshotShape, key, vh.Kind)
			}
			switch key[0] {
			case 't':
				s.T = vh.Uint()
			case 'b':
				s.B = vh.Uint()
			default:
				s.A = vh.Uint()
			}
		case "ts":
			if vh.Kind != mpwire.Uint && vh.Kind != mpwire.Int || vh.Kind == mpwire.Uint && vh.V > math.MaxInt64 {
				return fmt.Errorf("%w: ts is a %v", errSnapshotShape, vh.Kind)
			}
			s.TS = vh.Int()
		case "e":
			switch vh.Kind {
			case mpwire.Bin, mpwire.Str:
				s.E = raw[v : v+vh.N : v+vh.N]
				i = v + vh.N
			case mpwire.Nil:
				s.E = nil
			default:
				return fmt.Errorf("%w: e is a %v", errSnapshotShape, vh.Kind)
			}
		case "h":
			switch {
			case vh.Kind == mpwire.Nil:
				s.H, s.HasH = 0, false
			case vh.Kind == mpwire.Uint && vh.V <= math.MaxUint32:
				s.H, s.HasH = uint32(vh.V), true
			default:
				return fmt.Errorf("%w: h is a %v", errSnapshotShape, vh.Kind)
			}
		default:
			// An unknown key's value is skipped whole, from its header on.
			if i, err = mpwire.Skip(raw, j+kh.N, 64); err != nil {
				return err
			}
		}
	}
	if i != len(raw) {
		return fmt.Errorf("%w: %d trailing bytes", errSnapshotShape, len(raw)-i)
	}
	return nil
}
