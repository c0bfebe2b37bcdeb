package rooms

import (
	"math"
	"sync/atomic"
	"time"
)

// Phases hands each new room a first tick (Options.FirstTick) that spreads
// a host's rooms over the tick period. Safe for concurrent use; the zero
// value is not, use NewPhases.
type Phases struct {
	epoch time.Time // static
	n     atomic.Uint64
}

// NewPhases returns phases counted from now.
func NewPhases() *Phases { return &Phases{epoch: time.Now()} }

// Next returns the first tick of the next room, whose tick period is
// period: the first moment after now at that room's phase of the period.
func (p *Phases) Next(now time.Time, period time.Duration) time.Time {
	return firstTick(p.epoch, now, period, p.n.Add(1))
}

// firstTick is when the k-th room a host launches runs its first tick: the
// first moment after now at phase tickPhase(k) of the tick period, counted
// from epoch. Rooms made in a burst (a quickjoin ramp fills one every few
// milliseconds) would otherwise tick at nearly the same moment: every
// room's snapshots written at once, a CPU burst each period and a latency
// tail for the rooms served last. Spread over the period, the ticks of n
// rooms are at most about 2.6/n of a period apart whatever n is.
func firstTick(epoch, now time.Time, period time.Duration, k uint64) time.Time {
	phase := time.Duration(tickPhase(k) * float64(period))
	since := now.Sub(epoch) - phase
	n := since / period
	if since >= 0 {
		n++
	}
	return epoch.Add(n*period + phase)
}

// tickPhase is the fractional part of k times the golden ratio: a sequence
// of points in [0, 1) of which any first n leave no gap wider than about
// 2.6/n (the three-distance theorem).
func tickPhase(k uint64) float64 {
	const phi = 0.6180339887498949
	_, f := math.Modf(float64(k%1_000_003) * phi)
	return f
}
