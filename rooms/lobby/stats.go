package lobby

import "github.com/tickroom/tickroom/rooms"

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
