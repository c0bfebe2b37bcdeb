package mpwire

import (
	"errors"
	"strings"
	"testing"
)

// nest is depth arrays of one element around nil.
func nest(depth int) []byte {
	return append([]byte(strings.Repeat("\x91", depth)), 0xc0)
}

// skipCase is one call of Skip or SkipN on in: arg is the depth bound or the count.
type skipCase struct {
	in   string
	arg  int
	end  int
	want error
}

func checkSkips(t *testing.T, name string, skip func(b []byte, i, arg int) (int, error), cases []skipCase) {
	t.Helper()
	for _, c := range cases {
		end, err := skip(hx(t, c.in), 0, c.arg)
		if err != c.want || (err == nil && end != c.end) {
			t.Errorf("%s(%s, %d): %d, %v; want %d, %v", name, c.in, c.arg, end, err, c.end, c.want)
		}
	}
}

// TestSkip: Skip passes one whole value, nested ones included, up to maxDepth levels of
// arrays and maps and not one more; what follows the value is not read.
func TestSkip(t *testing.T) {
	checkSkips(t, "Skip", Skip, []skipCase{
		{"c0 c0", 0, 1, nil},
		{"a3 61 62 63 c0", 0, 4, nil},
		{"c7 02 07 00 00 c0", 0, 5, nil},
		{"d6 07 00 00 00 00", 0, 6, nil},
		{"92 01 a1 61 c0", 1, 4, nil},
		{"92 01 a1 61", 0, 1, ErrTooDeep},
		{"82 a1 61 91 c0 a1 62 80", 2, 8, nil},
		{"82 a1 61 91 c0 a1 62 80", 1, 5, ErrTooDeep},
		{"92 01", 5, 2, ErrTruncated},
		{"91 c1", 5, 2, ErrReserved},
	})
	for _, d := range []int{0, 1, 100, 1000} {
		if end, err := Skip(nest(d), 0, d); err != nil || end != d+1 {
			t.Errorf("nesting %d within %d: %d, %v", d, d, end, err)
		}
		if _, err := Skip(nest(d+1), 0, d); !errors.Is(err, ErrTooDeep) {
			t.Errorf("nesting %d within %d: %v", d+1, d, err)
		}
	}
}

// TestSkipN: SkipN passes n whole values without a depth bound, and stops with an error
// where they are cut short.
func TestSkipN(t *testing.T) {
	checkSkips(t, "SkipN", SkipN, []skipCase{
		{"", 0, 0, nil},
		{"c0 c0 c0", 2, 2, nil},
		{"82 a1 61 91 c0 a1 62 80 01", 1, 8, nil},
		{"82 a1 61 91 c0 a1 62 80 01", 2, 9, nil},
		{"c4 01 aa d4 00 00 01", 3, 7, nil},
		{"c4 01 aa d4 00 00 01", 2, 6, nil},
		{"c0 c0", 3, 0, ErrTruncated},
		{"92 c0", 1, 0, ErrTruncated},
		{"91 91 c1", 1, 0, ErrReserved},
		{"a5 61", 1, 0, ErrTruncated},
	})
	deep := nest(100000)
	if end, err := SkipN(deep, 0, 1); err != nil || end != len(deep) {
		t.Errorf("nesting 100000: %d, %v", end, err)
	}
}

// TestReadAllocs: reading and skipping allocate nothing, errors included.
func TestReadAllocs(t *testing.T) {
	b := hx(t, "82 a1 61 91 cb 3f e0 00 00 00 00 00 00 a1 62 c4 01 aa")
	bad := hx(t, "92 c0")
	n := testing.AllocsPerRun(100, func() {
		ReadHead(b, 0)
		Skip(b, 0, 10)
		SkipN(b, 0, 1)
		Skip(bad, 0, 10)
		SkipN(bad, 0, 1)
	})
	if n != 0 {
		t.Fatalf("%v allocations", n)
	}
}
