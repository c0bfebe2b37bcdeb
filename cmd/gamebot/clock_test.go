package main

import (
	"testing"
	"time"
)

// clockBots puts n bots on c's single shard, one every slots/n slots, and returns them with
// the count of inputs the clock sent each.
func clockBots(c *inputClock, n int, sent map[*bot]int) []*bot {
	bots := make([]*bot, n)
	for i := range bots {
		b := &bot{index: 0, clock: clockEntry{pos: -1}}
		bots[i] = b
		sent[b] = 0
		c.add(b, time.Duration(i)*c.interval/time.Duration(n))
	}
	return bots
}

// TestClockRate: slot by slot over k intervals, every bot is sent k inputs.
func TestClockRate(t *testing.T) {
	sent := map[*bot]int{}
	c := newStoppedClock(20, 1, func(b *bot) { sent[b]++ })
	bots := clockBots(c, 37, sent)
	const k = 3
	next := int64(0)
	for due := range int64(k * c.slots) {
		next = c.sendDue(c.shards[0], next, due)
	}
	for i, b := range bots {
		if sent[b] != k {
			t.Errorf("bot %d (slot %d): %d inputs over %d intervals", i, b.clock.slot, sent[b], k)
		}
	}
}

// TestClockCatchUp: a shard that fell behind by an interval or more sends each bot once
// when it catches up, not one bot twice (the slot the catch-up starts and ends in).
func TestClockCatchUp(t *testing.T) {
	for _, behind := range []int64{1, 2, 10} {
		sent := map[*bot]int{}
		c := newStoppedClock(20, 1, func(b *bot) { sent[b]++ })
		bots := make([]*bot, c.slots) // one bot per slot
		for i := range bots {
			bots[i] = &bot{clock: clockEntry{pos: -1}}
			c.add(bots[i], time.Duration(i)*c.interval/time.Duration(c.slots))
		}
		next := c.sendDue(c.shards[0], 0, 0) // slot 0 sent
		for b := range sent {
			sent[b] = 0
		}
		next = c.sendDue(c.shards[0], next, behind*int64(c.slots))
		for i, b := range bots {
			if sent[b] != 1 {
				t.Errorf("%d intervals behind: bot of slot %d sent %d inputs", behind, i, sent[b])
			}
		}
		if want := behind*int64(c.slots) + 1; next != want {
			t.Errorf("next %d, want %d", next, want)
		}
	}
}

// TestClockRemoveDuringSend: remove waits for a send of the bot's shard in progress, the
// bot's own included, and no input goes to the bot after it returns.
func TestClockRemoveDuringSend(t *testing.T) {
	sent := map[*bot]int{} // guarded by the shard's lock (send runs under it)
	inSend := make(chan struct{})
	release := make(chan struct{})
	var victim *bot
	c := newStoppedClock(20, 1, func(b *bot) {
		sent[b]++
		if b == victim && sent[b] == 1 {
			close(inSend)
			<-release
		}
	})
	bots := clockBots(c, 5, sent)
	victim = bots[2]
	s := c.shards[0]
	sendDone := make(chan int64)
	go func() { sendDone <- c.sendDue(s, 0, int64(c.slots-1)) }()
	<-inSend
	removed := make(chan struct{})
	go func() {
		c.remove(victim)
		close(removed)
	}()
	select {
	case <-removed:
		t.Fatal("remove returned while the bot's input was being sent")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	next := <-sendDone
	<-removed
	c.sendDue(s, next, next+int64(c.slots)-1)
	for i, b := range bots {
		want := 2
		if b == victim {
			want = 1
		}
		if sent[b] != want {
			t.Errorf("bot %d: %d inputs, want %d", i, sent[b], want)
		}
	}
}
