package game

import "slices"

// Timers are a game's tick-based timers: a function to run after some
// ticks, or every so many ticks. They belong to the room: the runtime fires
// the due ones once per tick, after the tick's inputs and before Step, in
// the order they fall due (earlier first, then in the order they were
// set), and drops them all when the room closes. Counting ticks, not wall
// time, keeps a game deterministic: a seed and an input log replay its
// timers too. The zero value is ready to use.
type Timers struct {
	now  uint64   // the tick last fired (0 before the first)
	next uint64   // the id of the next timer set
	due  []*Timer // pending, in firing order
}

// Timer is one pending timer.
type Timer struct {
	t     *Timers
	id    uint64
	at    uint64 // the tick it fires in
	every uint64 // 0 for a one-shot timer
	fn    func()
	done  bool
}

// After runs fn once, in the tick that comes n ticks after the current one
// (n >= 1; 0 counts as 1). Set in Mode.New, before the first tick, it runs
// in tick n.
func (ts *Timers) After(n uint64, fn func()) *Timer { return ts.add(max(n, 1), 0, fn) }

// Every runs fn every n ticks (n >= 1; 0 counts as 1), the first time n
// ticks after the current one, until stopped.
func (ts *Timers) Every(n uint64, fn func()) *Timer {
	n = max(n, 1)
	return ts.add(n, n, fn)
}

func (ts *Timers) add(n, every uint64, fn func()) *Timer {
	ts.next++
	t := &Timer{t: ts, id: ts.next, at: ts.now + n, every: every, fn: fn}
	ts.insert(t)
	return t
}

// insert keeps due ordered by (at, id).
func (ts *Timers) insert(t *Timer) {
	i, _ := slices.BinarySearchFunc(ts.due, t, func(a, b *Timer) int {
		switch {
		case a.at != b.at:
			if a.at < b.at {
				return -1
			}
			return 1
		case a.id < b.id:
			return -1
		case a.id > b.id:
			return 1
		}
		return 0
	})
	ts.due = slices.Insert(ts.due, i, t)
}

// Stop cancels the timer; false if it had already fired (a one-shot one)
// or been stopped.
func (t *Timer) Stop() bool {
	if t.done {
		return false
	}
	t.done = true
	if i := slices.Index(t.t.due, t); i >= 0 {
		t.t.due = slices.Delete(t.t.due, i, i+1)
	}
	return true
}

// Pending is the number of timers not yet fired or stopped.
func (ts *Timers) Pending() int { return len(ts.due) }

// Fire runs the timers due at tick (and any left from earlier ticks), in
// order. A timer set by a running one for this same tick waits for the
// next. The runtime calls it once per tick; a test kit may too.
func (ts *Timers) Fire(tick uint64) {
	ts.now = tick
	for len(ts.due) > 0 && ts.due[0].at <= tick {
		t := ts.due[0]
		ts.due = ts.due[1:]
		if t.every > 0 {
			t.at = tick + t.every
			ts.insert(t)
		} else {
			t.done = true
		}
		t.fn()
	}
}

// Clear drops every pending timer (the room is closing).
func (ts *Timers) Clear() {
	for _, t := range ts.due {
		t.done = true
	}
	ts.due = nil
}
