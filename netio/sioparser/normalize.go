package sioparser

import "encoding/binary"

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
	h, i, err := readHead(b, i)
	if err != nil {
		return dst, i, err
	}
	switch h.kind {
	case kNil:
		return append(dst, 0xc0), i, nil
	case kBool:
		if h.bool() {
			return append(dst, 0xc3), i, nil
		}
		return append(dst, 0xc2), i, nil
	case kUint:
		return appendUint(dst, h.uint()), i, nil
	case kInt:
		return appendInt(dst, h.int()), i, nil
	case kFloat:
		return appendNumber(dst, h.float()), i, nil
	case kStr:
		return appendStr(dst, b[i:i+h.n]), i + h.n, nil
	case kBin:
		return append(appendBinHeader(dst, h.n), b[i:i+h.n]...), i + h.n, nil
	case kExt:
		dst, err = appendExt(dst, h, b[i:i+h.n])
		return dst, i + h.n, err
	case kArray:
		if depth >= MaxDepth {
			return dst, i, invalid("nesting too deep")
		}
		dst = appendArrayHeader(dst, h.n)
		for k := 0; k < h.n; k++ {
			if dst, i, err = appendCanonical(dst, b, i, depth+1); err != nil {
				return dst, i, err
			}
		}
		return dst, i, nil
	}
	// kMap
	if depth >= MaxDepth {
		return dst, i, invalid("nesting too deep")
	}
	dst = appendMapHeader(dst, h.n)
	for k := 0; k < h.n; k++ {
		kh, j, err := readHead(b, i)
		if err != nil {
			return dst, j, err
		}
		if kh.kind != kStr {
			return dst, j, invalid("map key is not a string")
		}
		dst = appendStr(dst, b[j:j+kh.n])
		if dst, i, err = appendCanonical(dst, b, j+kh.n, depth+1); err != nil {
			return dst, i, err
		}
	}
	return dst, i, nil
}

// appendExt maps notepack's ext type 0 values: fixext1 is undefined (nil),
// fixext8 is a Date (int64 milliseconds), ext8/16/32 is an ArrayBuffer
// (bin). notepack reads every other ext as a [type, bytes] pair, which has
// no place in canonical data, so those are errors.
func appendExt(dst []byte, h head, payload []byte) ([]byte, error) {
	if err := checkExt(h); err != nil {
		return dst, err
	}
	switch h.code {
	case 0xd4:
		return append(dst, 0xc0), nil
	case 0xd7:
		return appendInt(dst, int64(binary.BigEndian.Uint64(payload))), nil
	}
	return append(appendBinHeader(dst, len(payload)), payload...), nil
}

func checkExt(h head) error {
	if h.ext != 0 {
		return invalid("msgpack: unsupported ext type")
	}
	switch h.code {
	case 0xd5, 0xd6, 0xd8:
		return invalid("msgpack: ext type 0 as fixext 2, 4 or 16")
	}
	return nil
}
