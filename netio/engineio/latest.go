package engineio

import "time"

// latestSlot is a session's latest-wins slot: at most one group of messages
// (a game snapshot) waiting for the writer. A newer offer replaces an older
// one that has not been taken; a taken one is written once, or dropped when
// it is no longer valid.
type latestSlot struct {
	msgs    []Message
	valid   func() bool
	written func()
	bytes   int // data bytes of msgs, counted in Config.MaxOutboxBytes
}

// latestBytes is what the slot holds; s.mu is held.
func (s *Session) latestBytes() int {
	if s.latest == nil {
		return 0
	}
	return s.latest.bytes
}

// SendLatest puts msgs into the session's latest-wins slot, replacing any
// group still waiting there (whose written is then never called). The
// writer sends the slot after the messages queued with Send, and only when
// the kernel holds at most Config.LatestMaxUnsent unsent bytes for the
// connection: a slow link skips states instead of queueing them. Just before
// writing, valid (when not nil) is asked whether the group still makes sense
// (a delta whose baseline was not the last state written does not); if not,
// it is dropped. After the group has been handed to the socket, written
// (when not nil) is called from the writer's goroutine. It never blocks.
// The group counts in Config.MaxOutboxBytes with what the outbox holds:
// past it the session closes as "slow client" (ErrSlowClient).
func (s *Session) SendLatest(msgs []Message, valid func() bool, written func()) error {
	if len(msgs) == 0 {
		return nil
	}
	n := dataBytes(msgs)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	if max := s.srv.cfg.MaxOutboxBytes; max >= 0 && s.out.bytes()+n > max { // it replaces the slot
		s.slowClientLocked()
		return ErrSlowClient
	}
	defer s.mu.Unlock()
	if s.latest != nil {
		s.srv.traffic.latestReplaced.Add(1)
	}
	s.latest = &latestSlot{msgs: msgs, valid: valid, written: written, bytes: n}
	if s.ws != nil {
		s.startWriterLocked()
	} else if s.pollActive {
		s.wakePollLocked()
	}
	return nil
}

// takeLatestLocked empties the slot; s.mu is held. Its bytes are added to those the
// writer holds until it gives its batch back.
func (s *Session) takeLatestLocked() *latestSlot {
	l := s.latest
	s.latest = nil
	if l != nil {
		s.out.held += l.bytes
	}
	return l
}

// latestBlockedLocked reports whether the slot must wait for the kernel to
// send what it holds; s.mu is held.
//
// Asking the kernel is a sizeable part of a player's whole server path, so a
// connection whose link was found empty skips the next skipsAfterEmpty checks.
// A link that backs up is then noticed at most skipsAfterEmpty snapshots late, a
// bounded one-time excess of that many snapshots; once it is backed up, every
// snapshot is checked again.
func (s *Session) latestBlockedLocked() bool {
	limit := s.srv.cfg.LatestMaxUnsent
	if limit < 0 {
		return false
	}
	if s.unsentSkips > 0 {
		s.unsentSkips--
		return false
	}
	n, ok := s.wsUnsent.unsent()
	if ok && n == 0 {
		s.unsentSkips = skipsAfterEmpty
	}
	return ok && n > limit
}

// skipsAfterEmpty is how many snapshots follow, unchecked, one that found
// the link empty.
const skipsAfterEmpty = 3

// latestPoll is how often a writer holding a slot re-checks a backed-up
// connection's unsent bytes.
const latestPoll = 2 * time.Millisecond
