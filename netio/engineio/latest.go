package engineio

import (
	"bytes"
	"sync"
	"time"
)

// latestSlot is a session's latest-wins slot: at most one group of messages
// (a game snapshot) waiting for the writer. A newer offer replaces an older
// one that has not been taken; a taken one is written once, or dropped when
// it is no longer valid. It is held by value, so an offer allocates nothing.
type latestSlot struct {
	one   Message   // the group, when it is one message (more is nil)
	more  []Message // the group, when it is several
	hooks LatestHooks
	tag   LatestTag
	bytes int // data bytes of the group, counted in Config.MaxOutboxBytes
}

// messages returns the group's messages; a one-message group needs storage for the slice.
func (l *latestSlot) messages(one *[1]Message) []Message {
	if l.more != nil {
		return l.more
	}
	one[0] = l.one
	return one[:]
}

// LatestHooks is how the owner of latest-wins messages (OfferLatest) decides, just before one
// is written, whether it still makes sense, and learns that it was written. One value serves
// every message of its owner; the tag given with each message tells them apart. Both run on
// the goroutine that writes: the writer's, or the caller of OfferLatest (or SendLatestHooks)
// when it writes the message itself. They must return at once and must not call the session:
// LatestValid may be asked with the session's lock held.
type LatestHooks interface {
	// LatestValid is asked just before the message of tag is written; false drops it.
	LatestValid(tag LatestTag) bool
	// LatestWritten is told once the message of tag has been handed to the socket; never for
	// a replaced or dropped one.
	LatestWritten(tag LatestTag)
}

// LatestTag is a latest-wins message's owner's name for it, handed back to its LatestHooks
// (a game snapshot's tick and baseline tick).
type LatestTag struct{ A, B uint64 }

// funcHooks adapts SendLatest's two functions to LatestHooks.
type funcHooks struct {
	valid   func() bool
	written func()
}

func (f *funcHooks) LatestValid(LatestTag) bool { return f.valid == nil || f.valid() }

func (f *funcHooks) LatestWritten(LatestTag) {
	if f.written != nil {
		f.written()
	}
}

// latestState is what a session that gets latest-wins messages keeps for them.
type latestState struct {
	slot latestSlot // guarded by Session.mu: valid when has
	has  bool       // guarded by Session.mu

	// The kernel's unsent bytes (latestBlockedLocked), guarded by Session.mu.
	unsent      *unsentProbe // made at the first check; nil when they cannot be known
	unsentMade  bool
	unsentSkips uint8 // checks left to skip (see latestBlockedLocked)

	// The direct write (wsdirect.go).
	wmu      sync.Mutex   // held while a direct write or a reader's control frame is written
	direct   directWriter // guarded by Session.mu: ready once directOK
	directOK bool         // guarded by Session.mu
	noDirect bool         // guarded by Session.mu: no direct writes (no file descriptor, a close frame sent, a failed control write)
	cont     []byte       // guarded by Session.mu: the rest of a partial direct write; wmu is held for it
}

// latLocked returns the session's latestState, making it; s.mu is held.
func (s *Session) latLocked() *latestState {
	if s.lat == nil {
		s.lat = new(latestState)
	}
	return s.lat
}

// hasLatestLocked reports whether the slot holds a group; s.mu is held.
func (s *Session) hasLatestLocked() bool { return s.lat != nil && s.lat.has }

// latestBytes is what the slot holds; s.mu is held.
func (s *Session) latestBytes() int {
	if !s.hasLatestLocked() {
		return 0
	}
	return s.lat.slot.bytes
}

// SendLatest puts msgs into the session's latest-wins slot, replacing any
// group still waiting there (whose written is then never called). The
// writer sends the slot after the messages queued with Send, and only when
// the kernel holds at most Config.LatestMaxUnsent unsent bytes for the
// connection: a slow link skips states instead of queueing them. Just before
// writing, valid (when not nil) is asked whether the group still makes sense
// (a delta whose baseline was not the last state written does not); if not,
// it is dropped. After the group has been handed to the socket, written
// (when not nil) is called. Both run on the goroutine that writes (the
// websocket's writer, or the request answering a poll), never on the caller's;
// they must return at once and must not call the session (over polling valid is
// asked with the session's lock held). It never blocks.
// The group counts in Config.MaxOutboxBytes with what the outbox holds:
// past it the session closes as "slow client" (ErrSlowClient).
func (s *Session) SendLatest(msgs []Message, valid func() bool, written func()) error {
	var h LatestHooks
	if valid != nil || written != nil {
		h = &funcHooks{valid: valid, written: written}
	}
	return s.sendLatest(msgs, h, LatestTag{}, offerSlot)
}

