package mpwire

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// libValue reads one value with the msgpack library and returns the bytes it consumed and
// its nesting depth (levels of arrays and maps).
func libValue(b []byte) (size, depth int, err error) {
	r := bytes.NewReader(b)
	depth, err = libDepth(msgpack.NewDecoder(r))
	return len(b) - r.Len(), depth, err
}

func libDepth(d *msgpack.Decoder) (int, error) {
	c, err := d.PeekCode()
	if err != nil {
		return 0, err
	}
	var n int
	switch {
	case msgpcode.IsFixedArray(c), c == msgpcode.Array16, c == msgpcode.Array32:
		n, err = d.DecodeArrayLen()
	case msgpcode.IsFixedMap(c), c == msgpcode.Map16, c == msgpcode.Map32:
		n, err = d.DecodeMapLen()
		n *= 2
	default:
		return 0, d.Skip()
	}
	deepest := 0
	for ; err == nil && n > 0; n-- {
		var k int
		k, err = libDepth(d)
		deepest = max(deepest, k)
	}
	return deepest + 1, err
}

// checkHead compares the header of the first value of b, which the library accepted whole,
// with what the library's typed readers find there.
func checkHead(t *testing.T, b []byte) {
	h, next, err := ReadHead(b, 0)
	if err != nil || h.Code != b[0] {
		t.Fatalf("% x: ReadHead %+v, %v on a value the library reads", b, h, err)
	}
	d := msgpack.NewDecoder(bytes.NewReader(b))
	same := false
	switch h.Kind {
	case Nil:
		same = d.DecodeNil() == nil
	case Bool:
		v, err := d.DecodeBool()
		same = err == nil && v == h.Bool()
	case Uint:
		v, err := d.DecodeUint64()
		same = err == nil && v == h.Uint()
	case Int:
		v, err := d.DecodeInt64()
		same = err == nil && v == h.Int() && v < 0
	case Float:
		v, err := d.DecodeFloat64()
		same = err == nil && math.Float64bits(v) == h.V
	case Str, Bin:
		v, err := d.DecodeBytes()
		same = err == nil && bytes.Equal(v, b[next:next+h.N])
	case Ext:
		typ, n, err := d.DecodeExtHeader()
		same = err == nil && typ == h.ExtType() && n == h.N
	case Array:
		n, err := d.DecodeArrayLen()
		same = err == nil && n == h.N
	case Map:
		n, err := d.DecodeMapLen()
		same = err == nil && n == h.N
	}
	if !same {
		t.Fatalf("% x: ReadHead %+v (next %d), the library reads otherwise", b[:min(len(b), 40)], h, next)
	}
}

// FuzzSkip: on any bytes, Skip and SkipN consume exactly the value the msgpack library reads
// (Skip refusing only a value nested deeper than its bound), ReadHead agrees with the
// library's typed readers on it, and where the library finds no whole value they fail with
// one of the package's errors. Nothing panics. SkipN is also checked over the run of values
// the library reads one after the other.
func FuzzSkip(f *testing.F) {
	for _, s := range []string{
		"82 a1 61 93 01 a1 62 c4 01 ff a1 63 80",
		"dc 00 02 cb 3f e0 00 00 00 00 00 00 ca 3d cc cc cd",
		"d4 00 00 d7 00 00 00 01 8b 2b 2c 1a 80 c7 02 05 aa bb",
		"92 91 91 91 c0 d0 80 d3 80 00 00 00 00 00 00 00",
		"de 00 01 a1 61 df 00 00 00 01 d9 01 62 dd 00 00 00 00",
		"c1", "92 01", "db ff ff ff ff", "85 c0", "c3 c2 c0 ff",
	} {
		f.Add(hx(f, s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, b []byte, bound uint8) {
		maxDepth := int(bound % 8)
		known := func(err error) bool {
			return errors.Is(err, ErrTruncated) || errors.Is(err, ErrReserved) || errors.Is(err, ErrTooDeep)
		}
		size, depth, libErr := libValue(b)
		end, err := Skip(b, 0, maxDepth)
		endN, errN := SkipN(b, 0, 1)
		if (err != nil && !known(err)) || (errN != nil && !known(errN)) || errors.Is(errN, ErrTooDeep) {
			t.Fatalf("% x: errors %v, %v", b, err, errN)
		}
		if libErr != nil {
			if err == nil || errN == nil {
				t.Fatalf("% x: library: %v; Skip %d, %v; SkipN %d, %v", b, libErr, end, err, endN, errN)
			}
			return
		}
		if errN != nil || endN != size {
			t.Fatalf("% x: library reads %d bytes; SkipN %d, %v", b, size, endN, errN)
		}
		if depth > maxDepth {
			if !errors.Is(err, ErrTooDeep) {
				t.Fatalf("% x: depth %d over %d; Skip %d, %v", b, depth, maxDepth, end, err)
			}
		} else if err != nil || end != size {
			t.Fatalf("% x: library reads %d bytes, depth %d; Skip %d, %v", b, size, depth, end, err)
		}
		checkHead(t, b)

		// The run of values that follow each other, as far as the library reads them.
		r := bytes.NewReader(b)
		d := msgpack.NewDecoder(r)
		n, read := 0, 0
		for d.Skip() == nil {
			n, read = n+1, len(b)-r.Len()
		}
		if end, err := SkipN(b, 0, n); err != nil || end != read {
			t.Fatalf("% x: %d values: library reads %d bytes; SkipN %d, %v", b, n, read, end, err)
		}
		if end, err := SkipN(b, 0, n+1); err == nil {
			t.Fatalf("% x: library reads %d values, SkipN one more (to %d)", b, n, end)
		}
	})
}
