package lobby

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/tickroom/tickroom/internal/metric"
	"github.com/tickroom/tickroom/rooms"
)

// The operator's view of the host: what an admin API and a monitor page
// show. Nothing here is on a player's path; RoomStatuses waits for no
// room, Room asks one room goroutine.

// RoomStatus is one running room as an operator sees it.
type RoomStatus struct {
	Info      *RoomInfo       `json:"info"`
	Connected int             `json:"connected"` // seats with a connection (the rest are in grace)
	Age       time.Duration   `json:"ageNs"`
	Stats     rooms.Stats     `json:"stats"`
	TickTimes metric.Snapshot `json:"-"` // seconds of tick work per timer wake-up
}

// RoomStatuses returns every running room, oldest first.
func (h *Host) RoomStatuses() []RoomStatus {
	h.mu.RLock()
	running := make([]*hostedRoom, 0, len(h.rooms))
	for _, hr := range h.rooms {
		running = append(running, hr)
	}
	h.mu.RUnlock()
	slices.SortFunc(running, func(a, b *hostedRoom) int { return a.created.Compare(b.created) })
	now := time.Now()
	out := make([]RoomStatus, 0, len(running))
	for _, hr := range running {
		out = append(out, RoomStatus{
			Info: hr.current.Load(), Connected: int(hr.connected.Load()), Age: now.Sub(hr.created),
			Stats: hr.room.Stats(), TickTimes: hr.room.TickTimes(),
		})
	}
	return out
}

// PlayerStatus is one seat of a room as an operator sees it.
type PlayerStatus struct {
	PlayerInfo
	rooms.SeatStats
}

// RoomDetail is one room and its players.
type RoomDetail struct {
	RoomStatus
	Players []PlayerStatus `json:"players"`
}

// ErrNoRoom: no running room of this host has that id.
var ErrNoRoom = errors.New("lobby: no such room")

// Room returns the detail of one running room: its status and its
// players with their counters (asked of the room goroutine, bounded by
// ctx).
func (h *Host) Room(ctx context.Context, id string) (RoomDetail, error) {
	hr := h.room(id)
	if hr == nil {
		return RoomDetail{}, ErrNoRoom
	}
	seats, err := hr.room.Seats(ctx)
	if err != nil {
		return RoomDetail{}, err
	}
	var players []PlayerStatus
	err = hr.room.Call(ctx, func() error {
		for _, s := range seats {
			if ref := hr.players[s.Player]; ref != nil {
				players = append(players, PlayerStatus{PlayerInfo: hr.playerInfo(ref), SeatStats: s})
			}
		}
		return nil
	})
	if err != nil {
		return RoomDetail{}, err
	}
	d := RoomDetail{Players: players}
	d.Info, d.Connected, d.Age = hr.current.Load(), int(hr.connected.Load()), time.Since(hr.created)
	d.Stats, d.TickTimes = hr.room.Stats(), hr.room.TickTimes()
	return d, nil
}

// CloseRoom closes a running room: its players get room:closed {reason}
// (an operator's close is "shutdown": the server closed it).
func (h *Host) CloseRoom(ctx context.Context, id string, reason rooms.CloseReason) error {
	hr := h.room(id)
	if hr == nil {
		return ErrNoRoom
	}
	err := hr.room.Close(ctx, reason)
	if errors.Is(err, rooms.ErrClosed) {
		return ErrNoRoom
	}
	return err
}

// TickTimes is the tick work of every room the host has run, gone ones
// included (as rooms.Room.TickTimes).
func (h *Host) TickTimes() metric.Snapshot {
	h.mu.RLock()
	s := h.goneTicks
	running := make([]*hostedRoom, 0, len(h.rooms))
	for _, hr := range h.rooms {
		running = append(running, hr)
	}
	h.mu.RUnlock()
	for _, hr := range running {
		s = s.Add(hr.room.TickTimes())
	}
	return s
}