// SendLatestHooks is SendLatest with hooks instead of functions: h (when not nil) is asked
// LatestValid(tag) just before the group is written and told LatestWritten(tag) after. Unlike
// SendLatest, a group of one message may be written by the caller itself, as OfferLatest
// does (LatestHooks says what h may do then); msgs are not copied.
func (s *Session) SendLatestHooks(msgs []Message, h LatestHooks, tag LatestTag) error {
	return s.sendLatest(msgs, h, tag, offerDirect)
}

func (s *Session) sendLatest(msgs []Message, h LatestHooks, tag LatestTag, mode offerMode) error {
	switch len(msgs) {
	case 0:
		return nil
	case 1:
		return s.offerLatest(latestSlot{one: msgs[0], hooks: h, tag: tag}, mode)
	}
	return s.offerLatest(latestSlot{more: msgs, hooks: h, tag: tag}, offerSlot)
}

// OfferLatest puts one message into the latest-wins slot as SendLatestHooks does, except that
// m.Data is only read during the call (the session copies it when it keeps it), so that an
// offer allocates nothing at all when it is written at once:
//
// when the session is a websocket with no writer goroutine at work, nothing queued and a link
// that is not backed up, the caller writes m itself, with one write that never blocks, and
// h's calls happen on the caller's goroutine before OfferLatest returns. Otherwise m waits in
// the slot for the writer, as with SendLatest.
func (s *Session) OfferLatest(m Message, h LatestHooks, tag LatestTag) error {
	return s.offerLatest(latestSlot{one: m, hooks: h, tag: tag}, offerBorrowed)
}

// offerMode says whether an offer may be written by its caller, and whose its data is.
type offerMode uint8

const (
	offerSlot     offerMode = iota // only the writer writes it (SendLatest)
	offerDirect                    // the caller may write it; the session keeps the data
	offerBorrowed                  // the caller may write it; the data is the caller's again after the call
)

// offerLatest puts l into the slot, or, as mode allows, writes it at once.
func (s *Session) offerLatest(l latestSlot, mode offerMode) error {
	borrowed := mode == offerBorrowed
	if l.more == nil {
		l.bytes = len(l.one.Data)
	} else {
		l.bytes = dataBytes(l.more)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	if max := s.srv.cfg.MaxOutboxBytes; max >= 0 && s.out.bytes()+l.bytes > max { // it replaces the slot
		s.slowClientLocked()
		return ErrSlowClient
	}
	if mode != offerSlot && l.more == nil && s.canWriteDirectLocked() {
		switch res, dropped := s.writeDirectLocked(l.one, l.hooks, l.tag, borrowed); res {
		case directFailed:
			s.mu.Unlock()
			return ErrClosed
		case directWritten, directPartial:
			s.mu.Unlock()
			if !dropped && s.latestWritten(l.hooks, l.tag) {
				s.closePanickedAway() // OnClose must not run on the caller's goroutine (a room's loop)
			}
			return nil
		}
	}
	defer s.mu.Unlock()
	if borrowed {
		l.one.Data = bytes.Clone(l.one.Data)
	}
	lat := s.latLocked()
	if lat.has {
		s.srv.traffic.latestReplaced.Add(1)
	}
	lat.slot, lat.has = l, true
	if s.ws != nil {
		s.startWriterLocked()
	} else if s.pollActive {
		s.wakePollLocked()
	}
	return nil
}

// takeLatestLocked empties the slot; s.mu is held. Its bytes are added to those the
// writer holds until it gives its batch back.
func (s *Session) takeLatestLocked() (latestSlot, bool) {
	if !s.hasLatestLocked() {
		return latestSlot{}, false
	}
	l := s.lat.slot
	s.dropLatestLocked()
	s.out.held += l.bytes
	return l, true
}

// dropLatestLocked empties the slot; s.mu is held.
func (s *Session) dropLatestLocked() {
	if s.lat != nil {
		s.lat.slot, s.lat.has = latestSlot{}, false
	}
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
	lat := s.latLocked()
	if lat.unsentSkips > 0 {
		lat.unsentSkips--
		return false
	}
	if !lat.unsentMade && s.ws != nil {
		lat.unsent, lat.unsentMade = newUnsentProbe(s.ws.NetConn()), true
	}
	n, ok := lat.unsent.unsent()
	if ok && n == 0 {
		lat.unsentSkips = skipsAfterEmpty
	}
	return ok && n > limit
}

// skipsAfterEmpty is how many snapshots follow, unchecked, one that found
// the link empty.
const skipsAfterEmpty = 3

// latestPoll is how often a writer holding a slot re-checks a backed-up
// connection's unsent bytes.
const latestPoll = 2 * time.Millisecond
