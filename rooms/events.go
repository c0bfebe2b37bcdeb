package rooms

import "sync"

// Names of the events the runtime sends to players.
const (
	EventClosed = "room:closed" // Closed: the player is no longer in the room
	EventRoom   = "room:event"  // {type, ...fields}: the mode's reliable events (results)
	EventNotice = "notice"      // Notice: a warning that is not a request's answer
)

// CloseReason says why a room let a connection go: room:closed {reason}.
type CloseReason string

// The reasons of the game protocol.
const (
	CloseEnded    CloseReason = "ended"    // the match ended, or the empty room was disposed
	CloseKicked   CloseReason = "kicked"   // the host kicked the player
	CloseRejoined CloseReason = "rejoined" // another connection took the seat over (room:rejoin)
	CloseShutdown CloseReason = "shutdown" // the server is shutting down
	CloseError    CloseReason = "error"    // the room failed (a panic in mode or room code)
)

// Closed is room:closed's argument.
type Closed struct {
	Reason CloseReason `msgpack:"reason"`
}

// Notice is the notice event's argument, e.g. RATE_LIMITED before a flood
// disconnect.
type Notice struct {
	Code    string `msgpack:"code"`
	Message string `msgpack:"message"`
}

// Event is one reliable event for one or many players: its name and its
// single argument (a value msgpack encodes as the contract's object). It
// must not change once made. A Peer keeps its wire encoding in it (see
// Encoded), so an event sent to a whole room is encoded once.
type Event struct {
	Name string
	Arg  any

	once sync.Once
	enc  any
	err  error
}

// NewEvent returns the event name with argument arg.
func NewEvent(name string, arg any) *Event { return &Event{Name: name, Arg: arg} }

// Encoded returns what encode returned on the first call for this event,
// calling it only then: encode once, send many. A process uses one kind of
// Peer encoding (the netio binding), so one cached value is enough.
func (e *Event) Encoded(encode func(name string, arg any) (any, error)) (any, error) {
	e.once.Do(func() { e.enc, e.err = encode(e.Name, e.Arg) })
	return e.enc, e.err
}
