package engineio

import (
	"time"

	"github.com/tickroom/tickroom/netio/internal/rawfd"
)

// The direct write: OfferLatest on a websocket whose writer goroutine is not writing (none
// runs, or it is parked) writes the frame on the caller's goroutine, with one non-blocking
// writev(2), instead of waking a writer. A game room offering a snapshot to each player every
// tick thus writes it itself: no goroutine is woken, none parks, and the scheduler is not
// involved per snapshot. It never blocks: when the kernel takes nothing (a full send buffer),
// the message goes to the slot and a writer as before; when it takes part of the frame, the
// rest is handed to a writer goroutine, which writes it before anything else.
//
// The write uses the descriptor's number, kept from the first offer, without going through
// the net.Conn: that is sound because a direct write holds Session.mu and sees the session
// open, and nothing closes the session's websocket before the session is closed (closeLocked
// runs first; after it the connection is only shut down, cutConn, until the reader, last,
// closes it in finish). Whoever adds a Close of the websocket must keep that order.
//
// Frames are never interleaved. A direct write holds the session's mu throughout, which a
// writer goroutine needs before it writes anything; the reader's control frames (pongs, close
// frames, written through gorilla) and a direct write exclude each other through
// latestState.wmu, which a partial direct write keeps locked until the writer has written
// the rest (latestState.cont).

// directResult is what a direct write did.
type directResult uint8

const (
	directNone    directResult = iota // nothing was written: use the slot
	directWritten                     // the whole frame is with the kernel (or valid dropped it)
	directPartial                     // part of it: the rest is in latestState.cont, for the writer
	directFailed                      // the connection failed; the session is closing
)

// canWriteDirectLocked reports whether a latest-wins message can be written by the caller
// now: a websocket with a file descriptor, no writer goroutine at work (a parked one waits
// for s.mu to do anything) and nothing queued before it (whether the link is backed up is
// asked with the write itself). s.mu is held.
func (s *Session) canWriteDirectLocked() bool {
	if s.ws == nil || s.busyWriterLocked() || s.closed || s.out.len() > 0 {
		return false
	}
	lat := s.latLocked()
	if lat.has || lat.cont != nil || lat.noDirect {
		return false
	}
	if !lat.directOK {
		// Made at the first offer: a connection that never gets one (a lobby) keeps none.
		if !lat.direct.init(rawfd.Of(s.ws.NetConn())) {
			lat.noDirect = true
			return false
		}
		lat.directOK = true
	}
	return true
}

// writeDirectLocked writes m as one frame on the caller's goroutine, s.mu held (s.lat is set:
// canWriteDirectLocked made it). borrowed says m.Data is the caller's again after the call. h
// is asked LatestValid first, with s.mu held (false drops m: directWritten, with dropped set).
// A link found backed up (the unsent check of latestBlockedLocked, made in the same call as
// the write) leaves m to the slot: directNone.
func (s *Session) writeDirectLocked(m Message, h LatestHooks, tag LatestTag, borrowed bool) (res directResult, dropped bool) {
	lat := s.lat
	if !lat.wmu.TryLock() { // the reader is writing a control frame
		return directNone, false
	}
	if ok, panicked := s.latestValid(h, tag); !ok {
		lat.wmu.Unlock()
		if panicked {
			s.closePanickedAway()
		}
		return directWritten, true
	}
	limit := s.srv.cfg.LatestMaxUnsent
	check := limit >= 0 && lat.unsentSkips == 0
	if limit >= 0 && !check {
		lat.unsentSkips--
	}
	w, err := lat.direct.write(m, check, limit)
	if w.empty {
		lat.unsentSkips = skipsAfterEmpty
	}
	switch {
	case err != nil:
		lat.wmu.Unlock()
		s.directFailedLocked(err)
		return directFailed, false
	case w.blocked || w.n == 0:
		lat.wmu.Unlock()
		return directNone, false
	}
	s.srv.traffic.sent[websocketIndex].Add(uint64(len(m.Data) + boolInt(!m.Binary)))
	s.srv.traffic.latestDirect.Add(1)
	if w.n < w.total {
		s.srv.traffic.latestPartial.Add(1)
		// wmu stays locked until the writer has written the rest.
		lat.cont = lat.direct.rest(m, w.n, borrowed)
		s.startWriterLocked()
		return directPartial, false
	}
	lat.wmu.Unlock()
	return directWritten, false
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// directFailedLocked closes the session after a failed direct write, as a failed writer
// does, without running handler code on the caller's goroutine (a game loop). s.mu is held.
func (s *Session) directFailedLocked(err error) {
	after := s.closeLocked(writeFailureReason(err), err, closeAbort) // cuts the connection
	if s.srv.addGoroutine() {
		go func() {
			defer s.srv.wg.Done()
			after()
		}()
		return
	}
	s.mu.Unlock()
	after()
	s.mu.Lock()
}

// closePanickedAway is closePanicked run from a goroutine of its own, so that handler code
// (OnClose) never runs on the caller's (a room's loop, which OnClose may wait for). s.mu may
// be held.
func (s *Session) closePanickedAway() {
	if s.srv.addGoroutine() {
		go func() {
			defer s.srv.wg.Done()
			s.closePanicked()
		}()
	}
}

// dropContLocked forgets the rest of a partial direct write nobody will write (the
// connection is being dropped) and releases wmu, which was held for it. s.mu is held.
func (s *Session) dropContLocked() {
	if s.lat != nil && s.lat.cont != nil {
		s.lat.cont = nil
		s.lat.wmu.Unlock()
	}
}

// writeCont writes the rest of a partial direct write, before anything else the writer
// writes, and releases wmu.
func (s *Session) writeCont(w *wsWriter, lat *latestState, cont []byte) error {
	defer lat.wmu.Unlock()
	nc := w.c.NetConn()
	if w.moveDeadline(s) {
		// gorilla sets the deadline it was given before each of its writes: a moved one
		// must reach it, or the writer's next frames get the older, nearer one.
		w.c.SetWriteDeadline(w.deadline)
	}
	// This write is not gorilla's: the deadline is set on the connection itself.
	nc.SetWriteDeadline(w.deadline)
	_, err := nc.Write(cont)
	return err
}

// writeDeadlineLimit is how long one write may block: about PingInterval + PingTimeout.
func (s *Session) writeDeadlineLimit() time.Duration {
	return s.srv.cfg.PingInterval + s.srv.cfg.PingTimeout
}
