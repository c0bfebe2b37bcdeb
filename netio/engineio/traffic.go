package engineio

import (
	"sync/atomic"
	"time"
)

// Traffic counters: what the sessions carried, how many are open on each transport, why
// they closed, what the latest-wins slot skipped, and each session's round trip. They are
// plain atomics, added to on the read and write paths without a lock or an allocation;
// Stats reads them. Whoever exports them (the tickroom server, as Prometheus metrics) reads
// them when asked, from outside this package.

// ByTransport is a count for each transport.
type ByTransport struct {
	Polling   uint64
	WebSocket uint64
}

// transportIndex numbers the transports in the counters; noTransport is a session that
// counts in no open count (not yet opened, or closed).
type transportIndex uint8

const (
	noTransport transportIndex = iota
	pollingIndex
	websocketIndex
	numTransportIndexes
)

// closeReasons are the reasons counted apart in Stats.Closes; any other reason given to
// Session.Close counts as ReasonOther.
var closeReasons = [...]string{
	ReasonTransportClose, ReasonTransportError, ReasonPingTimeout, ReasonParseError, ReasonForcedClose,
	ReasonServerShuttingDown, ReasonSlowClient, ReasonServerError, ReasonOther,
}

// ReasonOther is how Stats.Closes counts a close reason that is not one of the Reason*
// constants (a string a handler gave to Session.Close).
const ReasonOther = "other"

// traffic is the server's counters of what its sessions carried.
type traffic struct {
	sent, received [numTransportIndexes]atomic.Uint64 // Engine.IO bytes, by transport
	open           [numTransportIndexes]atomic.Int64  // open sessions, by transport
	closes         [len(closeReasons)]atomic.Uint64   // closed sessions, by reason
	latestReplaced atomic.Uint64                      // latest-wins groups replaced before the writer took them
	latestStale    atomic.Uint64                      // taken groups their valid func dropped
	latestDirect   atomic.Uint64                      // latest-wins messages the caller wrote itself (wsdirect.go)
	latestPartial  atomic.Uint64                      // of those, the ones the kernel took only part of
	readerHandoffs atomic.Uint64                      // quiet readers that handed their wait to a fresh goroutine
}

func (t *traffic) closed(reason string) {
	for i, r := range closeReasons[:len(closeReasons)-1] {
		if r == reason {
			t.closes[i].Add(1)
			return
		}
	}
	t.closes[len(closeReasons)-1].Add(1)
}

func (t *traffic) byTransport(c *[numTransportIndexes]atomic.Uint64) ByTransport {
	return ByTransport{Polling: c[pollingIndex].Load(), WebSocket: c[websocketIndex].Load()}
}

// openTransport counts the session as open on transport t, moving it from the count it was
// in; s.mu is held, and the session is not closed.
func (s *Session) openTransportLocked(t transportIndex) {
	if s.counted != noTransport {
		s.srv.traffic.open[s.counted].Add(-1)
	}
	s.counted = t
	s.srv.traffic.open[t].Add(1)
}

// countCloseLocked takes a closing session out of the open counts and counts its reason;
// s.mu is held, once per session.
func (s *Session) countCloseLocked(reason string) {
	if s.counted != noTransport {
		s.srv.traffic.open[s.counted].Add(-1)
		s.counted = noTransport
	}
	s.srv.traffic.closed(reason)
}

// RTT is the session's last measured round trip: from the server's ping being queued to the
// client's pong arriving, measured once per ping interval. Zero until the first pong. Over
// polling it includes the wait for the client's next GET.
func (s *Session) RTT() time.Duration { return time.Duration(s.rtt.Load()) }
