package main

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tickroom/tickroom/netio/sioparser"
)

// TestInputDataSize: the counted size of an input is the length the client encodes.
func TestInputDataSize(t *testing.T) {
	nums := []float64{0, math.Copysign(0, -1), 1, -1, 0.5, -0.25, 127, 128, -32, -33, 255, 256, -128, -129,
		65535, 65536, -32768, -32769, 1 << 32, -(1 << 31), -(1 << 31) - 1, 1 << 53, math.NaN(), math.Inf(1), math.Inf(-1), 1e300, -1e300}
	seqs := []uint64{1, 127, 128, 255, 256, 65535, 65536, 1<<32 - 1, 1 << 32, 1<<53 - 1}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		nums = append(nums, rng.Float64()*2-1)
	}
	for i, x := range nums {
		in := input{Seq: seqs[i%len(seqs)], X: x, Y: nums[(i*7+3)%len(nums)], Boost: i%3 == 0}
		data, err := sioparser.EncodeArgs("input", []any{in})
		if err != nil {
			t.Fatal(err)
		}
		if got := in.dataSize(); got != len(data) {
			t.Fatalf("%+v: dataSize %d, encoded %d bytes (% x)", in, got, len(data), data)
		}
	}
}
