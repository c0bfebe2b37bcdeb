package client

import (
	"errors"
	"fmt"
)

var (
	// ErrInvalidOptions is wrapped by Options.Validate's errors.
	ErrInvalidOptions = errors.New("client: invalid options")
	// ErrClosed is returned once the Manager has been closed.
	ErrClosed = errors.New("client: manager closed")
	// ErrDisconnected fails acks of a socket that disconnected before the answer came, and
	// emits on a socket that is not connected and not trying to be.
	ErrDisconnected = errors.New("client: socket disconnected")
	// ErrAckTimeout fails an ack that did not arrive in time.
	ErrAckTimeout = errors.New("client: ack timeout")
	// ErrReservedEvent refuses an emit of a name Socket.IO reserves (connect, disconnect, ...).
	ErrReservedEvent = errors.New("client: reserved event name")
	// ErrAckUsed is returned when an Ack is called a second time.
	ErrAckUsed = errors.New("client: ack already sent")
	// ErrQueueFull is returned by Emit when the bounded send queue is full: the server is not
	// reading fast enough, or the socket has been disconnected for long.
	ErrQueueFull = errors.New("client: send queue full")
	// ErrReconnectFailed is returned by Connect when ReconnectionAttempts ran out.
	ErrReconnectFailed = errors.New("client: reconnection attempts exhausted")
)

// ConnectError is a namespace connection refused by the server (CONNECT_ERROR): Message is
// the server's message ("Invalid namespace", or a middleware's error) and Data its `data`,
// decoded into generic values (nil when absent). Match it with errors.As.
type ConnectError struct {
	Namespace string
	Message   string
	Data      any
}

func (e *ConnectError) Error() string {
	return fmt.Sprintf("client: connect to %s refused: %s", e.Namespace, e.Message)
}

// Disconnect reasons, as the npm client names them; OnDisconnect handlers receive one.
const (
	ReasonServerDisconnect = "io server disconnect" // the server disconnected the socket
	ReasonClientDisconnect = "io client disconnect" // Disconnect or Close was called
	ReasonPingTimeout      = "ping timeout"         // no ping within pingInterval+pingTimeout
	ReasonTransportClose   = "transport close"      // the server closed the connection
	ReasonTransportError   = "transport error"      // the connection failed
	ReasonParseError       = "parse error"          // the server sent a packet we cannot decode
	ReasonQueueFull        = "queue full"           // not an npm reason: the writer fell behind
)
