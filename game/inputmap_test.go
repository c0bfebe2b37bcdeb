package game

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// mp encodes a map given as key, value pairs in order, with the msgpack library.
func mp(t testing.TB, kv ...any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	enc.EncodeMapLen(len(kv) / 2)
	for i := 0; i < len(kv); i += 2 {
		if err := enc.Encode(kv[i]); err != nil {
			t.Fatal(err)
		}
		if err := enc.Encode(kv[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// TestInputMap: numbers of every width and sign read as float64, nil as absent, values of
// other types and unread values are passed over whatever they nest, and what is not a map
// of string keys, or is cut short, is ErrBadInput.
func TestInputMap(t *testing.T) {
	raw := mp(t,
		"skip", map[string]any{"a": []any{1, "x", []byte{1, 2}, map[string]any{"b": nil}}},
		"u8", uint8(200), "u64", uint64(1)<<60, "i8", int8(-100), "i64", int64(-1)<<40,
		"f32", float32(0.25), "f64", -1.5, "fix", 7, "neg", -3, "nil", nil,
		"t", true, "f", false, "str", "hello",
	)
	want := map[string]float64{"u8": 200, "u64": 1 << 60, "i8": -100, "i64": -(1 << 40), "f32": 0.25, "f64": -1.5, "fix": 7, "neg": -3, "nil": 0}
	m, err := NewInputMap(raw)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for m.Next() {
		k := string(m.Key())
		keys = append(keys, k)
		switch k {
		case "skip":
			// not read: Next passes it
		case "t", "f":
			b, err := m.Bool()
			if err != nil || b != (k == "t") {
				t.Fatalf("%s: %v, %v", k, b, err)
			}
		case "str":
			if _, err := m.Number(); !errors.Is(err, ErrBadInput) {
				t.Fatalf("a string read as a number: %v", err)
			}
		default:
			f, err := m.Number()
			if err != nil || f != want[k] {
				t.Fatalf("%s: %v, %v; want %v", k, f, err, want[k])
			}
		}
	}
	if m.Err() != nil || len(keys) != 13 {
		t.Fatalf("read keys %v, err %v", keys, m.Err())
	}

	for name, raw := range map[string][]byte{
		"not a map":       {0x91, 0x01},
		"empty":           nil,
		"non-string key":  {0x81, 0x01, 0x02},
		"truncated key":   {0x81, 0xa3, 'a'},
		"missing value":   {0x81, 0xa1, 'a'},
		"truncated value": {0x81, 0xa1, 'a', 0xcb, 0, 0},
		"huge nested":     {0x81, 0xa1, 'a', 0xdd, 0x7f, 0xff, 0xff, 0xff},
		"unused code":     {0x81, 0xa1, 'a', 0xc1},
		"NaN":             mp(t, "a", math.NaN()),
		"infinity":        mp(t, "a", math.Inf(-1)),
		"bool as number":  mp(t, "a", true),
	} {
		m, err := NewInputMap(raw)
		for err == nil && m.Next() {
			_, err = m.Number()
		}
		if err == nil {
			err = m.Err()
		}
		if !errors.Is(err, ErrBadInput) {
			t.Errorf("%s (% x): %v, want ErrBadInput", name, raw, err)
		}
	}
}

// TestInputMapEnd: once Next has said the map is over, it keeps saying so without an error,
// and there is no value to read, even when the last value was never read.
func TestInputMapEnd(t *testing.T) {
	m, err := NewInputMap(mp(t, "a", []any{1, 2}))
	if err != nil || !m.Next() {
		t.Fatalf("first entry: %v, %v", err, m.Err())
	}
	for k := 0; k < 2; k++ {
		if m.Next() || m.Err() != nil {
			t.Fatalf("Next after the end: err %v", m.Err())
		}
	}
	if _, err := m.Number(); !errors.Is(err, ErrBadInput) {
		t.Fatalf("Number after the end: %v", err)
	}
}

// TestInputMapErrorText: the wire errors read as they always have.
func TestInputMapErrorText(t *testing.T) {
	for raw, want := range map[string]string{
		"\x81\xa1a":         "game: malformed input: truncated",
		"\x81\xa1a\xc1":     "game: malformed input: invalid msgpack code 0xc1",
		"\x82\xa1a\x01":     "game: malformed input: truncated",
		"\x81\xa1a\x92\x01": "game: malformed input: truncated",
	} {
		m, err := NewInputMap([]byte(raw))
		for err == nil && m.Next() {
			_, err = m.Number()
		}
		if err == nil {
			err = m.Err()
		}
		if err == nil || err.Error() != want {
			t.Errorf("% x: %v, want %q", raw, err, want)
		}
	}
}

// TestInputMapAllocs: reading an input allocates nothing.
func TestInputMapAllocs(t *testing.T) {
	raw := mp(t, "seq", 12345, "x", 0.5, "y", -1.0, "boost", true)
	n := testing.AllocsPerRun(100, func() {
		m, _ := NewInputMap(raw)
		for m.Next() {
			if string(m.Key()) == "boost" {
				m.Bool()
			} else {
				m.Number()
			}
		}
	})
	if n != 0 {
		t.Fatalf("%v allocations per input", n)
	}
}

// refEntry is one map entry as the msgpack library reads it: the key, and the value as a
// number (isNum), a bool (isBool), nil, or something else.
type refEntry struct {
	key           string
	num           float64
	isNum, isBool bool
	isNil         bool
	b             bool
	bad           bool // the library found the value malformed: the last entry
}

// readWithLibrary reads raw as InputMap should, with the msgpack library; ok is false when
// the library finds it malformed (not a map, a non-string key, cut short).
func readWithLibrary(raw []byte) (entries []refEntry, ok bool) {
	d := msgpack.NewDecoder(bytes.NewReader(raw))
	c, err := d.PeekCode()
	if err != nil || !(msgpcode.IsFixedMap(c) || c == msgpcode.Map16 || c == msgpcode.Map32) {
		return nil, false
	}
	n, err := d.DecodeMapLen()
	if err != nil {
		return nil, false
	}
	for i := 0; i < n; i++ {
		c, err := d.PeekCode()
		if err != nil || !(msgpcode.IsFixedString(c) || c == msgpcode.Str8 || c == msgpcode.Str16 || c == msgpcode.Str32) {
			return entries, false
		}
		k, err := d.DecodeString()
		if err != nil {
			return entries, false
		}
		e := refEntry{key: k}
		c, err = d.PeekCode()
		if err != nil {
			return append(entries, refEntry{key: k, bad: true}), false
		}
		switch {
		case c == msgpcode.Nil:
			e.isNil = true
			err = d.DecodeNil()
		case c == msgpcode.True || c == msgpcode.False:
			e.isBool = true
			e.b, err = d.DecodeBool()
		case msgpcode.IsFixedNum(c), c == msgpcode.Int8, c == msgpcode.Int16, c == msgpcode.Int32, c == msgpcode.Int64:
			var v int64
			v, err = d.DecodeInt64()
			e.isNum, e.num = true, float64(v)
		case c == msgpcode.Uint8, c == msgpcode.Uint16, c == msgpcode.Uint32, c == msgpcode.Uint64:
			var v uint64
			v, err = d.DecodeUint64()
			e.isNum, e.num = true, float64(v)
		case c == msgpcode.Float, c == msgpcode.Double:
			e.num, err = d.DecodeFloat64()
			e.isNum = true
		default:
			err = d.Skip()
		}
		if err != nil {
			e.bad = true
			return append(entries, e), false
		}
		entries = append(entries, e)
	}
	return entries, true
}

// FuzzInputMap: InputMap reads any bytes as the msgpack library does: the same keys in
// order, the same numbers and bools, and an error exactly where the library finds the
// payload malformed (or a number that is not finite), without panicking. how picks, per
// entry, whether it is read as a number, as a bool or not at all.
func FuzzInputMap(f *testing.F) {
	f.Add(mp(f, "seq", 1, "x", 0.5, "y", -1.0, "boost", true), []byte{0, 0, 0, 1})
	f.Add(mp(f, "a", []any{1, map[string]any{"b": []byte{1}}}, "c", float32(2.5), "d", nil), []byte{2, 0, 1})
	f.Add([]byte{0x82, 0xa1, 'a', 0xd4, 0x01, 0x02, 0xa1, 'b', 0xc3}, []byte{2, 1})
	f.Fuzz(func(t *testing.T, raw, how []byte) {
		ref, refOK := readWithLibrary(raw)
		m, err := NewInputMap(raw)
		k := 0
		for err == nil && m.Next() {
			if k >= len(ref) {
				t.Fatalf("% x: entry %d (%q) beyond the library's %d", raw, k, m.Key(), len(ref))
			}
			e := ref[k]
			if string(m.Key()) != e.key {
				t.Fatalf("% x: key %d %q, library %q", raw, k, m.Key(), e.key)
			}
			mode := byte(2)
			if len(how) > 0 {
				mode = how[k%len(how)] % 3
			}
			if e.bad { // whichever way it is read, the error must come
				switch mode {
				case 0:
					_, err = m.Number()
				case 1:
					_, err = m.Bool()
				}
				k++
				continue
			}
			switch mode {
			case 0:
				var v float64
				v, err = m.Number()
				finite := e.isNum && !math.IsNaN(e.num) && !math.IsInf(e.num, 0)
				switch {
				case (e.isNil || finite) && (err != nil || v != e.num):
					t.Fatalf("% x: %q as number %v, %v; library %v", raw, e.key, v, err, e.num)
				case !e.isNil && !finite && !errors.Is(err, ErrBadInput):
					t.Fatalf("% x: %q as number %v, %v; want ErrBadInput", raw, e.key, v, err)
				}
				if !e.isNil && !finite {
					return // an error ends the read, as DecodeInput does
				}
			case 1:
				var b bool
				b, err = m.Bool()
				switch {
				case (e.isNil || e.isBool) && (err != nil || b != e.b):
					t.Fatalf("% x: %q as bool %v, %v; library %v", raw, e.key, b, err, e.b)
				case !e.isNil && !e.isBool && !errors.Is(err, ErrBadInput):
					t.Fatalf("% x: %q as bool %v, %v; want ErrBadInput", raw, e.key, b, err)
				}
				if !e.isNil && !e.isBool {
					return
				}
			}
			k++
		}
		if err == nil {
			err = m.Err()
		}
		if (err == nil) != refOK || (err == nil && k != len(ref)) {
			t.Fatalf("% x: read %d entries, err %v; library %d entries, ok %v", raw, k, err, len(ref), refOK)
		}
		if err != nil && !errors.Is(err, ErrBadInput) {
			t.Fatalf("% x: %v does not wrap ErrBadInput", raw, err)
		}
	})
}

// BenchmarkInputMap: one input as the JS client sends it (seq, x, y, boost), every field
// read, plus one with a nested value nobody reads, which Next has to pass over.
func BenchmarkInputMap(b *testing.B) {
	for _, c := range []struct {
		name string
		raw  []byte
	}{
		{"input", mp(b, "seq", 12345, "x", 0.5, "y", -1.0, "boost", true)},
		{"skip", mp(b, "seq", 7, "extra", map[string]any{"a": []any{1, "x", []byte{1, 2}, 2.5}}, "x", 0.25)},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.raw)))
			b.ReportAllocs()
			for b.Loop() {
				m, err := NewInputMap(c.raw)
				for err == nil && m.Next() {
					if string(m.Key()) == "boost" {
						_, err = m.Bool()
					} else if string(m.Key()) != "extra" {
						_, err = m.Number()
					}
				}
				if err != nil || m.Err() != nil {
					b.Fatal(err, m.Err())
				}
			}
		})
	}
}
