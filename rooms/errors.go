package rooms

import (
	"errors"
	"fmt"
)

// Sentinel errors of the runtime. Errors that come from the mode
// (Game.CanJoin) keep their game.Err* sentinels, so callers map both to the
// protocol's error codes with errors.Is.
var (
	// ErrClosed: the room has stopped (closed, ended, shut down or failed).
	ErrClosed = errors.New("rooms: room is closed")
	// ErrRoomFull: every seat is taken (ROOM_FULL). Join's error also
	// matches game.ErrRoomFull.
	ErrRoomFull = errors.New("rooms: room is full")
	// ErrLocked: the room's phase does not allow joining (ROOM_LOCKED).
	// Join's error also matches game.ErrNotJoinable.
	ErrLocked = errors.New("rooms: room is not joinable now")
	// ErrAlreadySeated: the player id already has a seat (ALREADY_IN_ROOM).
	ErrAlreadySeated = errors.New("rooms: player is already seated")
	// ErrNotSeated: the player id has no seat in the room (NOT_IN_ROOM).
	ErrNotSeated = errors.New("rooms: player is not seated")
	// ErrBadConfig: a Config that fails Validate.
	ErrBadConfig = errors.New("rooms: bad config")
)

// PanicError is what Room.Run returns when mode code (or the runtime
// itself) panicked inside the room goroutine: the room has been closed with
// room:closed {reason: "error"}. Check for it with errors.As.
type PanicError struct {
	Room  string // the room id
	Value any    // the value passed to panic
	Stack []byte // the panicking goroutine's stack
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("rooms: room %s: panic: %v", e.Room, e.Value)
}

// RefusedError is a message handler's refusal (REFUSED): Reason is the
// text the handler's error gave.
type RefusedError struct {
	Reason string
}

func (e *RefusedError) Error() string { return "rooms: message refused: " + e.Reason }
