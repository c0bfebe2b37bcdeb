package sioparser

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

// TestEncodeArgsCanonical: Canonical arguments are copied as they are and give the bytes
// the normalising path gives for the same (canonical) values; a mix with other arguments
// takes the normalising path.
func TestEncodeArgsCanonical(t *testing.T) {
	vals := []any{0, -1, 300, "x", strings.Repeat("é", 40), []byte{1, 2, 3}, map[string]any{"t": 1, "e": []byte{9}}, []any{1.5, true, nil}}
	var canon [][]byte
	for _, v := range vals {
		b, err := EncodeValue(v)
		if err != nil {
			t.Fatal(err)
		}
		canon = append(canon, b)
	}
	for _, name := range []string{"", "snapshot", strings.Repeat("n", 31), strings.Repeat("n", 32), strings.Repeat("n", 300)} {
		for n := 1; n <= len(canon); n++ {
			var fast, slow []any
			for _, c := range canon[:n] {
				fast = append(fast, Canonical(c))
				slow = append(slow, msgpack.RawMessage(c))
			}
			got, err1 := EncodeArgs(name, fast)
			want, err2 := EncodeArgs(name, slow)
			if err1 != nil || err2 != nil || !bytes.Equal(got, want) {
				t.Fatalf("name %q, %d args: % x (%v), want % x (%v)", name, n, got, err1, want, err2)
			}
		}
	}
	// A Canonical argument beside a Go value: normalised like any other.
	got, err := EncodeArgs("e", []any{Canonical(canon[0]), 7})
	want, _ := EncodeArgs("e", []any{0, 7})
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("mixed: % x (%v), want % x", got, err, want)
	}
}

// TestAppendCanonicalEvent: the one-step event packet is byte for byte what
// AppendMsgpack writes for the same event, after what dst already held; it
// declines what it cannot build that way.
func TestAppendCanonicalEvent(t *testing.T) {
	vals := []any{0, "x", strings.Repeat("é", 40), []byte{1, 2, 3}, map[string]any{"t": 1, "e": []byte{9}}, []any{1.5, true, nil}}
	var args []any
	for _, v := range vals {
		b, err := EncodeValue(v)
		if err != nil {
			t.Fatal(err)
		}
		args = append(args, Canonical(b))
	}
	for _, nsp := range []string{"", "/", "/admin", "/" + strings.Repeat("n", 40)} {
		for _, name := range []string{"snapshot", strings.Repeat("n", 31), strings.Repeat("n", 32), strings.Repeat("n", 300)} {
			for n := 0; n <= len(args); n++ {
				data, err := EncodeArgs(name, args[:n])
				if err != nil {
					t.Fatal(err)
				}
				want, err := AppendMsgpack([]byte("pre"), &Packet{Type: Event, Namespace: nsp, Data: data})
				if err != nil {
					t.Fatal(err)
				}
				got, ok := AppendCanonicalEvent([]byte("pre"), nsp, name, args[:n])
				if !ok || !bytes.Equal(got, want) {
					t.Fatalf("nsp %q name %q %d args: % x (%v), want % x", nsp, name, n, got, ok, want)
				}
				if p, err := DecodeMsgpack(got[3:]); err != nil || p.Type != Event {
					t.Fatalf("decode: %+v %v", p, err)
				}
				if n == 1 {
					if got1, ok := AppendCanonicalEvent1([]byte("pre"), nsp, name, args[0].(Canonical)); !ok || !bytes.Equal(got1, want) {
						t.Fatalf("one argument, nsp %q name %q: % x (%v), want % x", nsp, name, got1, ok, want)
					}
				}
			}
		}
	}
	for _, c := range []struct {
		nsp, name string
		args      []any
	}{
		{"/", "e", []any{7}},
		{"/", "e", []any{Canonical(nil)}},
		{"/", "e", []any{args[0], 7}},
		{"/", "", []any{args[0]}},
		{"/", "connect", []any{args[0]}},
		{"admin", "e", []any{args[0]}},
	} {
		if got, ok := AppendCanonicalEvent([]byte("pre"), c.nsp, c.name, c.args); ok || string(got) != "pre" {
			t.Fatalf("%+v: built % x", c, got)
		}
		if arg, one := c.args[0].(Canonical); one && len(c.args) == 1 {
			if got, ok := AppendCanonicalEvent1([]byte("pre"), c.nsp, c.name, arg); ok || string(got) != "pre" {
				t.Fatalf("%+v: built % x with one argument", c, got)
			}
		}
	}
}

