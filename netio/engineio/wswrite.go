package engineio

import (
	"errors"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

// The WebSocket write side: a writer goroutine per connection while it has packets to write
// (and a while after, on a busy one), and what a failed write does to the session.

// typeDigits holds the text form of each packet type, sliced without allocating.
const typeDigits = "0123456"

// writerLinger is how long a writer goroutine waits for more to write before it ends. A
// player's connection gets a snapshot every tick, so its writer stays, with the stack it grew
// writing; a fresh goroutine per snapshot cost a stack growth and a goroutine start on every
// write, a large share of the server's CPU with many players. Only a busy connection
// lingers: one whose writers started lingerStreak times in a row, each less than
// writerLinger after the previous one ended. A quiet one (a lobby, pings every 25 s) keeps no
// writer and allocates nothing for one. Lingering from the second write (the Socket.IO
// connect right after the Engine.IO open) would give every idle connection, for its first
// second, a grown writer stack, a timer and a channel.
const writerLinger = time.Second

// lingerStreak is how many quick writer starts in a row make a connection busy.
const lingerStreak = 2

// startWriterLocked starts the writer goroutine unless one is running, and wakes it if it is
// parked.
func (s *Session) startWriterLocked() {
	if s.ws == nil {
		return
	}
	if s.writing {
		s.wakeWriterLocked()
		return
	}
	s.writing = true
	if s.writerEnd != 0 && s.srv.since()-s.writerEnd < writerLinger {
		s.writerStreak = min(s.writerStreak+1, lingerStreak)
	} else {
		s.writerStreak = 0
	}
	if s.writerStreak >= lingerStreak {
		s.wake = make(chan struct{}, 1) // busy: this writer lingers
	}
	s.srv.wg.Add(1) // a reader of this connection is counted, so the counter is not zero
	go s.writeLoop(s.ws, s.wake)
}

// writerEndedLocked records that the writer goroutine ends.
func (s *Session) writerEndedLocked() {
	s.dropContLocked()
	s.writing, s.parked, s.wake = false, false, nil
	s.out.held = 0 // whatever it held is dropped with it
	s.writerEnd = s.srv.since()
}

// busyWriterLocked reports a writer goroutine that is writing (not parked).
func (s *Session) busyWriterLocked() bool { return s.writing && !s.parked }

// wakeWriterLocked wakes a parked writer.
func (s *Session) wakeWriterLocked() {
	if !s.parked {
		return
	}
	s.parked = false
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// wsWriter is the writer goroutine's own state.
type wsWriter struct {
	c        *websocket.Conn
	deadline time.Time // the write deadline last set on c
}

// writeLoop writes the outbox and the latest slot; with nothing to write it parks for up to
// writerLinger when it has a wake channel, then ends. After a graceful close it ends with the
// close frame.
func (s *Session) writeLoop(c *websocket.Conn, wake chan struct{}) {
	defer s.srv.wg.Done()
	w := &wsWriter{c: c}
	var linger *time.Timer
	for {
		s.mu.Lock()
		if s.closed && !s.wsCloseFrame { // aborted: the connection is being dropped
			s.writerEndedLocked()
			s.mu.Unlock()
			return
		}
		if s.lat != nil && s.lat.cont != nil { // the rest of a partial direct write goes first
			lat, cont := s.lat, s.lat.cont
			lat.cont = nil
			s.mu.Unlock()
			if err := s.writeCont(w, lat, cont); err != nil {
				s.mu.Lock()
				s.writeFailedLocked(c, err)
				return
			}
			continue
		}
		batch := s.out.take()
		if len(batch) == 0 && s.hasLatestLocked() {
			s.out.recycle(batch)
			if s.latestBlockedLocked() {
				// The link is backed up: wait, and let newer states replace this one.
				s.mu.Unlock()
				time.Sleep(latestPoll)
				continue
			}
			l, _ := s.takeLatestLocked()
			s.mu.Unlock()
			if err := s.writeLatest(w, &l); err != nil {
				s.mu.Lock()
				s.writeFailedLocked(c, err)
				return
			}
			continue
		}
		if len(batch) == 0 {
			s.out.recycle(batch)
			if s.closed && s.wsCloseFrame {
				s.writerEndedLocked()
				s.wsCloseFrame = false
				s.mu.Unlock()
				c.WriteControl(websocket.CloseMessage, nil, time.Now().Add(closeGrace))
				c.SetReadDeadline(time.Now().Add(closeGrace)) // the reader ends the connection
				return
			}
			if s.parked || wake == nil { // parked and nothing came, or a quiet connection's writer
				s.writerEndedLocked()
				s.mu.Unlock()
				if linger != nil {
					linger.Stop()
				}
				return
			}
			s.parked = true
			s.mu.Unlock()
			if linger == nil {
				linger = time.NewTimer(writerLinger)
			} else {
				linger.Reset(writerLinger)
			}
			select {
			case <-wake: // startWriterLocked cleared parked
			case <-linger.C: // parked is still set: the next round ends the writer
			}
			continue
		}
		s.mu.Unlock()
		var err error
		for _, p := range batch {
			if err = s.writePacket(w, p); err != nil {
				break
			}
		}
		s.mu.Lock()
		s.out.recycle(batch)
		if err != nil {
			s.writeFailedLocked(c, err)
			return
		}
		s.mu.Unlock()
	}
}

// writeLatest writes a slot group unless it is no longer valid, then reports it written. A
// panic in valid or written closes the session (on this goroutine nothing else would catch it).
func (s *Session) writeLatest(w *wsWriter, l *latestSlot) error {
	ok, panicked := s.latestValid(l.hooks, l.tag)
	if !ok {
		if panicked {
			s.closePanicked()
		}
		return nil
	}
	var one [1]Message
	for _, m := range l.messages(&one) {
		if err := s.writePacket(w, Packet{Type: PacketMessage, Binary: m.Binary, Data: m.Data}); err != nil {
			return err
		}
	}
	if s.latestWritten(l.hooks, l.tag) {
		s.closePanicked()
	}
	return nil
}

// writePacket writes one packet as one frame. p.Data is only read: gorilla does not mask
// server frames, and text frames are assembled in a pooled buffer. A write may block for at
// most about PingInterval + PingTimeout; the deadline is moved only when a quarter of that
// has passed since it was set, not on every frame (setting it costs more than the check).
func (s *Session) writePacket(ww *wsWriter, p Packet) error {
	c := ww.c
	if ww.moveDeadline(s) {
		c.SetWriteDeadline(ww.deadline)
	}
	if p.Binary {
		s.srv.traffic.sent[websocketIndex].Add(uint64(len(p.Data)))
		return c.WriteMessage(websocket.BinaryMessage, p.Data)
	}
	s.srv.traffic.sent[websocketIndex].Add(uint64(1 + len(p.Data)))
	w, err := c.NextWriter(websocket.TextMessage)
	if err != nil {
		return err
	}
	io.WriteString(w, typeDigits[p.Type:p.Type+1])
	w.Write(p.Data)
	return w.Close()
}

// moveDeadline moves the writer's deadline to a full limit ahead when a quarter of the limit
// has passed since it was set, and reports whether it moved.
func (ww *wsWriter) moveDeadline(s *Session) bool {
	limit := s.writeDeadlineLimit()
	now := time.Now()
	if ww.deadline.Sub(now) >= limit-limit/4 {
		return false
	}
	ww.deadline = now.Add(limit)
	return true
}

// writeFailedLocked ends the writer after a failed write: the session closes and the
// connection is cut, unless the reader has begun the closing handshake (it closes both).
// s.mu is held on entry and released.
func (s *Session) writeFailedLocked(c *websocket.Conn, err error) {
	s.writerEndedLocked()
	if errors.Is(err, websocket.ErrCloseSent) && !s.closed {
		// The reader has written a close frame (its answer to the peer's, or its refusal of
		// a protocol violation) and is ending: it closes the session with the reason only it
		// knows, "transport close" or "transport error", and then the connection.
		s.mu.Unlock()
		return
	}
	s.wsCloseFrame = false
	after := s.closeLocked(writeFailureReason(err), err, closeAbort)
	s.mu.Unlock()
	after()
	cutConn(c.NetConn())
}

// writeFailureReason names a failed write. A peer that has gone away (its connection reset,
// or closed under a write racing its close frame, which the reader reports as "transport
// close") is "transport close" too; a write that timed out on a stuck peer is "transport
// error".
func writeFailureReason(err error) string {
	if errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed) {
		return ReasonTransportClose
	}
	return ReasonTransportError
}
