package main

import (
	"bytes"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/netio/sioparser"
	"github.com/vmihailenco/msgpack/v5"
)

// TestInputDataSize: the counted size of an input is the length the client encodes, the
// encoding is canonical (what sioparser.Normalize makes of it), and it carries the values.
func TestInputDataSize(t *testing.T) {
	nums := []float64{0, math.Copysign(0, -1), 1, -1, 0.5, -0.25, 127, 128, -32, -33, 255, 256, -128, -129,
		65535, 65536, -32768, -32769, 1 << 32, -(1 << 31), -(1 << 31) - 1, 1 << 53, math.Inf(1), math.Inf(-1), 1e300, -1e300,
		1 << 63, -(1 << 63), 1 << 64, -(1 << 64)}
	seqs := []uint64{1, 127, 128, 255, 256, 65535, 65536, 1<<32 - 1, 1 << 32, 1<<53 - 1}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		nums = append(nums, rng.Float64()*2-1)
	}
	fields := []game.InputField{
		{Name: "x", Kind: game.KindFloat, Min: -1, Max: 1},
		{Name: "y", Kind: game.KindFloat, Min: -1, Max: 1},
		{Name: "boost", Kind: game.KindBool},
		{Name: "power", Kind: game.KindInt, Min: -1e6, Max: 1e6},
	}
	for i, x := range nums {
		in := newInput(fields)
		in.seq = seqs[i%len(seqs)]
		in.set(0, x)
		in.set(1, nums[(i*7+3)%len(nums)])
		in.setBool(2, i%3 == 0)
		in.set(3, nums[(i*5+1)%len(nums)]*1000)
		raw := in.appendMsgpack(nil)
		norm, err := sioparser.Normalize(raw)
		if err != nil || !bytes.Equal(norm, raw) {
			t.Fatalf("seq %d, vals %v: not canonical (%v):\n% x\n% x", in.seq, in.vals, err, raw, norm)
		}
		data, err := sioparser.EncodeArgs("input", []any{sioparser.Canonical(raw)})
		if err != nil {
			t.Fatal(err)
		}
		if got := inputEventOverhead + len(raw); got != len(data) {
			t.Fatalf("seq %d, vals %v: counted %d, encoded %d bytes (% x)", in.seq, in.vals, got, len(data), data)
		}
		var back map[string]any
		if err := msgpack.Unmarshal(raw, &back); err != nil {
			t.Fatal(err)
		}
		if len(back) != 1+len(fields) || back["boost"] != (i%3 == 0) || number(back["seq"]) != float64(in.seq) {
			t.Fatalf("decoded %v from seq %d, %v", back, in.seq, in.vals)
		}
		for k, f := range fields {
			if f.Kind != game.KindBool && number(back[f.Name]) != in.vals[k] {
				t.Fatalf("decoded %s = %v from %v", f.Name, back[f.Name], in.vals[k])
			}
		}
	}
}

// number is a decoded msgpack number as a float64 (NaN for anything else).
func number(v any) float64 {
	r := reflect.ValueOf(v)
	switch {
	case r.CanInt():
		return float64(r.Int())
	case r.CanUint():
		return float64(r.Uint())
	case r.CanFloat():
		return r.Float()
	}
	return math.NaN()
}
