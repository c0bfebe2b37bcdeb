package metric

import (
	"math"
	"sync/atomic"
	"time"
)

// Histogram counts observations into fixed buckets. Observe and
// ObserveDuration are safe from any goroutine and never lock or allocate;
// Snapshot reads a consistent-enough copy (each counter atomically, not all
// together). Make it with NewHistogram.
type Histogram struct {
	bounds []float64       // static: upper bounds, ascending; the last bucket is +Inf
	counts []atomic.Uint64 // len(bounds)+1
	sum    atomic.Uint64   // float64 bits of the sum of observed values
}

// NewHistogram returns a histogram with the given upper bounds (ascending,
// as Prometheus' le labels).
func NewHistogram(bounds []float64) *Histogram {
	return &Histogram{bounds: bounds, counts: make([]atomic.Uint64, len(bounds)+1)}
}

// DurationBounds are bucket bounds in seconds from 50 µs to 10 s, for
// ticks and requests.
func DurationBounds() []float64 {
	return []float64{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10}
}

// Observe counts v.
func (h *Histogram) Observe(v float64) {
	i := 0
	for i < len(h.bounds) && v > h.bounds[i] { // a dozen bounds: a scan beats a search
		i++
	}
	h.counts[i].Add(1)
	for {
		old := h.sum.Load()
		if h.sum.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

// ObserveDuration counts d in seconds.
func (h *Histogram) ObserveDuration(d time.Duration) { h.Observe(d.Seconds()) }

// Snapshot is a histogram's counts at one moment.
type Snapshot struct {
	Bounds []float64 // upper bounds, ascending (shared; do not modify)
	Counts []uint64  // per bucket (not cumulative), len(Bounds)+1: the last is above every bound
	Sum    float64
}

// Snapshot returns the histogram's counts now.
func (h *Histogram) Snapshot() Snapshot {
	s := Snapshot{Bounds: h.bounds, Counts: make([]uint64, len(h.counts)), Sum: math.Float64frombits(h.sum.Load())}
	for i := range h.counts {
		s.Counts[i] = h.counts[i].Load()
	}
	return s
}

// Count is the number of observations.
func (s Snapshot) Count() uint64 {
	var n uint64
	for _, c := range s.Counts {
		n += c
	}
	return n
}

// Add returns the sum of two snapshots of histograms with the same bounds
// (s may be the zero Snapshot).
func (s Snapshot) Add(o Snapshot) Snapshot {
	if s.Counts == nil {
		return Snapshot{Bounds: o.Bounds, Counts: append([]uint64(nil), o.Counts...), Sum: o.Sum}
	}
	out := Snapshot{Bounds: s.Bounds, Counts: append([]uint64(nil), s.Counts...), Sum: s.Sum + o.Sum}
	for i := range o.Counts {
		out.Counts[i] += o.Counts[i]
	}
	return out
}

// Quantile estimates the q-quantile (0..1) by linear interpolation inside
// its bucket; 0 for an empty histogram, the last bound for values past it.
func (s Snapshot) Quantile(q float64) float64 {
	n := s.Count()
	if n == 0 {
		return 0
	}
	rank := q * float64(n)
	var seen float64
	for i, c := range s.Counts {
		if c == 0 || seen+float64(c) < rank {
			seen += float64(c)
			continue
		}
		if i == len(s.Bounds) {
			return s.Bounds[len(s.Bounds)-1]
		}
		lo := 0.0
		if i > 0 {
			lo = s.Bounds[i-1]
		}
		return lo + (s.Bounds[i]-lo)*(rank-seen)/float64(c)
	}
	return s.Bounds[len(s.Bounds)-1]
}
