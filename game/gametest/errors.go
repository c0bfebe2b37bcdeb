package gametest

import "errors"

// Sentinel errors of the kit, for what the runtime (rooms/) refuses itself
// before any mode code runs. A refusal by the mode keeps the mode's error
// (Game.CanJoin's, DecodeInput's, a message handler's), and a join refused
// for seats or phase also matches game.ErrRoomFull or game.ErrNotJoinable,
// as the runtime's does.
var (
	// ErrNotSeated: the player has no seat (rooms.ErrNotSeated).
	ErrNotSeated = errors.New("gametest: player is not seated")
	// ErrAlreadySeated: Join of a player who has a seat (rooms.ErrAlreadySeated).
	ErrAlreadySeated = errors.New("gametest: player is already seated")
	// ErrNotWaiting: Start outside phase waiting (rooms.ErrLocked).
	ErrNotWaiting = errors.New("gametest: the match is not waiting to start")
	// ErrTooFewPlayers: Start with fewer than Settings.MinPlayers seated
	// (rooms.ErrTooFewPlayers).
	ErrTooFewPlayers = errors.New("gametest: too few players to start")
	// ErrBadSeq: an input without a seq that is an integer in 1..2^53-1;
	// the runtime drops it before DecodeInput.
	ErrBadSeq = errors.New("gametest: input seq must be an integer in 1..2^53-1")
	// ErrRefused wraps a message handler's error (rooms.RefusedError: the
	// sender gets REFUSED).
	ErrRefused = errors.New("gametest: message refused")
)
