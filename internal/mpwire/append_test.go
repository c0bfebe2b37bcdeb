package mpwire

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

// TestAppendInts: each integer takes the smallest encoding (unsigned forms for non-negative
// values), reads back through ReadHead, and the msgpack library reads the same value.
func TestAppendInts(t *testing.T) {
	for _, c := range []struct {
		v    int64
		size int
	}{
		{0, 1}, {127, 1}, {128, 2}, {255, 2}, {256, 3}, {65535, 3}, {65536, 5},
		{math.MaxUint32, 5}, {math.MaxUint32 + 1, 9}, {math.MaxInt64, 9},
		{-1, 1}, {-32, 1}, {-33, 2}, {-128, 2}, {-129, 3}, {-32768, 3}, {-32769, 5},
		{math.MinInt32, 5}, {math.MinInt32 - 1, 9}, {math.MinInt64, 9},
	} {
		b := AppendInt([]byte{0xc0}, c.v)[1:]
		if len(b) != c.size {
			t.Errorf("%d: % x, want %d bytes", c.v, b, c.size)
		}
		h, next, err := ReadHead(b, 0)
		if err != nil || next != len(b) || h.Int() != c.v || (h.Kind == Uint) != (c.v >= 0) {
			t.Errorf("%d: % x reads %+v, %d, %v", c.v, b, h, next, err)
		}
		var lib int64
		if err := msgpack.Unmarshal(b, &lib); err != nil || lib != c.v {
			t.Errorf("%d: % x, library reads %d, %v", c.v, b, lib, err)
		}
		if c.v >= 0 && !bytes.Equal(AppendUint(nil, uint64(c.v)), b) {
			t.Errorf("%d: AppendUint % x, AppendInt % x", c.v, AppendUint(nil, uint64(c.v)), b)
		}
	}
	b := AppendUint(nil, math.MaxUint64)
	if h, _, err := ReadHead(b, 0); len(b) != 9 || err != nil || h.Uint() != math.MaxUint64 {
		t.Errorf("MaxUint64: % x", b)
	}
}

// TestAppendFloat64: a float is a float 64 whatever its value, NaN bits included.
func TestAppendFloat64(t *testing.T) {
	for _, f := range []float64{0, 1, -2.5, math.Inf(1), math.Float64frombits(0x7ff8000000000001)} {
		b := AppendFloat64(nil, f)
		h, next, err := ReadHead(b, 0)
		if len(b) != 9 || err != nil || next != 9 || h.Kind != Float || h.V != math.Float64bits(f) {
			t.Errorf("%v: % x reads %+v, %v", f, b, h, err)
		}
	}
}

// TestAppendHeaders: str, bin, array and map headers take the smallest form for their
// length or count, and the library reads what they announce.
func TestAppendHeaders(t *testing.T) {
	for _, n := range []int{0, 1, 15, 16, 31, 32, 255, 256, 65535, 65536} {
		size := func(fix, w8 int) int {
			switch {
			case n < fix:
				return 1
			case n < 0x100 && w8 > 0:
				return 2
			case n < 0x10000:
				return 3
			}
			return 5
		}
		s := strings.Repeat("é", n/2) + strings.Repeat("x", n%2)
		p := bytes.Repeat([]byte{7}, n)
		for _, c := range []struct {
			kind Kind
			b    []byte
			size int
		}{
			{Str, AppendString(nil, s), size(0x20, 1) + n},
			{Bin, AppendBin(nil, p), size(0, 1) + n},
			{Array, AppendArrayHeader(nil, n), size(0x10, 0)},
			{Map, AppendMapHeader(nil, n), size(0x10, 0)},
		} {
			if c.kind == Array || c.kind == Map {
				// Fill in the elements, so that ReadHead accepts the count.
				c.b = append(c.b, bytes.Repeat([]byte{0xc0}, 2*n)...)
				c.size += 2 * n
			}
			h, next, err := ReadHead(c.b, 0)
			if len(c.b) != c.size || err != nil || h.Kind != c.kind || h.N != n || next+h.N != len(c.b) && c.kind != Array && c.kind != Map {
				t.Errorf("%v %d: %d bytes (want %d), reads %+v, %v", c.kind, n, len(c.b), c.size, h, err)
				continue
			}
			d := msgpack.NewDecoder(bytes.NewReader(c.b))
			switch c.kind {
			case Str:
				if got, err := d.DecodeString(); got != s || err != nil {
					t.Errorf("str %d: library reads %d bytes, %v", n, len(got), err)
				}
			case Bin:
				if got, err := d.DecodeBytes(); !bytes.Equal(got, p) || err != nil {
					t.Errorf("bin %d: library reads %d bytes, %v", n, len(got), err)
				}
			case Array:
				if got, err := d.DecodeArrayLen(); got != n || err != nil {
					t.Errorf("array %d: library reads %d, %v", n, got, err)
				}
			case Map:
				if got, err := d.DecodeMapLen(); got != n || err != nil {
					t.Errorf("map %d: library reads %d, %v", n, got, err)
				}
			}
		}
	}
}

// TestAppendAllocs: appending into room allocates nothing, and appending keeps what dst held.
func TestAppendAllocs(t *testing.T) {
	buf := make([]byte, 0, 256)
	p := []byte("payload")
	n := testing.AllocsPerRun(100, func() {
		b := AppendMapHeader(buf[:0], 2)
		b = AppendString(b, "k")
		b = AppendInt(b, -70000)
		b = AppendUint(b, 1<<40)
		b = AppendFloat64(b, 0.5)
		b = AppendArrayHeader(b, 1)
		b = AppendBin(b, p)
		_ = AppendStrHeader(b, 300)
	})
	if n != 0 {
		t.Fatalf("%v allocations", n)
	}
	if b := AppendUint([]byte("ab"), 1); string(b) != "ab\x01" {
		t.Fatalf("% x", b)
	}
}
