package sioparser

import (
	"encoding/binary"

	"github.com/tickroom/tickroom/internal/mpwire"
)

// Normalize rewrites one msgpack value, as notepack.io or any other msgpack
// encoder wrote it, into canonical form (see the package documentation).
// The result never aliases raw.
func Normalize(raw []byte) ([]byte, error) {
	out, end, err := appendCanonical(make([]byte, 0, len(raw)+8), raw, 0, 0)
	if err != nil {
		return nil, err
	}
	if end != len(raw) {
		return nil, invalid("msgpack: trailing bytes")
	}
	return out, nil
}

// appendCanonical appends the canonical form of the value at b[i:] and
// returns the index just after that value.
func appendCanonical(dst, b []byte, i, depth int) ([]byte, int, error) {
	h, i, err := mpwire.ReadHead(b, i)
	if err != nil {
		return dst, i, wireErr(err)
	}
	switch h.Kind {
	case mpwire.Nil:
		return append(dst, 0xc0), i, nil
	case mpwire.Bool:
		if h.Bool() {
			return append(dst, 0xc3), i, nil
		}
		return append(dst, 0xc2), i, nil
	case mpwire.Uint:
		return mpwire.AppendUint(dst, h.Uint()), i, nil
	case mpwire.Int:
		return mpwire.AppendInt(dst, h.Int()), i, nil
	case mpwire.Float:
		return mpwire.AppendNumber(dst, h.Float()), i, nil
	case mpwire.Str:
		return appendStr(dst, b[i:i+h.N]), i + h.N, nil
	case mpwire.Bin:
		return append(mpwire.AppendBinHeader(dst, h.N), b[i:i+h.N]...), i + h.N, nil
	case mpwire.Ext:
		dst, err = appendExt(dst, h, b[i:i+h.N])
		return dst, i + h.N, err
	case mpwire.Array:
		if depth >= MaxDepth {
			return dst, i, errTooDeep
		}
		dst = mpwire.AppendArrayHeader(dst, h.N)
		for k := 0; k < h.N; k++ {
			if dst, i, err = appendCanonical(dst, b, i, depth+1); err != nil {
				return dst, i, err
			}
		}
		return dst, i, nil
	}
	// mpwire.Map
	if depth >= MaxDepth {
		return dst, i, errTooDeep
	}
	dst = mpwire.AppendMapHeader(dst, h.N)
	for k := 0; k < h.N; k++ {
		kh, j, err := mpwire.ReadHead(b, i)
		if err != nil {
			return dst, j, wireErr(err)
		}
		if kh.Kind != mpwire.Str {
			return dst, j, invalid("map key is not a string")
		}
		dst = appendStr(dst, b[j:j+kh.N])
		if dst, i, err = appendCanonical(dst, b, j+kh.N, depth+1); err != nil {
			return dst, i, err
		}
	}
	return dst, i, nil
}

// appendExt maps notepack's ext type 0 values: fixext1 is undefined (nil),
// fixext8 is a Date (int64 milliseconds), ext8/16/32 is an ArrayBuffer
// (bin). notepack reads every other ext as a [type, bytes] pair, which has
// no place in canonical data, so those are errors.
func appendExt(dst []byte, h mpwire.Head, payload []byte) ([]byte, error) {
	if err := checkExt(h); err != nil {
		return dst, err
	}
	switch h.Code {
	case 0xd4:
		return append(dst, 0xc0), nil
	case 0xd7:
		return mpwire.AppendInt(dst, int64(binary.BigEndian.Uint64(payload))), nil
	}
	return append(mpwire.AppendBinHeader(dst, len(payload)), payload...), nil
}

func checkExt(h mpwire.Head) error {
	if h.ExtType() != 0 {
		return invalid("msgpack: unsupported ext type")
	}
	switch h.Code {
	case 0xd5, 0xd6, 0xd8:
		return invalid("msgpack: ext type 0 as fixext 2, 4 or 16")
	}
	return nil
}
