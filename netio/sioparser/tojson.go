package sioparser

import (
	"encoding/binary"
	"math"
	"strconv"

	"github.com/tickroom/tickroom/internal/mpwire"
)

// MsgpackToJSON converts one msgpack value to the JSON that JSON.stringify
// would write for the same JavaScript value, for the text parser: bin values
// become {"_placeholder":true,"num":i} and are returned, in order, as
// attachments (which alias data); NaN and infinities become null; floats
// are formatted as JavaScript formats numbers. Non-canonical input is
// accepted with the meanings Normalize gives it.
func MsgpackToJSON(data []byte) (json []byte, attachments [][]byte, err error) {
	json, end, err := appendJSON(make([]byte, 0, 2*len(data)+8), data, 0, 0, &attachments)
	if err != nil {
		return nil, nil, err
	}
	if end != len(data) {
		return nil, nil, invalid("msgpack: trailing bytes")
	}
	return json, attachments, nil
}

// appendJSON appends the JSON form of the msgpack value at b[i:] and
// returns the index after it. Bin values are appended to *atts; a nil atts
// refuses them.
func appendJSON(dst, b []byte, i, depth int, atts *[][]byte) ([]byte, int, error) {
	h, i, err := mpwire.ReadHead(b, i)
	if err != nil {
		return dst, i, wireErr(err)
	}
	switch h.Kind {
	case mpwire.Nil:
		return append(dst, "null"...), i, nil
	case mpwire.Bool:
		if h.Bool() {
			return append(dst, "true"...), i, nil
		}
		return append(dst, "false"...), i, nil
	case mpwire.Uint:
		return strconv.AppendUint(dst, h.Uint(), 10), i, nil
	case mpwire.Int:
		return strconv.AppendInt(dst, h.Int(), 10), i, nil
	case mpwire.Float:
		return appendJSONFloat(dst, h.Float()), i, nil
	case mpwire.Str:
		return appendJSONString(dst, b[i:i+h.N]), i + h.N, nil
	case mpwire.Bin:
		dst, err = appendPlaceholder(dst, b[i:i+h.N], atts)
		return dst, i + h.N, err
	case mpwire.Ext:
		if err := checkExt(h); err != nil {
			return dst, i, err
		}
		switch h.Code {
		case 0xd4:
			dst = append(dst, "null"...)
		case 0xd7:
			dst = strconv.AppendInt(dst, int64(binary.BigEndian.Uint64(b[i:])), 10)
		default:
			dst, err = appendPlaceholder(dst, b[i:i+h.N], atts)
		}
		return dst, i + h.N, err
	case mpwire.Array:
		if depth >= MaxDepth {
			return dst, i, errTooDeep
		}
		dst = append(dst, '[')
		for k := 0; k < h.N; k++ {
			if k > 0 {
				dst = append(dst, ',')
			}
			if dst, i, err = appendJSON(dst, b, i, depth+1, atts); err != nil {
				return dst, i, err
			}
		}
		return append(dst, ']'), i, nil
	}
	if depth >= MaxDepth {
		return dst, i, errTooDeep
	}
	dst = append(dst, '{')
	for k := 0; k < h.N; k++ {
		if k > 0 {
			dst = append(dst, ',')
		}
		kh, j, err := mpwire.ReadHead(b, i)
		if err != nil {
			return dst, j, wireErr(err)
		}
		if kh.Kind != mpwire.Str {
			return dst, j, invalid("map key is not a string")
		}
		dst = append(appendJSONString(dst, b[j:j+kh.N]), ':')
		if dst, i, err = appendJSON(dst, b, j+kh.N, depth+1, atts); err != nil {
			return dst, i, err
		}
	}
	return append(dst, '}'), i, nil
}

func appendPlaceholder(dst, bin []byte, atts *[][]byte) ([]byte, error) {
	if atts == nil {
		return dst, invalid("binary data outside EVENT and ACK")
	}
	dst = append(dst, `{"_placeholder":true,"num":`...)
	dst = strconv.AppendInt(dst, int64(len(*atts)), 10)
	*atts = append(*atts, bin)
	return append(dst, '}'), nil
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as JSON.stringify does: only '"', '\\' and
// control characters are escaped; invalid UTF-8 becomes U+FFFD.
func appendJSONString(dst, s []byte) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x80 {
			n, ok := utf8Step(s, i)
			if !ok {
				dst = append(append(dst, s[start:i]...), replacementUTF8...)
				start = i + n
			}
			i += n
			continue
		}
		if c >= 0x20 && c != '"' && c != '\\' {
			i++
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	return append(append(dst, s[start:]...), '"')
}

// appendJSONFloat writes f as appendJSON writes its canonical form: whole
// values that canonical data holds as integers are written as those exact
// integers (JavaScript would print the same double with its shortest digits).
func appendJSONFloat(dst []byte, f float64) []byte {
	if f == math.Trunc(f) {
		if f >= 0 && f < two64 {
			return strconv.AppendUint(dst, uint64(f), 10)
		}
		if f < 0 && f >= -two63 {
			return strconv.AppendInt(dst, int64(f), 10)
		}
	}
	return appendJSNumber(dst, f)
}

// appendJSNumber formats f as JavaScript's Number.prototype.toString does
// (shortest round-trip digits, exponent form below 1e-6 and from 1e21),
// with JSON.stringify's null for NaN and infinities.
func appendJSNumber(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	if f == 0 {
		return append(dst, '0')
	}
	var buf [32]byte
	s := strconv.AppendFloat(buf[:0], f, 'e', -1, 64) // [-]d[.ddd]e±xx
	if s[0] == '-' {
		dst = append(dst, '-')
		s = s[1:]
	}
	e := 0
	for k := len(s) - 1; k >= 0; k-- {
		if s[k] == 'e' {
			neg := s[k+1] == '-'
			for _, c := range s[k+2:] {
				e = e*10 + int(c-'0')
			}
			if neg {
				e = -e
			}
			s = s[:k]
			break
		}
	}
	var digits [24]byte
	d := append(digits[:0], s[0])
	if len(s) > 2 {
		d = append(d, s[2:]...)
	}
	k, n := len(d), e+1
	switch {
	case k <= n && n <= 21:
		dst = append(dst, d...)
		for ; k < n; k++ {
			dst = append(dst, '0')
		}
	case 0 < n && n <= 21:
		dst = append(append(append(dst, d[:n]...), '.'), d[n:]...)
	case -6 < n && n <= 0:
		dst = append(dst, '0', '.')
		for ; n < 0; n++ {
			dst = append(dst, '0')
		}
		dst = append(dst, d...)
	default:
		dst = append(dst, d[0])
		if k > 1 {
			dst = append(append(dst, '.'), d[1:]...)
		}
		dst = append(dst, 'e')
		if n-1 >= 0 {
			dst = append(dst, '+')
		}
		dst = strconv.AppendInt(dst, int64(n-1), 10)
	}
	return dst
}
