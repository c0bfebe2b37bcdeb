package gametest

import (
	"bytes"
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/tickroom/tickroom/internal/mpwire"
	"github.com/vmihailenco/msgpack/v5"
)

// maxDepth bounds the nesting Encode accepts, as the Socket.IO parser
// bounds what a client may send.
const maxDepth = 32

// Encode returns v as the runtime hands it to a mode: the canonical msgpack
// that netio/sioparser makes of whatever a client sent (docs/protocol.md).
// Whole finite numbers become the smallest integer, other numbers float64,
// map keys are sorted, and headers are the smallest that fit. v is anything
// the msgpack library encodes (maps, slices, structs with msgpack tags);
// maps with keys other than strings, ext values and invalid UTF-8 are
// errors, as no client can send them.
func Encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	enc.SetSortMapKeys(true)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("gametest: encode %T: %w", v, err)
	}
	b := buf.Bytes()
	out, i, err := canonical(nil, b, 0, maxDepth)
	if err == nil && i != len(b) {
		err = fmt.Errorf("%d trailing bytes", len(b)-i)
	}
	if err != nil {
		return nil, fmt.Errorf("gametest: encode %T: %w", v, err)
	}
	return out, nil
}

// canonical rewrites the value at b[i:] in canonical form onto dst and
// returns the index after it.
func canonical(dst, b []byte, i, depth int) ([]byte, int, error) {
	h, i, err := mpwire.ReadHead(b, i)
	if err != nil {
		return dst, i, err
	}
	switch h.Kind {
	case mpwire.Nil:
		return append(dst, 0xc0), i, nil
	case mpwire.Bool:
		return append(dst, 0xc2|byte(h.V)), i, nil
	case mpwire.Uint:
		return mpwire.AppendUint(dst, h.Uint()), i, nil
	case mpwire.Int:
		return mpwire.AppendInt(dst, h.Int()), i, nil
	case mpwire.Float:
		return mpwire.AppendNumber(dst, h.Float()), i, nil
	case mpwire.Str:
		s := b[i : i+h.N]
		if !utf8.Valid(s) {
			return dst, i, fmt.Errorf("string %q is not UTF-8", s)
		}
		return append(mpwire.AppendStrHeader(dst, h.N), s...), i + h.N, nil
	case mpwire.Bin:
		return mpwire.AppendBin(dst, b[i:i+h.N]), i + h.N, nil
	case mpwire.Array, mpwire.Map:
		if depth == 0 {
			return dst, i, fmt.Errorf("nested deeper than %d", maxDepth)
		}
		n := h.N
		if h.Kind == mpwire.Map {
			dst = mpwire.AppendMapHeader(dst, n)
			n *= 2
		} else {
			dst = mpwire.AppendArrayHeader(dst, n)
		}
		for k := range n {
			if h.Kind == mpwire.Map && k%2 == 0 {
				if kh, _, err := mpwire.ReadHead(b, i); err == nil && kh.Kind != mpwire.Str {
					return dst, i, fmt.Errorf("a map key is a %v, not a string", kh.Kind)
				}
			}
			if dst, i, err = canonical(dst, b, i, depth-1); err != nil {
				return dst, i, err
			}
		}
		return dst, i, nil
	}
	return dst, i, fmt.Errorf("a %v value", h.Kind)
}

// Decode reads one canonical msgpack value as a client holds it: nil,
// bool, int64 (uint64 above the int64 range), float64, string, []byte,
// []any and map[string]any. It is how the kits read what reaches players.
func Decode(raw []byte) (any, error) {
	v, i, err := decodeValue(raw, 0, maxDepth)
	if err == nil && i != len(raw) {
		err = fmt.Errorf("%d trailing bytes", len(raw)-i)
	}
	if err != nil {
		return nil, fmt.Errorf("gametest: decode: %w", err)
	}
	return v, nil
}

// RoundTrip returns v as a client decodes it after the runtime sent it:
// Encode, then Decode. Events, replies and results go through it, so a
// value that cannot be sent fails where it is made.
func RoundTrip(v any) (any, error) {
	raw, err := Encode(v)
	if err != nil {
		return nil, err
	}
	return Decode(raw)
}

func decodeValue(b []byte, i, depth int) (any, int, error) {
	h, i, err := mpwire.ReadHead(b, i)
	if err != nil {
		return nil, i, err
	}
	switch h.Kind {
	case mpwire.Nil:
		return nil, i, nil
	case mpwire.Bool:
		return h.Bool(), i, nil
	case mpwire.Uint:
		if h.Uint() > math.MaxInt64 {
			return h.Uint(), i, nil
		}
		return int64(h.Uint()), i, nil
	case mpwire.Int:
		return h.Int(), i, nil
	case mpwire.Float:
		return h.Float(), i, nil
	case mpwire.Str:
		return string(b[i : i+h.N]), i + h.N, nil
	case mpwire.Bin:
		return bytes.Clone(b[i : i+h.N]), i + h.N, nil
	case mpwire.Array, mpwire.Map:
		if depth == 0 {
			return nil, i, fmt.Errorf("nested deeper than %d", maxDepth)
		}
		if h.Kind == mpwire.Array {
			out := make([]any, h.N)
			for k := range out {
				if out[k], i, err = decodeValue(b, i, depth-1); err != nil {
					return nil, i, err
				}
			}
			return out, i, nil
		}
		out := make(map[string]any, h.N)
		for range h.N {
			var k, v any
			if k, i, err = decodeValue(b, i, depth-1); err != nil {
				return nil, i, err
			}
			ks, ok := k.(string)
			if !ok {
				return nil, i, fmt.Errorf("a map key is a %T, not a string", k)
			}
			if v, i, err = decodeValue(b, i, depth-1); err != nil {
				return nil, i, err
			}
			out[ks] = v
		}
		return out, i, nil
	}
	return nil, i, fmt.Errorf("a %v value", h.Kind)
}
