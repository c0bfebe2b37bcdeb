package sioparser

import (
	"math"
	"strconv"
	"unicode/utf8"
	"unsafe"

	"github.com/tickroom/tickroom/internal/mpwire"
)

// JSONToMsgpack converts one JSON value, as the text parser carries it, to
// canonical msgpack: strings to str, numbers that are whole and fit an
// int64 or uint64 to the smallest int, other numbers to float64 (as
// JSON.parse and notepack would), objects to maps in key order, arrays to
// arrays. When attachments is not empty, objects with "_placeholder": true
// are replaced by bin values holding attachments[num], as socket.io-parser
// reconstructs BINARY_EVENT and BINARY_ACK packets; a placeholder whose num
// is not an index of attachments is an error. With no attachments such
// objects stay maps, as they do in packets that are not binary.
func JSONToMsgpack(json []byte, attachments [][]byte) ([]byte, error) {
	var c jsonConv
	return c.convert(json, attachments)
}

// container is what the first pass learns about one JSON array or object,
// in document order, so the second pass can write msgpack headers (which
// come before the elements) without buffering.
type container struct {
	count int
	ph    int // attachment index when the object is a placeholder, else -1
	end   int // index after the placeholder object's closing brace
	next  int // index in infos after this container's subtree
}

// jsonConv holds scratch space reused between conversions.
type jsonConv struct {
	src     []byte
	atts    [][]byte
	infos   []container
	k       int
	scratch []byte
}

func (c *jsonConv) reset() {
	c.src, c.atts = nil, nil
	if cap(c.infos) > 1024 {
		c.infos = nil
	}
	if cap(c.scratch) > 4096 {
		c.scratch = nil
	}
}

// convert runs both passes over src.
func (c *jsonConv) convert(src []byte, atts [][]byte) ([]byte, error) {
	defer c.reset()
	if err := c.scan(src, len(atts)); err != nil {
		return nil, err
	}
	c.atts = atts
	size := len(src) + 8
	for _, a := range atts {
		size += len(a)
	}
	out, _ := c.emitValue(make([]byte, 0, size), 0)
	return out, nil
}

// scan is the first pass: it checks src is exactly one JSON value (with
// surrounding whitespace) and records containers and placeholders.
func (c *jsonConv) scan(src []byte, natt int) error {
	c.src, c.infos, c.k = src, c.infos[:0], 0
	i, err := c.scanValue(0, 0, natt)
	if err != nil {
		return err
	}
	if skipWS(src, i) != len(src) {
		return invalid("JSON: trailing data")
	}
	return nil
}

var errJSON = invalid("malformed JSON")

