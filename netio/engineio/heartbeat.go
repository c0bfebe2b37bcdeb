package engineio

import "time"

// heartbeat runs the v4 ping cycle of one session on a single timer: after PingInterval the
// server queues a ping and expects a pong within PingTimeout, else the session closes with
// "ping timeout". The timer callback re-checks due under the session lock, so a Reset racing
// with a firing timer is harmless. It works without a pending poll: the ping just waits in the
// outbox and the timeout still fires.
type heartbeat struct {
	s            *Session
	timer        *time.Timer
	due          time.Time // when the current wait ends
	awaitingPong bool
	refreshed    bool      // the pong wait was already extended once for other traffic
	pinged       time.Time // when the ping now awaiting its pong was queued
}

// start arms the first ping. Called with s.mu held.
func (h *heartbeat) start(s *Session) {
	h.s = s
	h.due = time.Now().Add(s.srv.cfg.PingInterval)
	h.timer = time.AfterFunc(s.srv.cfg.PingInterval, h.fire)
}

func (h *heartbeat) stop() {
	if h.timer != nil {
		h.timer.Stop()
	}
}

func (h *heartbeat) arm(d time.Duration) {
	h.due = time.Now().Add(d)
	h.timer.Reset(d)
}

// pong ends the wait and schedules the next ping PingInterval from now. Called with s.mu held.
func (h *heartbeat) pong() {
	if h.timer == nil || !h.awaitingPong {
		return
	}
	h.awaitingPong = false
	h.s.rtt.Store(int64(time.Since(h.pinged)))
	h.arm(h.s.srv.cfg.PingInterval)
}

// activity is any non-pong packet: like the reference, it extends a pending pong wait once,
// since a client busy sending may answer late. Called with s.mu held.
func (h *heartbeat) activity() {
	if h.timer == nil || !h.awaitingPong || h.refreshed {
		return
	}
	h.refreshed = true
	h.arm(h.s.srv.cfg.PingTimeout)
}

func (h *heartbeat) fire() {
	s := h.s
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	if wait := time.Until(h.due); wait > 0 {
		h.timer.Reset(wait) // rescheduled after this callback was already on its way
		s.mu.Unlock()
		return
	}
	if h.awaitingPong {
		after := s.closeLocked(ReasonPingTimeout, ErrPingTimeout, closeError)
		s.mu.Unlock()
		after()
		return
	}
	h.awaitingPong = true
	h.refreshed = false
	h.pinged = time.Now()
	h.arm(s.srv.cfg.PingTimeout)
	s.sendControlLocked(PacketPing)
	s.mu.Unlock()
}
