package main

import (
	"bytes"
	"testing"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/internal/mpwire"
	"github.com/vmihailenco/msgpack/v5"
)

// snapshotBytes writes a snapshot map the way the server does (rooms/wire.go: t, b, a, ts, e,
// then h when hashed), plus extra trailing entries when given.
func snapshotBytes(t, b, a uint64, ts int64, e []byte, h *uint32, extra ...func([]byte) []byte) []byte {
	n := 5 + len(extra)
	if h != nil {
		n++
	}
	out := mpwire.AppendMapHeader(nil, n)
	out = mpwire.AppendUint(mpwire.AppendString(out, "t"), t)
	out = mpwire.AppendUint(mpwire.AppendString(out, "b"), b)
	out = mpwire.AppendUint(mpwire.AppendString(out, "a"), a)
	out = mpwire.AppendInt(mpwire.AppendString(out, "ts"), ts)
	out = mpwire.AppendBin(mpwire.AppendString(out, "e"), e)
	if h != nil {
		out = mpwire.AppendUint(mpwire.AppendString(out, "h"), uint64(*h))
	}
	for _, f := range extra {
		out = f(out)
	}
	return out
}

// sameAsLibrary checks that decodeSnapshot read raw as msgpack.Unmarshal reads it into
// game.Snapshot, the struct the protocol documents.
func sameAsLibrary(t *testing.T, raw []byte, got *snapshot) {
	t.Helper()
	var want game.Snapshot
	if err := msgpack.Unmarshal(raw, &want); err != nil {
		t.Fatalf("decodeSnapshot took %x, which the msgpack library refuses: %v", raw, err)
	}
	if got.T != want.T || got.B != want.B || got.A != want.A || got.TS != want.TS || !bytes.Equal(got.E, want.E) ||
		got.HasH != (want.H != nil) || want.H != nil && got.H != *want.H {
		t.Fatalf("%x: decodeSnapshot %+v, the library %+v (h %v)", raw, *got, want, want.H)
	}
}

func TestDecodeSnapshot(t *testing.T) {
	h := uint32(0xdeadbeef)
	unknown := func(dst []byte) []byte {
		dst = mpwire.AppendString(dst, "x")
		dst = mpwire.AppendArrayHeader(dst, 2)
		return mpwire.AppendString(mpwire.AppendUint(dst, 7), "y")
	}
	nilH := func(dst []byte) []byte { return append(mpwire.AppendString(dst, "h"), 0xc0) }
	good := map[string][]byte{
		"delta":           snapshotBytes(1000, 999, 37, 1_700_000_000_000, []byte{1, 2, 3}, nil),
		"full with hash":  snapshotBytes(1, 0, 0, 5, []byte{9}, &h),
		"negative ts":     snapshotBytes(1, 0, 0, -5, nil, nil),
		"big numbers":     snapshotBytes(1<<40, 1<<33, 1<<20, 1<<50, bytes.Repeat([]byte{7}, 300), &h),
		"unknown key":     snapshotBytes(3, 2, 1, 0, []byte{1}, nil, unknown),
		"h nil last wins": snapshotBytes(3, 2, 1, 0, []byte{1}, &h, nilH),
	}
	for name, raw := range good {
		var s snapshot
		if err := decodeSnapshot(raw, &s); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		sameAsLibrary(t, raw, &s)
	}
	var s snapshot
	if err := decodeSnapshot(good["full with hash"], &s); err != nil || !s.HasH || s.H != h || s.B != 0 || s.T != 1 {
		t.Errorf("full with hash: %+v, %v", s, err)
	}
	str := func(dst []byte) []byte { return mpwire.AppendString(mpwire.AppendString(dst, "t"), "1") }
	bigH := func(dst []byte) []byte { return mpwire.AppendUint(mpwire.AppendString(dst, "h"), 1<<32) }
	negA := func(dst []byte) []byte { return mpwire.AppendInt(mpwire.AppendString(dst, "a"), -1) }
	bad := map[string][]byte{
		"not a map":     mpwire.AppendArrayHeader(nil, 0),
		"truncated":     snapshotBytes(1, 0, 0, 0, []byte{1, 2}, nil)[:19],
		"t a string":    snapshotBytes(1, 0, 0, 0, nil, nil, str),
		"h above 2^32":  snapshotBytes(1, 0, 0, 0, nil, nil, bigH),
		"negative a":    snapshotBytes(1, 0, 0, 0, nil, nil, negA),
		"trailing byte": append(snapshotBytes(1, 0, 0, 0, nil, nil), 0xc0),
		"int key":       append(mpwire.AppendMapHeader(nil, 1), 1, 2),
	}
	for name, raw := range bad {
		if err := decodeSnapshot(raw, &s); err == nil {
			t.Errorf("%s: decoded %+v", name, s)
		}
	}
}

// FuzzDecodeSnapshot: whatever decodeSnapshot takes, the msgpack library reads the same way.
func FuzzDecodeSnapshot(f *testing.F) {
	h := uint32(42)
	f.Add(snapshotBytes(1000, 999, 37, 1_700_000_000_000, []byte{1, 2, 3}, nil))
	f.Add(snapshotBytes(1, 0, 0, -5, []byte{9}, &h))
	f.Fuzz(func(t *testing.T, raw []byte) {
		var s snapshot
		if decodeSnapshot(raw, &s) == nil {
			sameAsLibrary(t, raw, &s)
		}
	})
}

func BenchmarkDecodeSnapshot(b *testing.B) {
	h := uint32(42)
	raw := snapshotBytes(123456, 123455, 2000, 1_700_000_000_000, bytes.Repeat([]byte{3}, 60), &h)
	b.Run("hand", func(b *testing.B) {
		b.ReportAllocs()
		var s snapshot
		for b.Loop() {
			if err := decodeSnapshot(raw, &s); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("msgpack", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var s game.Snapshot
			if err := msgpack.Unmarshal(raw, &s); err != nil {
				b.Fatal(err)
			}
		}
	})
}
