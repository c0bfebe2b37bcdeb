// Package ratelog counts events a server refuses or survives (a handshake over a limit, a
// recovered panic) and says when each kind may be logged: at most once per Every, so a flood
// of refusals writes one line per kind per period, each with the number left unlogged since
// the previous one.
//
// Place in the data flow: beside it. netio/engineio and netio/socketio keep one Counter per
// reason and expose the counts through their Stats methods; the server binary exports them.
package ratelog

import (
	"sync/atomic"
	"time"
)

// Every is the shortest time between two log lines of one Counter.
const Every = 10 * time.Second

// Counter counts one kind of event. Its zero value is ready; it is safe for concurrent use
// and lock-free.
type Counter struct {
	n        atomic.Uint64
	unlogged atomic.Uint64
	last     atomic.Int64 // Unix ns of the last log line; 0 before the first
}

// Add counts one event. log reports whether the caller should write a line for it now (the
// first event, then at most one per Every); unlogged is then how many events went without a
// line since the previous one.
func (c *Counter) Add() (log bool, unlogged uint64) {
	c.n.Add(1)
	now := time.Now().UnixNano()
	last := c.last.Load()
	if last != 0 && now-last < int64(Every) || !c.last.CompareAndSwap(last, now) {
		c.unlogged.Add(1)
		return false, 0
	}
	return true, c.unlogged.Swap(0)
}

// Load returns how many events were counted.
func (c *Counter) Load() uint64 { return c.n.Load() }
