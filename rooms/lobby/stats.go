package lobby

import (
	"sync/atomic"
	"time"

	"github.com/tickroom/tickroom/internal/metric"
	"github.com/tickroom/tickroom/rooms"
)

// HostStats is what a Host reports of itself: the rooms and seats now, and
// the counters of every room it has run, gone ones included.
type HostStats struct {
	Rooms           int         `json:"rooms"`           // running rooms
	Seats           int         `json:"seats"`           // seats taken in them, in grace included
	Connected       int         `json:"connected"`       // seats with a connection
	DroppedRequests uint64      `json:"droppedRequests"` // requests without an ack
	Totals          rooms.Stats `json:"totals"`          // summed over every room run
}

// Stats returns the host's counters; safe from any goroutine, and it waits
// for no room.
func (h *Host) Stats() HostStats {
	st := HostStats{DroppedRequests: h.dropped.Load()}
	h.mu.RLock()
	st.Totals = h.goneStats
	running := make([]*hostedRoom, 0, len(h.rooms))
	for _, hr := range h.rooms {
		running = append(running, hr)
	}
	h.mu.RUnlock()
	st.Rooms = len(running)
	for _, hr := range running {
		if info := hr.current.Load(); info != nil {
			st.Seats += info.Players
		}
		st.Connected += int(hr.connected.Load())
		st.Totals = st.Totals.Add(hr.room.Stats())
	}
	return st
}

// RequestStats counts one request event's answers by code, the requests
// dropped for want of an ack, and how long the answers took. Counting is
// atomic: no lock on the request path.
type RequestStats struct {
	event   string
	codes   [numResultCodes]atomic.Uint64
	dropped atomic.Uint64
	latency *metric.Histogram
}

func newRequestStats(event string) *RequestStats {
	return &RequestStats{event: event, latency: metric.NewHistogram(metric.DurationBounds())}
}

// The answers a request can get, as counted: OK and every error code.
const numResultCodes = 17

func resultCode(i int) string {
	return [numResultCodes]string{"OK", CodeBadRequest, CodeUnknownMode, CodeRoomNotFound, CodeRoomFull, CodeRoomLocked,
		CodeAlreadyInRoom, CodeNotInRoom, CodeNotHost, CodeSeatExpired, CodeWrongPassword, CodeRateLimited,
		CodeUnauthorized, CodeInternal, CodeRefused, CodeUnavailable, "OTHER"}[i]
}

func resultIndex(code string) int {
	for i := range numResultCodes - 1 {
		if resultCode(i) == code {
			return i
		}
	}
	return numResultCodes - 1
}

// observe counts the ack args of one answer.
func (s *RequestStats) observe(args []any, took time.Duration) {
	code := "OK"
	if len(args) == 1 {
		if e, ok := args[0].(errorAck); ok && e.Error != nil {
			code = e.Error.Code
		}
	}
	s.codes[resultIndex(code)].Add(1)
	s.latency.ObserveDuration(took)
}

// RequestReport is one request event's counters.
type RequestReport struct {
	Event   string            `json:"event"`
	Results map[string]uint64 `json:"results"` // by code, "OK" for success; codes never seen are absent
	Dropped uint64            `json:"dropped"` // sent without an ack
	Latency metric.Snapshot   `json:"-"`       // seconds from the request to its answer
}

// Requests returns every request event's counters.
func (h *Host) Requests() []RequestReport {
	out := make([]RequestReport, 0, len(h.routes))
	for _, r := range h.routes {
		rep := RequestReport{Event: r.event, Results: map[string]uint64{}, Dropped: r.stats.dropped.Load(), Latency: r.stats.latency.Snapshot()}
		for i := range numResultCodes {
			if n := r.stats.codes[i].Load(); n > 0 {
				rep.Results[resultCode(i)] = n
			}
		}
		out = append(out, rep)
	}
	return out
}
