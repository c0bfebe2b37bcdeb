package server

import (
	"fmt"
	"sync"
	"time"

	"github.com/tickroom/tickroom/internal/metric"
	"github.com/tickroom/tickroom/rooms/lobby"
)

// The monitor samples the server once a second: the history behind the
// monitor page's charts, each room's snapshot bytes per second, and
// whether the rooms' ticks advance (liveness). It reads the lobby's and
// the transport's counters as a scrape does; nothing on a player's path
// waits for it.

// Sample is one point of the monitor's history.
type Sample struct {
	At          int64   `json:"t"`           // Unix ms
	Rooms       int     `json:"rooms"`       // running rooms
	Connected   int     `json:"connected"`   // seats with a connection
	Grace       int     `json:"grace"`       // seats waiting in their grace period
	Connections int     `json:"connections"` // open connections, in a room or not
	TickP50     float64 `json:"tickP50"`     // seconds of tick work, median over the last period
	TickP99     float64 `json:"tickP99"`     // seconds, 99th percentile over the last period
	BytesOut    float64 `json:"bytesOut"`    // bytes a second sent to clients over the last period
	BytesIn     float64 `json:"bytesIn"`     // bytes a second received
}

// roomTrack is what the monitor keeps of one room between samples.
type roomTrack struct {
	ticks    uint64    // Stats.Ticks at the last sample
	advanced time.Time // when Ticks last moved (or the room was first seen)
	bytes    uint64    // Stats.SnapshotBytes at the last sample
	perSec   float64   // snapshot bytes a second per connected player, over the last period
	stalled  bool      // should tick, and has not for StallAfter
}

type monitor struct {
	s          *Server       // static
	period     time.Duration // static
	stallAfter time.Duration // static
	quit       chan struct{}
	done       chan struct{}
	closeOnce  sync.Once

	mu       sync.Mutex
	history  []Sample              // guarded by mu: a ring of monitorHistoryLength
	next     int                   // guarded by mu: where the next sample goes
	rooms    map[string]*roomTrack // guarded by mu: the running rooms
	last     time.Time             // guarded by mu: the last sample
	due      int                   // guarded by mu: rooms that should tick (waiting or playing)
	stalled  int                   // guarded by mu: of those, how many stand still
	prevTick metric.Snapshot       // guarded by mu: Host.TickTimes at the last sample
	prevOut  uint64                // guarded by mu: bytes sent at the last sample
	prevIn   uint64                // guarded by mu: bytes received at the last sample
}

func newMonitor(s *Server, period, stallAfter time.Duration) *monitor {
	m := &monitor{
		s: s, period: period, stallAfter: stallAfter, quit: make(chan struct{}), done: make(chan struct{}),
		rooms: map[string]*roomTrack{}, last: time.Now(),
	}
	m.sample(time.Now())
	go m.run()
	return m
}

func (m *monitor) run() {
	defer close(m.done)
	t := time.NewTicker(m.period)
	defer t.Stop()
	for {
		select {
		case now := <-t.C:
			m.sample(now)
		case <-m.quit:
			return
		}
	}
}

func (m *monitor) close() {
	m.closeOnce.Do(func() { close(m.quit) })
	<-m.done
}

// sample takes one sample at now.
func (m *monitor) sample(now time.Time) {
	h := m.s.host
	statuses := h.RoomStatuses()
	hs := h.Stats()
	ticks := h.TickTimes()
	eng := m.s.sio.Engine().Stats()
	out := eng.BytesSent.Polling + eng.BytesSent.WebSocket
	in := eng.BytesReceived.Polling + eng.BytesReceived.WebSocket

	m.mu.Lock()
	defer m.mu.Unlock()
	dt := now.Sub(m.last).Seconds()
	first := len(m.history) == 0
	smp := Sample{
		At: now.UnixMilli(), Rooms: hs.Rooms, Connected: hs.Connected, Grace: hs.Seats - hs.Connected,
		Connections: eng.Conns,
	}
	if !first && dt > 0 {
		d := delta(ticks, m.prevTick)
		smp.TickP50, smp.TickP99 = d.Quantile(0.5), d.Quantile(0.99)
		smp.BytesOut = float64(out-m.prevOut) / dt
		smp.BytesIn = float64(in-m.prevIn) / dt
	}
	m.prevTick, m.prevOut, m.prevIn = ticks, out, in
	m.trackRooms(statuses, now, dt)
	m.last = now
	if len(m.history) < monitorHistoryLength {
		m.history = append(m.history, smp)
		return
	}
	m.history[m.next] = smp
	m.next = (m.next + 1) % monitorHistoryLength
}

