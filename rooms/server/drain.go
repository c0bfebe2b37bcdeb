package server

import (
	"context"
	"time"
)

// Drain (docs/operations.md, "Drain"): the server stops taking new
// players and lets its rooms end as they normally would, for at most
// Ops.DrainTimeout, then shuts down: the rooms still running get
// room:closed {reason: "shutdown"} before the connections close. Serve
// returns nil once that is done. A shutdown during a drain (the end of
// Serve's context: cmd/gameserver's second signal) skips the rest of the
// wait.

// drainPoll is how often a drain looks for its end: no room and no
// connection left.
const drainPoll = 200 * time.Millisecond

// Drain starts draining and returns at once: /readyz answers 503 from now
// on, room:create and a room:quickjoin that would have to make a room
// answer UNAVAILABLE, joins and rejoins into running rooms go on. The
// server shuts down once no room and no connection is left, or at the
// drain deadline (Ops.DrainTimeout), whichever comes first. Later calls do
// nothing; a drain cannot be undone.
func (s *Server) Drain() {
	o := s.ops
	o.drainOnce.Do(func() {
		deadline := time.Now().Add(max(o.cfg.DrainTimeout, 0))
		o.drainDeadline.Store(deadline.UnixNano())
		o.draining.Store(true)
		s.host.Drain()
		s.drainCluster()
		st := s.host.Stats()
		s.log.Info("tickroom: draining", "rooms", st.Rooms, "players", st.Seats, "deadline", deadline.Format(time.RFC3339))
		go s.drain(deadline)
	})
}

// Draining reports whether Drain was called.
func (s *Server) Draining() bool { return s.ops.draining.Load() }

// drain waits for the end of the drain, then shuts the server down. It is
// not counted in any WaitGroup: it calls Shutdown itself, and a Shutdown
// from elsewhere ends it.
func (s *Server) drain(deadline time.Time) {
	o := s.ops
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	tick := time.NewTicker(drainPoll)
	defer tick.Stop()
wait:
	for !s.drained() {
		select {
		case <-tick.C:
		case <-timer.C:
			s.log.Info("tickroom: drain deadline: closing the rooms left", "rooms", s.host.Rooms())
			break wait
		case <-o.stopping:
			return // a shutdown overtook the drain
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		s.log.Warn("tickroom: shutdown after the drain", "err", err)
	}
}

// drained reports whether nothing is left to wait for: no room, no
// connection.
func (s *Server) drained() bool {
	return s.host.Rooms() == 0 && s.sio.Engine().Stats().Conns == 0
}
