package lobby

import "errors"

// Error codes of the game protocol's request acks (docs/protocol.md).
const (
	CodeBadRequest    = "BAD_REQUEST"
	CodeUnknownMode   = "UNKNOWN_MODE"
	CodeRoomNotFound  = "ROOM_NOT_FOUND"
	CodeRoomFull      = "ROOM_FULL"
	CodeRoomLocked    = "ROOM_LOCKED"
	CodeAlreadyInRoom = "ALREADY_IN_ROOM"
	CodeNotInRoom     = "NOT_IN_ROOM"
	CodeNotHost       = "NOT_HOST"
	CodeSeatExpired   = "SEAT_EXPIRED"
	CodeWrongPassword = "WRONG_PASSWORD"
	CodeRateLimited   = "RATE_LIMITED"
	CodeUnauthorized  = "UNAUTHORIZED"
	CodeInternal      = "INTERNAL"
	CodeRefused       = "REFUSED"     // a mode's message handler said no, with its own message
	CodeUnavailable   = "UNAVAILABLE" // the server cannot do it now: draining, the room cap, the cluster bus
)

// RequestError is a request's failure as the client sees it: the ack
// {ok: false, error: {code, message}}.
type RequestError struct {
	Code    string `msgpack:"code"`
	Message string `msgpack:"message"`
}

func (e *RequestError) Error() string { return "lobby: " + e.Code + ": " + e.Message }

func reqErr(code, msg string) *RequestError { return &RequestError{Code: code, Message: msg} }

// Sentinel errors of the lobby.
var (
	// ErrClosed: the host has shut down; requests after it fail.
	ErrClosed = errors.New("lobby: host is closed")
	// ErrBadConfig: a Config that fails Validate.
	ErrBadConfig = errors.New("lobby: bad config")
	// ErrRoomCap: the host runs Limits.MaxRooms rooms already (UNAVAILABLE).
	ErrRoomCap = errors.New("lobby: too many rooms")
	// ErrDraining: the host is draining and makes no new rooms (UNAVAILABLE).
	ErrDraining = errors.New("lobby: draining")
)