// splitWithLibrary is the reference SplitArgs: the array's elements as the
// msgpack library skips them.
func splitWithLibrary(data []byte) ([][]byte, error) {
	r := bytes.NewReader(data)
	dec := msgpack.NewDecoder(r)
	n, err := dec.DecodeArrayLen()
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for i := 0; i < n; i++ {
		start := len(data) - r.Len()
		if err := dec.Skip(); err != nil {
			return nil, err
		}
		out = append(out, data[start:len(data)-r.Len()])
	}
	return out, nil
}

// checkSplit compares SplitArgs with the library's split of the same data,
// for every skip.
func checkSplit(t *testing.T, data []byte) {
	t.Helper()
	want, werr := splitWithLibrary(data)
	for skip := 0; skip <= len(want)+1; skip++ {
		got, err := SplitArgs(data, skip)
		if (err != nil) != (werr != nil) {
			t.Fatalf("% x skip %d: error %v, library %v", data, skip, err, werr)
		}
		if err != nil {
			continue
		}
		w := want[min(skip, len(want)):]
		if got.Len() != len(w) {
			t.Fatalf("% x skip %d: %d args, library %d", data, skip, got.Len(), len(w))
		}
		for i := range w {
			if !bytes.Equal(got.Raw(i), w[i]) {
				t.Fatalf("% x skip %d: arg %d % x, library % x", data, skip, i, got.Raw(i), w[i])
			}
		}
		for k := 0; k <= len(w); k++ {
			from := got.From(k)
			if from.Len() != len(w)-k {
				t.Fatalf("% x skip %d: From(%d) has %d args, want %d", data, skip, k, from.Len(), len(w)-k)
			}
			for i := range w[k:] {
				if !bytes.Equal(from.Raw(i), w[k+i]) {
					t.Fatalf("% x skip %d: From(%d) arg %d % x, library % x", data, skip, k, i, from.Raw(i), w[k+i])
				}
			}
		}
	}
}

// TestSplitArgs: the arguments are split as the msgpack library splits them,
// the name read as a string, and what is not an array of well-formed values
// is refused.
func TestSplitArgs(t *testing.T) {
	for _, js := range []string{`["input",{"seq":1,"x":0.5,"y":-1}]`, `[]`, `["a",[1,[2,[3]]],{"k":"é"},null,true,-5,300,1.5]`, `[{"a":{"b":{}}}]`} {
		data, err := JSONToMsgpack([]byte(js), nil)
		if err != nil {
			t.Fatal(err)
		}
		checkSplit(t, data)
	}
	if a, err := SplitArgs([]byte{0xc0}, 0); err != nil || a.Len() != 0 {
		t.Fatalf("nil: %d args, %v", a.Len(), err)
	}
	for _, bad := range [][]byte{{0x81, 0xa1, 'k', 0x01}, {0x92, 0x01}, {0x91, 0xa5, 'a'}, {0x91, 0xc1}, {0xdd, 0xff, 0xff, 0xff, 0xff}} {
		if a, err := SplitArgs(bad, 0); !errors.Is(err, ErrInvalidPacket) {
			t.Fatalf("% x: %d args, %v; want ErrInvalidPacket", bad, a.Len(), err)
		}
	}
	a, _ := SplitArgs([]byte{0x93, 0xa3, 'a', 'b', 'c', 0x07, 0xd9, 0x01, 'z'}, 0)
	for i, want := range []string{"abc", "", "z"} {
		if s, ok := a.String(i); s != want || ok != (want != "") {
			t.Fatalf("String(%d) = %q, %v; want %q", i, s, ok, want)
		}
		if b, ok := a.StringBytes(i); string(b) != want || ok != (want != "") {
			t.Fatalf("StringBytes(%d) = %q, %v; want %q", i, b, ok, want)
		}
	}
	// An input event (a name and one argument) is split, and its name read, with no allocation.
	input, err := JSONToMsgpack([]byte(`["input",{"seq":1,"x":0.5,"y":-1}]`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() {
		a, _ := SplitArgs(input, 0)
		if name, _ := a.StringBytes(0); string(name) != "input" || a.From(1).Len() != 1 {
			t.Fatal("input split wrong")
		}
	}); n != 0 {
		t.Fatalf("%v allocations to split an input event", n)
	}
}
