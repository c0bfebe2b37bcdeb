package lobby

import (
	"errors"
	"sync"
	"time"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/rooms"
)

// The requests of a seated player about its room: ready, kick, start,
// resync; and time:sync.

// onSeat runs fn in a tick step of ref's room, bounded by RequestTimeout.
func (h *Host) onSeat(ref *seatRef, fn func(tx *rooms.Tx) error) error {
	ctx, cancel := h.reqCtx()
	defer cancel()
	return ref.hr.room.Do(ctx, fn)
}

// inRoom runs fn on ref's room goroutine between ticks, bounded by
// RequestTimeout; a seat given up meanwhile, or a room gone, is
// NOT_IN_ROOM.
func (h *Host) inRoom(ref *seatRef, fn func() error) error {
	ctx, cancel := h.reqCtx()
	defer cancel()
	err := ref.hr.room.Call(ctx, func() error {
		if ref.hr.players[ref.id] != ref {
			return errNotInRoom
		}
		return fn()
	})
	if errors.Is(err, rooms.ErrClosed) {
		return errNotInRoom
	}
	return err
}

var errNotInRoom = reqErr(CodeNotInRoom, "you are not in a room")

func (h *Host) ready(c *conn, payload []byte) (any, func(), error) {
	f, err := decodeFields(payload)
	if err != nil {
		return nil, nil, err
	}
	ready, ok, err := f.boolean(keyReady)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, reqErr(CodeBadRequest, "ready is required")
	}
	ref := c.seat.Load()
	if ref == nil {
		return nil, nil, errNotInRoom
	}
	if ref.hr.room.Phase() != rooms.PhaseWaiting {
		return nil, nil, reqErr(CodeRoomLocked, "the room has started")
	}
	err = h.inRoom(ref, func() error {
		if ref.hr.room.Phase() != rooms.PhaseWaiting { // started while the request waited
			return reqErr(CodeRoomLocked, "the room has started")
		}
		if ref.ready != ready {
			ref.ready = ready
			h.playerEvent(ref.hr, OpUpdate, ref, ref.id)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return nil, func() { h.autoStart(ref.hr) }, nil
}

func (h *Host) kick(c *conn, payload []byte) (any, func(), error) {
	f, err := decodeFields(payload)
	if err != nil {
		return nil, nil, err
	}
	pid, ok, err := f.integer(keyPlayerID)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, reqErr(CodeBadRequest, "playerId is required")
	}
	ref := c.seat.Load()
	if ref == nil {
		return nil, nil, errNotInRoom
	}
	hr := ref.hr
	var target *seatRef
	err = h.inRoom(ref, func() error {
		if pid > 0 && pid <= 1<<32-1 {
			target = hr.players[game.PlayerID(pid)]
		}
		switch {
		case target == nil:
			return reqErr(CodeBadRequest, "no such player in your room")
		case target == ref:
			return reqErr(CodeBadRequest, "you cannot kick yourself")
		case hr.host != ref.id:
			return reqErr(CodeNotHost, "only the host can kick")
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return nil, func() { h.kickOut(target) }, nil
}

// kickOut gives up target's seat, then tells its connection room:closed
// {reason: "kicked"}; its token is gone, so a rejoin answers SEAT_EXPIRED.
func (h *Host) kickOut(target *seatRef) {
	// Not bounded by RequestTimeout: the host was told the kick succeeded.
	_ = target.hr.room.Do(h.ctx, func(tx *rooms.Tx) error {
		peer := target.peer
		h.giveUp(tx, target)
		if peer != nil {
			_ = peer.Send(rooms.NewEvent(rooms.EventClosed, rooms.Closed{Reason: rooms.CloseKicked}))
		}
		return nil
	})
}

// start answers on the room goroutine, in the tick step that starts the
// game: the ack goes out before the room:state of the new phase, and both
// before what the mode's Start sends.
func (h *Host) start(c *conn, _ []byte, answer answerFunc) {
	ref := c.seat.Load()
	if ref == nil {
		answer(nil, nil, errNotInRoom)
		return
	}
	hr := ref.hr
	ctx, cancel := h.reqCtx()
	defer cancel()
	var once sync.Once // a step that ran just as the wait timed out answers once
	err := hr.room.DoAnswered(ctx, func(tx *rooms.Tx) error {
		if hr.players[ref.id] != ref {
			return errNotInRoom
		}
		// The contract's order: BAD_REQUEST (too few seated) before ROOM_LOCKED before NOT_HOST.
		switch {
		case len(hr.players) < hr.room.Settings().MinPlayers:
			return reqErr(CodeBadRequest, "fewer players than the mode's minimum")
		case hr.room.Phase() != rooms.PhaseWaiting:
			return reqErr(CodeRoomLocked, "the room has started")
		case hr.host != ref.id:
			return reqErr(CodeNotHost, "only the host can start")
		}
		switch err := tx.Start(); {
		case errors.Is(err, rooms.ErrTooFewPlayers):
			return reqErr(CodeBadRequest, "fewer players than the mode's minimum")
		case errors.Is(err, rooms.ErrLocked):
			return reqErr(CodeRoomLocked, "the room has started")
		default:
			return err
		}
	}, func(err error) {
		once.Do(func() {
			answer(nil, nil, err)
			if err == nil {
				h.phaseChanged(hr)
			}
		})
	})
	if err != nil { // the step never ran: the room closed, or did not get to it in time
		if errors.Is(err, rooms.ErrClosed) {
			err = errNotInRoom
		}
		once.Do(func() { answer(nil, nil, err) })
	}
}

func (h *Host) resync(c *conn, _ []byte) (any, func(), error) {
	ref := c.seat.Load()
	if ref == nil {
		return nil, nil, errNotInRoom
	}
	ctx, cancel := h.reqCtx()
	defer cancel()
	switch err := ref.hr.room.Resync(ctx, ref.id); {
	case errors.Is(err, rooms.ErrNotSeated), errors.Is(err, rooms.ErrClosed):
		return nil, nil, errNotInRoom
	case err != nil:
		return nil, nil, err // the room did not get to it in time: INTERNAL
	}
	return nil, nil, nil
}

func timeSync(_ *conn, payload []byte) (any, func(), error) {
	f, err := decodeFields(payload)
	if err != nil {
		return nil, nil, err
	}
	switch f[keyT0].(type) {
	case int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64:
	default:
		return nil, nil, reqErr(CodeBadRequest, "t0 must be a number")
	}
	return timeSyncResult{T0: f[keyT0], ServerTime: time.Now().UnixMilli()}, nil, nil
}
