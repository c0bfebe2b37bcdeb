package main

import (
	"runtime"
	"sync"
	"time"
)

// clockSlot is the clock's resolution: a bot's input goes out within this of its phase.
const clockSlot = time.Millisecond

// inputClock sends every playing bot's input at the run's rate, each bot at its own phase of
// the interval. A ticker per bot woke each bot's goroutine for every input, and the wake-ups
// were a large share of a bot's CPU; the clock wakes once per slot and sends the inputs of
// every bot whose phase falls in it. It has a shard per processor, so that sends run in
// parallel; a bot belongs to shard index % shards.
type inputClock struct {
	interval time.Duration
	slots    int // slots per interval
	shards   []*clockShard
	send     func(*bot) // (*bot).send; a test's counter
	stop     chan struct{}
	done     sync.WaitGroup
}

// clockShard is one goroutine's share of the bots, by slot. Its lock is held while the
// shard sends a slot's inputs, so a bot that leaves (remove) is never sent to after.
type clockShard struct {
	mu    sync.Mutex
	slots [][]*bot // guarded by mu
}

// clockEntry is where a bot sits in its shard; owned by that shard's lock.
type clockEntry struct {
	slot, pos int // pos < 0: not on the clock
}

func newInputClock(rate int) *inputClock {
	c := newStoppedClock(rate, runtime.GOMAXPROCS(0), (*bot).send)
	start := time.Now()
	for _, s := range c.shards {
		c.done.Add(1)
		go func() {
			defer c.done.Done()
			c.run(s, start)
		}()
	}
	return c
}

// newStoppedClock is a clock of shards shards whose goroutines are not started.
func newStoppedClock(rate, shards int, send func(*bot)) *inputClock {
	interval := time.Second / time.Duration(rate)
	c := &inputClock{
		interval: interval,
		slots:    max(1, int((interval+clockSlot-1)/clockSlot)),
		send:     send,
		stop:     make(chan struct{}),
	}
	for range shards {
		c.shards = append(c.shards, &clockShard{slots: make([][]*bot, c.slots)})
	}
	return c
}

// close stops the clock's goroutines; no send runs after it returns.
func (c *inputClock) close() {
	close(c.stop)
	c.done.Wait()
}

func (c *inputClock) shard(b *bot) *clockShard { return c.shards[b.index%len(c.shards)] }

// add puts b on the clock at phase (in [0, interval)): its first input goes out at the next
// time the clock passes that phase.
func (c *inputClock) add(b *bot, phase time.Duration) {
	s := c.shard(b)
	slot := min(int(phase/(c.interval/time.Duration(c.slots))), c.slots-1)
	s.mu.Lock()
	b.clock = clockEntry{slot: slot, pos: len(s.slots[slot])}
	s.slots[slot] = append(s.slots[slot], b)
	s.mu.Unlock()
}

// remove takes b off the clock; once it returns, b is sent no input until added again.
func (c *inputClock) remove(b *bot) {
	s := c.shard(b)
	s.mu.Lock()
	defer s.mu.Unlock()
	e := b.clock
	if e.pos < 0 {
		return
	}
	list := s.slots[e.slot]
	last := len(list) - 1
	list[e.pos] = list[last]
	list[e.pos].clock.pos = e.pos
	list[last] = nil
	s.slots[e.slot] = list[:last]
	b.clock.pos = -1
}

// run sends the inputs of each slot as the clock passes it.
func (c *inputClock) run(s *clockShard, start time.Time) {
	slotLen := c.interval / time.Duration(c.slots)
	tick := time.NewTicker(slotLen)
	defer tick.Stop()
	next := int64(0) // the next slot to send, counted from start
	for {
		select {
		case <-c.stop:
			return
		case now := <-tick.C:
			next = c.sendDue(s, next, int64(now.Sub(start)/slotLen))
		}
	}
}

// sendDue sends the inputs of slots next to due (the slots fully begun, counted from the
// clock's start) and returns the next slot to send. A shard that fell behind sends each bot
// of the slots it missed once, not once per missed interval: at most one interval's slots,
// the last ones, as a ticker drops ticks, and the report's input rate shows it.
func (c *inputClock) sendDue(s *clockShard, next, due int64) int64 {
	n := int64(c.slots)
	if due-next >= n {
		next = due - n + 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for ; next <= due; next++ {
		for _, b := range s.slots[next%n] {
			c.send(b)
		}
	}
	return next
}
