package main

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// histogram counts durations in log-linear buckets of microseconds: exact
// below 32 µs, then 16 buckets per power of two (at most ~6 % wide). It is
// shared by all bots, so every field is atomic; the zero value is ready.
// One value covers up to 2^40 µs (12 days); bigger ones land in the last
// bucket.
type histogram struct {
	counts [histBuckets]atomic.Uint64
	n      atomic.Uint64
	sum    atomic.Uint64 // µs
	max    atomic.Int64  // ns, exact
}

const (
	histSub     = 16 // buckets per power of two above 32 µs
	histLinear  = 2 * histSub
	histMaxExp  = 40
	histBuckets = histLinear + histMaxExp*histSub
)

func bucketOf(us uint64) int {
	if us < histLinear {
		return int(us)
	}
	shift := bits.Len64(us) - 5 // keep the top 5 bits: 16..31
	i := histLinear + (shift-1)*histSub + int(us>>shift) - histSub
	return min(i, histBuckets-1)
}

// bucketMid returns the middle of bucket i in µs.
func bucketMid(i int) float64 {
	if i < histLinear {
		return float64(i) + 0.5
	}
	shift := (i-histLinear)/histSub + 1
	m := uint64((i-histLinear)%histSub + histSub)
	lo := m << shift
	return float64(lo) + float64(uint64(1)<<shift)/2
}

// record adds one duration; a negative one counts as zero.
func (h *histogram) record(d time.Duration) {
	d = max(d, 0)
	us := uint64(d / time.Microsecond)
	h.counts[bucketOf(us)].Add(1)
	h.n.Add(1)
	h.sum.Add(us)
	for {
		m := h.max.Load()
		if int64(d) <= m || h.max.CompareAndSwap(m, int64(d)) {
			break
		}
	}
}

// summary is a histogram's numbers; quantiles are bucket middles, clamped
// to the exact max so that p50 <= p90 <= p99 <= max always holds.
type summary struct {
	Count uint64  `json:"count"`
	Mean  float64 `json:"mean_ms"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
}

// snapshot copies the counts out; with reset it also empties the histogram
// (for per-interval numbers; a value recorded meanwhile may straddle).
func (h *histogram) summarize(reset bool) summary {
	var counts [histBuckets]uint64
	var n uint64
	for i := range h.counts {
		if reset {
			counts[i] = h.counts[i].Swap(0)
		} else {
			counts[i] = h.counts[i].Load()
		}
		n += counts[i]
	}
	var sum uint64
	var mx int64
	if reset {
		h.n.Store(0)
		sum, mx = h.sum.Swap(0), h.max.Swap(0)
	} else {
		sum, mx = h.sum.Load(), h.max.Load()
	}
	s := summary{Count: n, Max: float64(mx) / 1e6}
	if n == 0 {
		return s
	}
	s.Mean = float64(sum) / float64(n) / 1e3
	q := func(p float64) float64 {
		rank := uint64(p * float64(n))
		if rank >= n {
			rank = n - 1
		}
		var seen uint64
		for i, c := range counts {
			seen += c
			if seen > rank {
				return min(bucketMid(i)/1e3, s.Max)
			}
		}
		return s.Max
	}
	s.P50, s.P90, s.P99 = q(0.50), q(0.90), q(0.99)
	return s
}