func skipWS(s []byte, i int) int {
	for i < len(s) {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

func (c *jsonConv) scanValue(i, depth, natt int) (int, error) {
	s := c.src
	i = skipWS(s, i)
	if i >= len(s) {
		return i, errJSON
	}
	switch s[i] {
	case '{', '[':
		return c.scanContainer(i, depth, natt)
	case '"':
		return scanString(s, i)
	case 't':
		return scanLiteral(s, i, "true")
	case 'f':
		return scanLiteral(s, i, "false")
	case 'n':
		return scanLiteral(s, i, "null")
	}
	return scanNumber(s, i)
}

func scanLiteral(s []byte, i int, lit string) (int, error) {
	if len(s)-i < len(lit) || string(s[i:i+len(lit)]) != lit {
		return i, errJSON
	}
	return i + len(lit), nil
}

// scanString returns the index after the closing quote of the string at s[i].
func scanString(s []byte, i int) (int, error) {
	for j := i + 1; j < len(s); {
		switch c := s[j]; {
		case c == '"':
			return j + 1, nil
		case c == '\\':
			if j+1 >= len(s) {
				return j, errJSON
			}
			switch s[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				if len(s)-j < 6 || !isHex4(s[j+2:j+6]) {
					return j, errJSON
				}
				j += 6
			default:
				return j, errJSON
			}
		case c < 0x20:
			return j, errJSON
		default:
			j++
		}
	}
	return len(s), errJSON
}

func isHex4(h []byte) bool {
	for _, c := range h {
		if hexVal(c) < 0 {
			return false
		}
	}
	return true
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// scanNumber checks the JSON number grammar at s[i:].
func scanNumber(s []byte, i int) (int, error) {
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	default:
		return i, errJSON
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || !isDigit(s[i]) {
			return i, errJSON
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || !isDigit(s[i]) {
			return i, errJSON
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	return i, nil
}

// scanContainer scans the array or object at s[i]. In objects it watches
// the "_placeholder" and "num" members (last one wins, as in JavaScript).
func (c *jsonConv) scanContainer(i, depth, natt int) (int, error) {
	if depth >= MaxDepth {
		return i, errTooDeep
	}
	s := c.src
	isObj := s[i] == '{'
	closer := byte(']')
	if isObj {
		closer = '}'
	}
	idx := len(c.infos)
	c.infos = append(c.infos, container{ph: -1})
	count := 0
	isPlaceholder := false
	var num []byte
	i = skipWS(s, i+1)
	if i < len(s) && s[i] == closer {
		i++
	} else {
		for {
			var which int
			var err error
			if isObj {
				i = skipWS(s, i)
				if i >= len(s) || s[i] != '"' {
					return i, errJSON
				}
				start := i
				if i, err = scanString(s, i); err != nil {
					return i, err
				}
				if natt > 0 {
					which = c.placeholderKey(s[start+1 : i-1])
				}
				i = skipWS(s, i)
				if i >= len(s) || s[i] != ':' {
					return i, errJSON
				}
				i++
			}
			vstart := skipWS(s, i)
			if i, err = c.scanValue(vstart, depth+1, natt); err != nil {
				return i, err
			}
			switch which {
			case 1:
				isPlaceholder = string(s[vstart:i]) == "true"
			case 2:
				num = s[vstart:i]
			}
			count++
			i = skipWS(s, i)
			if i >= len(s) {
				return i, errJSON
			}
			if s[i] == closer {
				i++
				break
			}
			if s[i] != ',' {
				return i, errJSON
			}
			i++
		}
	}
	ci := &c.infos[idx]
	ci.count, ci.next = count, len(c.infos)
	if isPlaceholder {
		n, ok := placeholderIndex(num, natt)
		if !ok {
			return i, invalid("illegal attachments")
		}
		ci.ph, ci.end = n, i
	}
	return i, nil
}

// placeholderKey tells the "_placeholder" (1) and "num" (2) keys apart from
// others (0), escapes included.
func (c *jsonConv) placeholderKey(raw []byte) int {
	key := raw
	for _, b := range raw {
		if b == '\\' {
			c.scratch = appendJSONUnquoted(c.scratch[:0], raw)
			key = c.scratch
			break
		}
	}
	switch string(key) {
	case "_placeholder":
		return 1
	case "num":
		return 2
	}
	return 0
}

// placeholderIndex accepts a num that is a JSON number with a whole value
// in [0, natt).
func placeholderIndex(num []byte, natt int) (int, bool) {
	if len(num) == 0 || !(isDigit(num[0]) || num[0] == '-') {
		return 0, false
	}
	f, err := strconv.ParseFloat(unsafeString(num), 64)
	if err != nil && !isRangeErr(err) {
		return 0, false
	}
	if f < 0 || f >= float64(natt) || f != math.Trunc(f) {
		return 0, false
	}
	return int(f), true
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// unsafeString views b as a string for read-only calls that do not keep it.
func unsafeString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// unsafeBytes views s as bytes that must never be written.
func unsafeBytes(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// emitValue is the second pass; src was checked by scan.
func (c *jsonConv) emitValue(dst []byte, i int) ([]byte, int) {
	s := c.src
	i = skipWS(s, i)
	switch s[i] {
	case '{', '[':
		ci := c.infos[c.k]
		c.k++
		if ci.ph >= 0 {
			a := c.atts[ci.ph]
			c.k = ci.next
			return append(mpwire.AppendBinHeader(dst, len(a)), a...), ci.end
		}
		isObj := s[i] == '{'
		if isObj {
			dst = mpwire.AppendMapHeader(dst, ci.count)
		} else {
			dst = mpwire.AppendArrayHeader(dst, ci.count)
		}
		i++
		for n := 0; n < ci.count; n++ {
			i = skipWS(s, i)
			if s[i] == ',' {
				i = skipWS(s, i+1)
			}
			if isObj {
				dst, i = c.emitString(dst, i)
				i = skipWS(s, i) + 1 // ':'
			}
			dst, i = c.emitValue(dst, i)
		}
		return dst, skipWS(s, i) + 1
	case '"':
		return c.emitString(dst, i)
	case 't':
		return append(dst, 0xc3), i + 4
	case 'f':
		return append(dst, 0xc2), i + 5
	case 'n':
		return append(dst, 0xc0), i + 4
	}
	end, _ := scanNumber(s, i)
	return appendJSONNumber(dst, s[i:end]), end
}

// emitString writes the JSON string at src[i] as a str.
func (c *jsonConv) emitString(dst []byte, i int) ([]byte, int) {
	s := c.src
	j := i + 1
	esc, high := false, false
	for s[j] != '"' {
		switch {
		case s[j] == '\\':
			esc = true
			j += 2
		case s[j] >= 0x80:
			high = true
			j++
		default:
			j++
		}
	}
	raw := s[i+1 : j]
	if !esc && (!high || utf8.Valid(raw)) {
		return append(mpwire.AppendStrHeader(dst, len(raw)), raw...), j + 1
	}
	c.scratch = appendJSONUnquoted(c.scratch[:0], raw)
	return append(mpwire.AppendStrHeader(dst, len(c.scratch)), c.scratch...), j + 1
}

// appendJSONUnquoted decodes the body of a checked JSON string. Lone
// surrogates and invalid UTF-8 become U+FFFD.
func appendJSONUnquoted(dst, raw []byte) []byte {
	for i := 0; i < len(raw); {
		c := raw[i]
		if c >= 0x80 {
			n, ok := utf8Step(raw, i)
			if ok {
				dst = append(dst, raw[i:i+n]...)
			} else {
				dst = append(dst, replacementUTF8...)
			}
			i += n
			continue
		}
		if c != '\\' {
			dst = append(dst, c)
			i++
			continue
		}
		switch raw[i+1] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := hex4(raw[i+2:])
			i += 6
			if r >= 0xd800 && r < 0xdc00 && len(raw)-i >= 6 && raw[i] == '\\' && raw[i+1] == 'u' {
				if r2 := hex4(raw[i+2:]); r2 >= 0xdc00 && r2 < 0xe000 {
					dst = utf8.AppendRune(dst, 0x10000+(r-0xd800)<<10+(r2-0xdc00))
					i += 6
					continue
				}
			}
			dst = utf8.AppendRune(dst, r) // surrogates become U+FFFD
			continue
		default: // '"', '\\', '/'
			dst = append(dst, raw[i+1])
		}
		i += 2
	}
	return dst
}

func hex4(h []byte) rune {
	return rune(hexVal(h[0])<<12 | hexVal(h[1])<<8 | hexVal(h[2])<<4 | hexVal(h[3]))
}

// appendJSONNumber writes a checked JSON number literal. Literals whose
// exact value is a whole number fitting int64 or uint64 keep that exact
// value; the rest go through float64 as JSON.parse does, and a float64 that
// turns out whole is still written as an integer, as notepack does.
func appendJSONNumber(dst, lit []byte) []byte {
	if v, neg, ok := exactInteger(lit); ok {
		if !neg {
			return mpwire.AppendUint(dst, v)
		}
		if v <= 1<<63 {
			return mpwire.AppendInt(dst, int64(-v)) // -(1<<63) wraps to MinInt64, as wanted
		}
	}
	f, _ := strconv.ParseFloat(unsafeString(lit), 64) // range errors give ±Inf or 0, as in JavaScript
	return mpwire.AppendNumber(dst, f)
}

// exactInteger returns |value| of lit when the value is a whole number
// below 2^64.
func exactInteger(lit []byte) (mag uint64, neg bool, ok bool) {
	i := 0
	if lit[0] == '-' {
		neg, i = true, 1
	}
	var mant uint64
	exp := 0 // value = mant * 10^exp
	for ; i < len(lit) && isDigit(lit[i]); i++ {
		d := uint64(lit[i] - '0')
		switch {
		case mant <= (math.MaxUint64-d)/10:
			mant = mant*10 + d
		case d != 0:
			return 0, false, false
		default:
			exp++
		}
	}
	if i < len(lit) && lit[i] == '.' {
		for i++; i < len(lit) && isDigit(lit[i]); i++ {
			d := uint64(lit[i] - '0')
			switch {
			case mant <= (math.MaxUint64-d)/10:
				mant, exp = mant*10+d, exp-1
			case d != 0:
				return 0, false, false
			}
		}
	}
	if i < len(lit) && (lit[i] == 'e' || lit[i] == 'E') {
		i++
		eneg := false
		if lit[i] == '+' || lit[i] == '-' {
			eneg = lit[i] == '-'
			i++
		}
		e := 0
		for ; i < len(lit); i++ {
			if e < 100000 {
				e = e*10 + int(lit[i]-'0')
			}
		}
		if eneg {
			e = -e
		}
		exp += e
	}
	if mant == 0 {
		return 0, neg, true
	}
	for exp < 0 && mant%10 == 0 {
		mant /= 10
		exp++
	}
	if exp < 0 || exp > 19 {
		return 0, false, false
	}
	for ; exp > 0; exp-- {
		if mant > math.MaxUint64/10 {
			return 0, false, false
		}
		mant *= 10
	}
	return mant, neg, true
}
