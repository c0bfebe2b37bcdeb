package ratelog

import (
	"sync"
	"testing"
)

func TestCounterLogsOncePerPeriod(t *testing.T) {
	var c Counter
	if log, unlogged := c.Add(); !log || unlogged != 0 {
		t.Fatalf("first event: log %v unlogged %d, want a line", log, unlogged)
	}
	for i := 0; i < 5; i++ {
		if log, _ := c.Add(); log {
			t.Fatalf("event %d logged within the period", i+2)
		}
	}
	// The period has passed: the next line carries the five left out.
	c.last.Store(c.last.Load() - int64(Every))
	if log, unlogged := c.Add(); !log || unlogged != 5 {
		t.Fatalf("after the period: log %v unlogged %d, want a line with 5", log, unlogged)
	}
	if n := c.Load(); n != 7 {
		t.Fatalf("Load %d, want 7", n)
	}
}

func TestCounterConcurrentOneLine(t *testing.T) {
	var c Counter
	var wg sync.WaitGroup
	var mu sync.Mutex
	lines, reported := 0, uint64(0)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 1000; j++ {
				if log, unlogged := c.Add(); log {
					mu.Lock()
					lines++
					reported += unlogged
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	// An event that lost the race to the line can be counted as unlogged before the winner
	// takes the count: the line then reports it. None is lost or counted twice.
	if lines != 1 || c.Load() != 8000 || reported+c.unlogged.Load() != 7999 {
		t.Fatalf("%d lines, %d counted, %d unlogged (%d of them reported by the line); want 1, 8000, 7999",
			lines, c.Load(), reported+c.unlogged.Load(), reported)
	}
}
