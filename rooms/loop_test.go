package rooms

import (
	"testing"
	"testing/synctest"
	"time"
)

// at returns when tick n (from 1) of a rate Hz schedule starting at start
// is due: start + n/rate exactly, in integer nanoseconds.
func at(start time.Time, n uint64, rate int) time.Time {
	r := uint64(rate)
	return start.Add(time.Duration(n/r)*time.Second + time.Duration(n%r)*time.Second/time.Duration(r))
}

func TestRate20Hz(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mode, h := newProbe(20)
		start := time.Now()
		rr := startRoom(t, mode, quietConfig())
		time.Sleep(time.Second)
		synctest.Wait()
		if got := rr.Stats().Ticks; got != 20 {
			t.Errorf("ticks after 1 s at 20 Hz: %d, want 20", got)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if got := rr.Stats().Ticks; got != 40 {
			t.Errorf("ticks after 2 s at 20 Hz: %d, want 40", got)
		}
		for i, ts := range h.stepTimes() {
			if want := at(start, uint64(i+1), 20); !ts.Equal(want) {
				t.Fatalf("tick %d at %v, want %v", i+1, ts.Sub(start), want.Sub(start))
			}
		}
		if err := rr.stop(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestNoDrift runs 10,000 ticks and checks every one happened at exactly
// start + n*dt, at a rate that divides a second (20 Hz) and one that does
// not (60 Hz: dt is not a whole number of nanoseconds).
func TestNoDrift(t *testing.T) {
	for _, rate := range []int{20, 60} {
		t.Run(time.Duration(time.Second/time.Duration(rate)).String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				mode, h := newProbe(rate)
				start := time.Now()
				rr := startRoom(t, mode, quietConfig())
				const n = 10000
				time.Sleep(at(start, n, rate).Sub(start))
				synctest.Wait()
				steps := h.stepTimes()
				if len(steps) != n {
					t.Fatalf("%d ticks, want %d", len(steps), n)
				}
				for i, ts := range steps {
					if want := at(start, uint64(i+1), rate); !ts.Equal(want) {
						t.Fatalf("tick %d at %v, want %v (drift %v)", i+1, ts.Sub(start), want.Sub(start), ts.Sub(want))
					}
				}
				st := rr.Stats()
				if st.Overruns != 0 || st.CatchUpSteps != 0 {
					t.Errorf("overruns %d, catch-up steps %d, want 0", st.Overruns, st.CatchUpSteps)
				}
				if err := rr.stop(); err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}

// TestCatchUpBounded stalls one Step for 500 ms (ten 50 ms slots): the
// next wake-up runs MaxCatchUp+1 steps, drops the other due slots as
// overruns, and the schedule continues on its original grid.
func TestCatchUpBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mode, h := newProbe(20)
		h.sleepAt[10] = 500 * time.Millisecond // tick 10 runs at 500 ms, ends at 1000 ms
		h.sleepAt[30] = 2 * time.Second
		start := time.Now()
		rr := startRoom(t, mode, quietConfig())
		time.Sleep(1100 * time.Millisecond)
		synctest.Wait()
		st := rr.Stats()
		// At 1000 ms slots 11..20 are due: ticks 11..14 run, 6 slots dropped.
		// Slots 21 (1050 ms) and 22 (1100 ms) are ticks 15 and 16.
		if st.Ticks != 16 || st.CatchUpSteps != 3 || st.Overruns != 6 {
			t.Errorf("after the stall: ticks %d, catch-up %d, overruns %d; want 16, 3, 6", st.Ticks, st.CatchUpSteps, st.Overruns)
		}
		steps := h.stepTimes()
		for tick := 11; tick <= 14; tick++ {
			if want := start.Add(time.Second); !steps[tick-1].Equal(want) {
				t.Errorf("catch-up tick %d at %v, want %v", tick, steps[tick-1].Sub(start), want.Sub(start))
			}
		}
		if want := at(start, 21, 20); !steps[14].Equal(want) {
			t.Errorf("tick 15 at %v, want %v (slot 21)", steps[14].Sub(start), want.Sub(start))
		}
		// Tick 30 is at slot 36 (1800 ms) and stalls 2 s: 40 slots due,
		// 4 steps, 36 more overruns.
		time.Sleep(4 * time.Second)
		synctest.Wait()
		st = rr.Stats()
		if st.CatchUpSteps != 6 || st.Overruns != 42 {
			t.Errorf("after two stalls: catch-up %d, overruns %d; want 6, 42", st.CatchUpSteps, st.Overruns)
		}
		// Every step ran or was dropped: ticks + overruns = slots elapsed.
		if slots := uint64(5100 / 50); st.Ticks+st.Overruns != slots {
			t.Errorf("ticks %d + overruns %d != %d slots", st.Ticks, st.Overruns, slots)
		}
		if err := rr.stop(); err != nil {
			t.Fatal(err)
		}
	})
}
