package metric

import (
	"math"
	"sync"
	"testing"
	"time"
)

func TestHistogram(t *testing.T) {
	h := NewHistogram([]float64{1, 2, 5})
	for _, v := range []float64{0.5, 1, 1.5, 2, 3, 10, 10} {
		h.Observe(v)
	}
	s := h.Snapshot()
	if want := []uint64{2, 2, 1, 2}; !equal(s.Counts, want) {
		t.Fatalf("counts %v, want %v (a value on a bound goes in that bucket)", s.Counts, want)
	}
	if s.Count() != 7 || s.Sum != 28 {
		t.Fatalf("count %d sum %v", s.Count(), s.Sum)
	}
	if q := s.Quantile(0.5); q < 1 || q > 2 {
		t.Fatalf("median %v, want within (1, 2]", q)
	}
	if q := s.Quantile(0.99); q != 5 {
		t.Fatalf("p99 %v, want the last bound for values past it", q)
	}
	both := s.Add(s)
	if both.Count() != 14 || both.Sum != 56 || (Snapshot{}).Add(s).Count() != 7 {
		t.Fatal("Add")
	}
	if (Snapshot{}).Quantile(0.5) != 0 {
		t.Fatal("an empty histogram's quantile")
	}
}

// TestHistogramConcurrent: observations from many goroutines are all
// counted and summed (the race detector watches the rest).
func TestHistogramConcurrent(t *testing.T) {
	h := NewHistogram(DurationBounds())
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				h.ObserveDuration(time.Millisecond)
			}
		}()
	}
	wg.Wait()
	s := h.Snapshot()
	if s.Count() != 8000 || math.Abs(s.Sum-8) > 1e-9 {
		t.Fatalf("count %d sum %v", s.Count(), s.Sum)
	}
}

func BenchmarkObserve(b *testing.B) {
	h := NewHistogram(DurationBounds())
	b.ReportAllocs()
	for b.Loop() {
		h.ObserveDuration(300 * time.Microsecond)
	}
}

func equal(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
