package socketio

import "errors"

// Disconnect reasons, as the reference server names them. A socket's
// OnDisconnect handlers receive one of these.
const (
	ReasonTransportError            = "transport error"
	ReasonTransportClose            = "transport close"
	ReasonForcedClose               = "forced close"
	ReasonPingTimeout               = "ping timeout"
	ReasonParseError                = "parse error"
	ReasonServerShuttingDown        = "server shutting down"
	ReasonForcedServerClose         = "forced server close"
	ReasonClientNamespaceDisconnect = "client namespace disconnect"
	ReasonServerNamespaceDisconnect = "server namespace disconnect"
	// ReasonSlowClient is not a reference reason: the connection's outbox
	// filled up because the peer stopped reading.
	ReasonSlowClient = "slow client"
	// ReasonServerError is not a reference reason either: a handler panicked,
	// and the connection was closed (Stats.Panics).
	ReasonServerError = "server error"
)

var (
	// ErrDisconnected is returned when emitting on, or waiting for an ack
	// from, a socket that has disconnected.
	ErrDisconnected = errors.New("socketio: socket disconnected")
	// ErrAckTimeout is returned when an ack did not arrive in time.
	ErrAckTimeout = errors.New("socketio: ack timeout")
	// ErrReservedEvent is returned when emitting an event whose name is
	// reserved by Socket.IO (connect, disconnect, ...).
	ErrReservedEvent = errors.New("socketio: reserved event name")
	// ErrAckUsed is returned when an Ack is called a second time.
	ErrAckUsed = errors.New("socketio: ack already sent")
)

// ConnectError refuses a connection from middleware: the client receives
// CONNECT_ERROR {message, data} (data omitted when nil).
type ConnectError struct {
	Message string
	Data    any
}

func (e *ConnectError) Error() string { return "socketio: connect refused: " + e.Message }
