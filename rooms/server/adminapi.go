package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/tickroom/tickroom/rooms"
	"github.com/tickroom/tickroom/rooms/lobby"
)

// The admin API: JSON for the monitor page and an operator's scripts
// (docs/operations.md, "Admin routes"). Rooms come from the lobby's
// operator view (lobby.Host.RoomStatuses, Room, CloseRoom); the monitor
// adds rates over its last sample.

// apiTimeout bounds what the API asks of a room goroutine.
const apiTimeout = 5 * time.Second

// adminRoom is one room in the API.
type adminRoom struct {
	ID          string         `json:"id"`
	Code        string         `json:"code"`
	Mode        string         `json:"mode"`
	Name        string         `json:"name"`
	Phase       string         `json:"phase"`
	Players     int            `json:"players"`   // seats taken, grace included
	Connected   int            `json:"connected"` // seats with a connection
	MaxPlayers  int            `json:"maxPlayers"`
	Private     bool           `json:"private"`
	HasPassword bool           `json:"hasPassword"`
	Meta        map[string]any `json:"meta"`
	CreatedAt   int64          `json:"createdAt"` // Unix ms
	AgeSeconds  float64        `json:"ageSeconds"`
	// TickP50 and TickP99 are the tick work per timer wake-up over the
	// room's life, in seconds (estimated from its histogram).
	TickP50 float64 `json:"tickP50"`
	TickP99 float64 `json:"tickP99"`
	// BytesPerSecondPerPlayer is the snapshot bytes a second per connected
	// player over the monitor's last sample period.
	BytesPerSecondPerPlayer float64 `json:"bytesPerSecondPerPlayer"`
	// Stalled: the room should tick and has not for Ops.StallAfter.
	Stalled bool        `json:"stalled"`
	Stats   rooms.Stats `json:"stats"`
}

// adminPlayer is one seat of a room in the API.
type adminPlayer struct {
	ID        uint64  `json:"id"`
	Name      string  `json:"name"`
	Host      bool    `json:"host"`
	Ready     bool    `json:"ready"`
	Bot       bool    `json:"bot"`
	Connected bool    `json:"connected"`
	Inputs    uint64  `json:"inputs"`     // inputs received
	Snapshots uint64  `json:"snapshots"`  // snapshots written to its connections
	Bytes     uint64  `json:"bytes"`      // snapshot bytes offered to its connections
	RTT       float64 `json:"rttSeconds"` // the last measured round trip; 0 when unknown
}

func (o *ops) roomView(st lobby.RoomStatus) adminRoom {
	in := st.Info
	perSec, stalled := o.mon.room(in.ID)
	return adminRoom{
		ID: in.ID, Code: in.Code, Mode: in.Mode, Name: in.Name, Phase: in.Phase, Players: in.Players,
		Connected: st.Connected, MaxPlayers: in.MaxPlayers, Private: in.Private, HasPassword: in.HasPassword,
		Meta: in.Meta, CreatedAt: in.CreatedAt, AgeSeconds: st.Age.Seconds(),
		TickP50: st.TickTimes.Quantile(0.5), TickP99: st.TickTimes.Quantile(0.99),
		BytesPerSecondPerPlayer: perSec, Stalled: stalled, Stats: st.Stats,
	}
}

// overview is the server as a whole, with the monitor's history.
type overview struct {
	Draining    bool     `json:"draining"`
	Ready       bool     `json:"ready"`
	NotReady    []string `json:"notReady,omitempty"` // why not ready
	Live        bool     `json:"live"`
	NotLive     string   `json:"notLive,omitempty"`  // why not live
	DrainsAt    int64    `json:"drainsAt,omitempty"` // Unix ms: the drain deadline
	Modes       []string `json:"modes"`
	Rooms       int      `json:"rooms"`
	Connected   int      `json:"connected"`
	Grace       int      `json:"grace"`
	Connections int      `json:"connections"`
	History     []Sample `json:"history"` // one a second, oldest first
}

func (o *ops) apiOverview(w http.ResponseWriter, r *http.Request) {
	s := o.s
	hs := s.host.Stats()
	ov := overview{
		Draining: s.Draining(), Rooms: hs.Rooms, Connected: hs.Connected, Grace: hs.Seats - hs.Connected,
		Connections: s.sio.Engine().Stats().Conns, History: o.mon.History(),
	}
	ov.Ready, ov.NotReady = s.ready()
	ov.Live, ov.NotLive = o.mon.live(time.Now())
	if ov.Draining {
		ov.DrainsAt = o.drainDeadline.Load() / int64(time.Millisecond)
	}
	for _, m := range s.cfg.Modes {
		ov.Modes = append(ov.Modes, m.Name())
	}
	writeJSON(w, http.StatusOK, ov)
}

func (o *ops) apiRooms(w http.ResponseWriter, r *http.Request) {
	statuses := o.s.host.RoomStatuses()
	out := struct {
		Rooms []adminRoom `json:"rooms"`
	}{Rooms: make([]adminRoom, 0, len(statuses))}
	for _, st := range statuses {
		out.Rooms = append(out.Rooms, o.roomView(st))
	}
	writeJSON(w, http.StatusOK, out)
}

func (o *ops) apiRoom(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), apiTimeout)
	defer cancel()
	d, err := o.s.host.Room(ctx, r.PathValue("id"))
	if err != nil {
		apiError(w, err)
		return
	}
	out := struct {
		Room    adminRoom     `json:"room"`
		Players []adminPlayer `json:"players"`
	}{Room: o.roomView(d.RoomStatus), Players: make([]adminPlayer, 0, len(d.Players))}
	for _, p := range d.Players {
		out.Players = append(out.Players, adminPlayer{
			ID: uint64(p.PlayerInfo.ID), Name: p.PlayerInfo.Name, Host: p.Host, Ready: p.Ready, Bot: p.Bot,
			Connected: p.PlayerInfo.Connected, Inputs: p.Inputs, Snapshots: p.SeatStats.Snapshots,
			Bytes: p.SeatStats.Bytes, RTT: p.RTT.Seconds(),
		})
	}
	writeJSON(w, http.StatusOK, out)
}

// apiClose closes a room: its players get room:closed {reason: "shutdown"}.
func (o *ops) apiClose(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), apiTimeout)
	defer cancel()
	id := r.PathValue("id")
	if err := o.s.host.CloseRoom(ctx, id, rooms.CloseShutdown); err != nil {
		apiError(w, err)
		return
	}
	o.s.log.Info("tickroom: room closed by an operator", "room", id, "remote", r.RemoteAddr)
	writeJSON(w, http.StatusOK, map[string]any{"closed": id})
}

// apiDrain starts a drain (Server.Drain) and answers 202 with its deadline.
func (o *ops) apiDrain(w http.ResponseWriter, r *http.Request) {
	o.s.log.Info("tickroom: drain asked through the admin API", "remote", r.RemoteAddr)
	o.s.Drain()
	writeJSON(w, http.StatusAccepted, map[string]any{"draining": true, "drainsAt": o.drainDeadline.Load() / int64(time.Millisecond)})
}

func apiError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, lobby.ErrNoRoom), errors.Is(err, rooms.ErrClosed):
		status = http.StatusNotFound
	case errors.Is(err, context.DeadlineExceeded):
		status = http.StatusGatewayTimeout
	}
	writeJSON(w, status, map[string]string{"error": err.Error()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
