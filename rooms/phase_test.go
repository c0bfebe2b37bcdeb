package rooms

import (
	"context"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tickroom/tickroom/game"
)

// TestFirstTick: the k-th room's first tick is the first moment after now at its phase of the
// period, and the phases of the first n rooms leave no gap wider than 2.7/n of a period.
func TestFirstTick(t *testing.T) {
	epoch := time.Unix(1000, 0)
	period := 50 * time.Millisecond
	for k := uint64(1); k < 200; k++ {
		for _, now := range []time.Time{epoch, epoch.Add(time.Millisecond), epoch.Add(7*time.Second + 13*time.Millisecond)} {
			ft := firstTick(epoch, now, period, k)
			phase := time.Duration(tickPhase(k) * float64(period))
			if !ft.After(now) || ft.Sub(now) > period {
				t.Fatalf("k %d, now +%v: first tick +%v, want within one period after now", k, now.Sub(epoch), ft.Sub(epoch))
			}
			if got := ft.Sub(epoch) % period; got != phase {
				t.Fatalf("k %d: phase %v, want %v", k, got, phase)
			}
		}
	}
	for _, n := range []int{2, 10, 50, 200} {
		ph := make([]float64, 0, n)
		for k := 1; k <= n; k++ {
			ph = append(ph, tickPhase(uint64(k)))
		}
		slices.Sort(ph)
		gap := ph[0] + 1 - ph[n-1] // around the circle
		for i := 1; i < n; i++ {
			gap = max(gap, ph[i]-ph[i-1])
		}
		if gap > 2.7/float64(n) {
			t.Errorf("%d rooms: widest gap %.3f of a period, want <= %.3f", n, gap, 2.7/float64(n))
		}
	}
}

// TestRoomRunsFirstTickAtFirstTick: a room given a first tick runs it then, not one period
// after Run starts, and keeps the period from there.
func TestRoomRunsFirstTickAtFirstTick(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mode, h := newProbe(20)
		s, err := mode.Configure(game.Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := time.Now().Add(13 * time.Millisecond)
		r, err := NewRoom("phase", mode, s, 1, nil, &Options{FirstTick: want})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- r.Run(ctx) }()
		time.Sleep(120 * time.Millisecond)
		synctest.Wait()
		steps := h.stepTimes()
		if len(steps) != 3 || !steps[0].Equal(want) || !steps[2].Equal(want.Add(100*time.Millisecond)) {
			t.Fatalf("ticks at %v after start, want 13, 63, 113 ms", relTimes(steps, want.Add(-13*time.Millisecond)))
		}
		cancel()
		<-done
	})
}

func relTimes(ts []time.Time, from time.Time) []time.Duration {
	out := make([]time.Duration, len(ts))
	for i, t := range ts {
		out[i] = t.Sub(from)
	}
	return out
}
