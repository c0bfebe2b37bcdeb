package main

import (
	"testing"
	"time"
)

func TestHistogramBuckets(t *testing.T) {
	prev := -1
	for us := uint64(0); us < 1<<22; us += 1 + us/64 {
		i := bucketOf(us)
		if i < prev {
			t.Fatalf("bucket of %d µs is %d, below %d", us, i, prev)
		}
		prev = i
		if mid := bucketMid(i); us >= histLinear && (mid < float64(us)*0.93 || mid > float64(us)*1.07) {
			t.Fatalf("%d µs lands in bucket %d with middle %.0f", us, i, mid)
		}
	}
}

func TestHistogramQuantiles(t *testing.T) {
	var h histogram
	for i := 1; i <= 1000; i++ {
		h.record(time.Duration(i) * time.Millisecond)
	}
	s := h.summarize(false)
	near := func(name string, got, want float64) {
		if got < want*0.94 || got > want*1.06 {
			t.Errorf("%s = %.2f ms, want about %.0f", name, got, want)
		}
	}
	near("p50", s.P50, 500)
	near("p90", s.P90, 900)
	near("p99", s.P99, 990)
	if s.Max != 1000 || s.Count != 1000 || !(s.P50 <= s.P90 && s.P90 <= s.P99 && s.P99 <= s.Max) {
		t.Errorf("summary %+v", s)
	}
	if r := h.summarize(true); r.Count != 1000 {
		t.Errorf("reset summary %+v", r)
	}
	if s := h.summarize(false); s.Count != 0 || s.Max != 0 {
		t.Errorf("after reset %+v", s)
	}
}
