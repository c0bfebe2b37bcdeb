package mpwire

import (
	"encoding/hex"
	"errors"
	"math"
	"strings"
	"testing"
)

// hx turns spaced hex into bytes.
func hx(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// TestReadHead: every header form decodes to its kind, value or count, and the index after
// it; signed encodings of non-negative values are Uint; a float 32 is widened.
func TestReadHead(t *testing.T) {
	f32 := math.Float64bits(float64(float32(0.1)))
	for _, c := range []struct {
		in   string
		want Head // Code is filled in from the input
		next int
	}{
		{"00", Head{Kind: Uint}, 1},
		{"7f", Head{Kind: Uint, V: 127}, 1},
		{"e0", Head{Kind: Int, V: uint64(0xffffffffffffffe0)}, 1},
		{"ff", Head{Kind: Int, V: math.MaxUint64}, 1},
		{"80", Head{Kind: Map}, 1},
		{"81 a1 61 c0", Head{Kind: Map, N: 1}, 1},
		{"90", Head{Kind: Array}, 1},
		{"92 01 02", Head{Kind: Array, N: 2}, 1},
		{"a0", Head{Kind: Str}, 1},
		{"a3 61 62 63", Head{Kind: Str, N: 3}, 1},
		{"c0", Head{Kind: Nil}, 1},
		{"c2", Head{Kind: Bool}, 1},
		{"c3", Head{Kind: Bool, V: 1}, 1},
		{"c4 02 01 02", Head{Kind: Bin, N: 2}, 2},
		{"c5 00 01 ff", Head{Kind: Bin, N: 1}, 3},
		{"c6 00 00 00 00", Head{Kind: Bin}, 5},
		{"c7 01 05 aa", Head{Kind: Ext, V: 5, N: 1}, 3},
		{"c8 00 00 ff", Head{Kind: Ext, V: 0xff}, 4},
		{"c9 00 00 00 02 00 aa bb", Head{Kind: Ext, N: 2}, 6},
		{"ca 3d cc cc cd", Head{Kind: Float, V: f32}, 5},
		{"cb 3f e0 00 00 00 00 00 00", Head{Kind: Float, V: math.Float64bits(0.5)}, 9},
		{"cc ff", Head{Kind: Uint, V: 255}, 2},
		{"cd 01 00", Head{Kind: Uint, V: 256}, 3},
		{"ce ff ff ff ff", Head{Kind: Uint, V: math.MaxUint32}, 5},
		{"cf ff ff ff ff ff ff ff ff", Head{Kind: Uint, V: math.MaxUint64}, 9},
		{"d0 80", Head{Kind: Int, V: uint64(math.MaxUint64 - 127)}, 2},
		{"d0 05", Head{Kind: Uint, V: 5}, 2},
		{"d1 80 00", Head{Kind: Int, V: uint64(1<<64 - 1<<15)}, 3},
		{"d2 80 00 00 00", Head{Kind: Int, V: uint64(1<<64 - 1<<31)}, 5},
		{"d3 80 00 00 00 00 00 00 00", Head{Kind: Int, V: 1 << 63}, 9},
		{"d3 7f ff ff ff ff ff ff ff", Head{Kind: Uint, V: math.MaxInt64}, 9},
		{"d4 00 aa", Head{Kind: Ext, N: 1}, 2},
		{"d5 7f aa bb", Head{Kind: Ext, V: 127, N: 2}, 2},
		{"d6 01 00 00 00 00", Head{Kind: Ext, V: 1, N: 4}, 2},
		{"d7 00 00 00 00 00 00 00 00 00", Head{Kind: Ext, N: 8}, 2},
		{"d8 00" + strings.Repeat(" 00", 16), Head{Kind: Ext, N: 16}, 2},
		{"d9 01 61", Head{Kind: Str, N: 1}, 2},
		{"da 00 01 61", Head{Kind: Str, N: 1}, 3},
		{"db 00 00 00 01 61", Head{Kind: Str, N: 1}, 5},
		{"dc 00 02 c0 c0", Head{Kind: Array, N: 2}, 3},
		{"dd 00 00 00 01 c0", Head{Kind: Array, N: 1}, 5},
		{"de 00 01 c0 c0", Head{Kind: Map, N: 1}, 3},
		{"df 00 00 00 01 c0 c0", Head{Kind: Map, N: 1}, 5},
	} {
		b := hx(t, c.in)
		c.want.Code = b[0]
		h, next, err := ReadHead(b, 0)
		if err != nil || h != c.want || next != c.next {
			t.Errorf("%s: %+v, %d, %v; want %+v, %d", c.in, h, next, err, c.want, c.next)
		}
		// The same header further into a buffer.
		h, next, err = ReadHead(append([]byte{0xc0, 0xc0}, b...), 2)
		if err != nil || h != c.want || next != c.next+2 {
			t.Errorf("%s at 2: %+v, %d, %v", c.in, h, next, err)
		}
	}
}

// TestReadHeadErrors: a header or payload cut short, a count the bytes left cannot hold, an
// index outside the buffer and the reserved code are errors, never panics.
func TestReadHeadErrors(t *testing.T) {
	for _, c := range []struct {
		in   string
		at   int
		want error
	}{
		{"", 0, ErrTruncated},
		{"c0", 1, ErrTruncated},
		{"c0", -1, ErrTruncated},
		{"c0", math.MinInt, ErrTruncated},
		{"c1", 0, ErrReserved},
		{"a3 61 62", 0, ErrTruncated},
		{"cb 3f e0", 0, ErrTruncated},
		{"ca 3f e0", 0, ErrTruncated},
		{"cd 01", 0, ErrTruncated},
		{"d2 01 02 03", 0, ErrTruncated},
		{"d7 00 00", 0, ErrTruncated},
		{"d4", 0, ErrTruncated},
		{"c7 01", 0, ErrTruncated},
		{"c7 01 00", 0, ErrTruncated},
		{"c8 01", 0, ErrTruncated},
		{"c4 05 00", 0, ErrTruncated},
		{"db ff ff ff ff 00", 0, ErrTruncated},
		{"92 c0", 0, ErrTruncated},
		{"dd 7f ff ff ff c0", 0, ErrTruncated},
		{"dc ff", 0, ErrTruncated},
		// A map entry takes two bytes at least: three bytes hold one entry, not two.
		{"82 c0 c0 c0", 0, ErrTruncated},
		{"de 00 02 c0 c0 c0", 0, ErrTruncated},
	} {
		b := hx(t, c.in)
		if h, _, err := ReadHead(b, c.at); !errors.Is(err, c.want) {
			t.Errorf("%q at %d: %+v, %v; want %v", c.in, c.at, h, err, c.want)
		}
	}
	// The bounds themselves are accepted.
	for _, in := range []string{"82 c0 c0 c0 c0", "93 c0 c0 c0", "a2 00 00", "dd 00 00 00 02 c0 c0"} {
		if _, _, err := ReadHead(hx(t, in), 0); err != nil {
			t.Errorf("%s: %v", in, err)
		}
	}
}

// TestKindString: every kind has its name.
func TestKindString(t *testing.T) {
	got := ""
	for k := Nil; k <= Map+1; k++ {
		got += k.String() + " "
	}
	if want := "nil bool uint int float str bin ext array map invalid "; got != want {
		t.Fatalf("%q, want %q", got, want)
	}
}

// TestHeadValues: the accessors read V as their kind stores it.
func TestHeadValues(t *testing.T) {
	b := AppendFloat64(AppendInt(AppendUint([]byte{0xc3}, math.MaxUint64), -5), -2.5)
	var hs [4]Head
	i := 0
	for k := range hs {
		var err error
		if hs[k], i, err = ReadHead(b, i); err != nil {
			t.Fatal(err)
		}
	}
	if !hs[0].Bool() || hs[1].Uint() != math.MaxUint64 || hs[2].Int() != -5 || hs[3].Float() != -2.5 {
		t.Fatalf("%+v", hs)
	}
	for typ, in := range map[int8]string{-1: "d4 ff 00", -128: "c7 00 80", 127: "c8 00 00 7f", 0: "d7 00 00 00 00 00 00 00 00 00"} {
		if h, _, err := ReadHead(hx(t, in), 0); err != nil || h.ExtType() != typ {
			t.Errorf("%s: %+v, %v; want ext type %d", in, h, err, typ)
		}
	}
}
