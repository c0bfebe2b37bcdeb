package game

import (
	"math"
	"math/bits"
	"math/rand/v2"
)

// randStream is the fixed second PCG seed word: a room's randomness is a
// function of its one 64-bit seed alone.
const randStream = 0x7469636b726f6f6d // "tickroom"

// Rand is a seeded, deterministic random source for one room: PCG-DXSM
// (math/rand/v2.PCG, whose output is fixed by its specification) with every
// derived method (IntN, Float64, ...) implemented here, so a seed gives the
// same numbers on every platform and Go release. Not safe for concurrent
// use; the room goroutine owns it.
type Rand struct {
	src rand.PCG
}

// NewRand returns a source seeded with seed.
func NewRand(seed uint64) *Rand {
	r := &Rand{}
	r.src.Seed(seed, randStream)
	return r
}

// Uint64 returns 64 uniformly random bits.
func (r *Rand) Uint64() uint64 { return r.src.Uint64() }

// Uint64N returns a uniform number in [0, n); it panics if n is 0.
// Lemire's multiply-and-reject method: unbiased, usually one draw.
func (r *Rand) Uint64N(n uint64) uint64 {
	if n == 0 {
		panic("game: Rand.Uint64N(0)")
	}
	hi, lo := bits.Mul64(r.src.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(r.src.Uint64(), n)
		}
	}
	return hi
}

// IntN returns a uniform int in [0, n); it panics if n <= 0.
func (r *Rand) IntN(n int) int {
	if n <= 0 {
		panic("game: Rand.IntN of a non-positive bound")
	}
	return int(r.Uint64N(uint64(n)))
}

// Float64 returns a uniform float64 in [0, 1) with 53 random bits.
func (r *Rand) Float64() float64 {
	return float64(r.src.Uint64()>>11) * 0x1p-53
}

// Range returns a uniform float64 in [lo, hi).
func (r *Rand) Range(lo, hi float64) float64 {
	return lo + (hi-lo)*r.Float64()
}

// Bool returns true with probability 1/2.
func (r *Rand) Bool() bool { return r.src.Uint64()>>63 != 0 }

// Angle returns a uniform angle in [0, 2π).
func (r *Rand) Angle() float64 { return 2 * math.Pi * r.Float64() }

// Shuffle permutes n elements with swap (Fisher-Yates, from the top).
func (r *Rand) Shuffle(n int, swap func(i, j int)) {
	for i := n - 1; i > 0; i-- {
		swap(i, int(r.Uint64N(uint64(i+1))))
	}
}