// trackRooms updates the per-room state from this sample's statuses.
func (m *monitor) trackRooms(statuses []lobby.RoomStatus, now time.Time, dt float64) {
	seen := make(map[string]bool, len(statuses))
	m.due, m.stalled = 0, 0
	for _, st := range statuses {
		id := st.Info.ID
		seen[id] = true
		tr := m.rooms[id]
		if tr == nil {
			tr = &roomTrack{ticks: st.Stats.Ticks, advanced: now, bytes: st.Stats.SnapshotBytes}
			m.rooms[id] = tr
		}
		if st.Stats.Ticks != tr.ticks {
			tr.ticks, tr.advanced = st.Stats.Ticks, now
		}
		if dt > 0 && st.Connected > 0 {
			tr.perSec = float64(st.Stats.SnapshotBytes-tr.bytes) / dt / float64(st.Connected)
		} else {
			tr.perSec = 0
		}
		tr.bytes = st.Stats.SnapshotBytes
		ticking := st.Info.Phase == "waiting" || st.Info.Phase == "playing"
		tr.stalled = ticking && now.Sub(tr.advanced) > m.stallAfter
		if ticking {
			m.due++
		}
		if tr.stalled {
			m.stalled++
		}
	}
	for id := range m.rooms {
		if !seen[id] {
			delete(m.rooms, id)
		}
	}
}

// delta is the histogram of what cur counted since prev (both of the same
// bounds; prev may be zero).
func delta(cur, prev metric.Snapshot) metric.Snapshot {
	d := metric.Snapshot{Bounds: cur.Bounds, Counts: append([]uint64(nil), cur.Counts...), Sum: cur.Sum - prev.Sum}
	for i := range prev.Counts {
		if i < len(d.Counts) && d.Counts[i] >= prev.Counts[i] {
			d.Counts[i] -= prev.Counts[i]
		}
	}
	return d
}

// History returns the samples of the last minutes, oldest first.
func (m *monitor) History() []Sample {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Sample, 0, len(m.history))
	out = append(out, m.history[m.next:]...)
	return append(out, m.history[:m.next]...)
}

// live reports whether the process and its tick scheduler are alive: the
// monitor itself samples, and some room that should tick has ticked within
// StallAfter, or no room should tick. One room stuck in its mode's code
// does not make the process unlive (its room shows as stalled on the
// monitor page and in tickroom_rooms_stalled); every room standing still
// does. The reason says why not.
func (m *monitor) live(now time.Time) (bool, string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if since := now.Sub(m.last); since > max(m.stallAfter, 3*m.period) {
		return false, fmt.Sprintf("the monitor has not sampled for %v", since.Round(time.Millisecond))
	}
	if m.due > 0 && m.stalled == m.due {
		return false, fmt.Sprintf("no room ticked for %v (%d rooms should)", m.stallAfter, m.due)
	}
	return true, ""
}

// stalledRooms is how many rooms that should tick have stood still for
// StallAfter, as of the last sample.
func (m *monitor) stalledRooms() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stalled
}

// room is what the monitor knows of one room: its snapshot bytes a
// second per connected player, and whether it is stalled.
func (m *monitor) room(id string) (perSec float64, stalled bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if tr := m.rooms[id]; tr != nil {
		return tr.perSec, tr.stalled
	}
	return 0, false
}
