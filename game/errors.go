package game

import "errors"

// Sentinel errors. The runtime maps them to the protocol's error codes;
// modes wrap them (fmt.Errorf("%w: ...", ErrBadOptions)) to add detail.
var (
	// ErrBadOptions: room:create options a mode rejects (BAD_REQUEST).
	ErrBadOptions = errors.New("game: bad options")
	// ErrRoomFull: Game.CanJoin refuses because every seat is taken (ROOM_FULL).
	ErrRoomFull = errors.New("game: room is full")
	// ErrNotJoinable: Game.CanJoin refuses for a reason other than seats,
	// such as the match phase (ROOM_LOCKED).
	ErrNotJoinable = errors.New("game: room is not joinable now")
	// ErrBadInput: Game.DecodeInput found a malformed input (dropped, counted).
	ErrBadInput = errors.New("game: malformed input")
	// ErrBadSection: Mirror.Apply found a malformed snapshot section.
	ErrBadSection = errors.New("game: malformed snapshot section")
	// ErrBadSchema: a Schema that breaks the limits of Schema.Validate.
	ErrBadSchema = errors.New("game: bad schema")
	// ErrBadSettings: Settings that break the limits of Settings.Validate.
	ErrBadSettings = errors.New("game: bad settings")
	// ErrBadMode: Registry.Register got a mode without a usable name.
	ErrBadMode = errors.New("game: bad mode")
	// ErrDuplicateMode: Registry.Register got a second mode of one name.
	ErrDuplicateMode = errors.New("game: mode already registered")
)
