package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tickroom/tickroom/netio/client"
)

// failure is one error of a bot, as the report counts and prints it: what the bot was doing,
// a code, and the message. The code is the server's (the ack's error.code, such as
// BAD_REQUEST, or a notice's) or, for what the bot saw itself, one of gamebot's own below.
type failure struct {
	Op      string // connect, quickjoin, create, start, join, move, snapshot, input, notice
	Code    string
	Message string
}

// gamebot's own codes.
const (
	codeTimeout      = "TIMEOUT"       // the connect or the request did not finish in time
	codeAckTimeout   = "ACK_TIMEOUT"   // no ack within --join-timeout
	codeDisconnected = "DISCONNECTED"  // the connection closed under the request
	codeQueueFull    = "QUEUE_FULL"    // the client's send queue was full
	codeConnectError = "CONNECT_ERROR" // the server refused the Socket.IO connect
	codeNetwork      = "NETWORK"       // any other connect or send failure
	codeBadAck       = "BAD_ACK"       // an ack that does not decode
	codeBadSchema    = "BAD_SCHEMA"    // a Joined without a usable schema
	codeStrategy     = "STRATEGY"      // the strategy cannot play the schema
	codeHostFailed   = "HOST_FAILED"   // a private room's host could not make the room
	codeBadSnapshot  = "BAD_SNAPSHOT"  // a snapshot that does not decode
	codeOutOfOrder   = "OUT_OF_ORDER"  // a snapshot against the protocol's order
	codeApply        = "APPLY"         // a section the mirror cannot apply
	codeNoSnapshots  = "NO_SNAPSHOTS"  // a seated bot's snapshots stopped (or never came)
	codeNotJoined    = "NOT_JOINED"    // a snapshot before the Joined
	codeMoveLoop     = "MOVE_LOOP"     // a seat sent on from node to node more than maxMoves times
	codeUnknown      = "ERROR"         // anything else
)

// maxMessage bounds a message's length in the report.
const maxMessage = 200

// requestError is a request's {ok: false, error: {code, message}}.
type requestError struct {
	Code    string `msgpack:"code"`
	Message string `msgpack:"message"`
}

func (e *requestError) Error() string { return e.Code + ": " + e.Message }

// moveError is a failure while the bot followed its seat to another node (follow): the
// report counts it under op "move", whatever request was answered with the url.
type moveError struct {
	url string // the node the seat is on
	err error
}

func (e *moveError) Error() string { return "to " + e.url + ": " + e.err.Error() }
func (e *moveError) Unwrap() error { return e.err }

// failureOf classifies err, which happened while the bot did op.
func failureOf(op string, err error) failure {
	if me := (*moveError)(nil); errors.As(err, &me) {
		op = "move"
	}
	f := failure{Op: op, Code: codeUnknown, Message: err.Error()}
	var re *requestError
	var ce *client.ConnectError
	var fe *failure
	switch {
	case errors.As(err, &fe):
		f = *fe
		f.Op = op
	case errors.As(err, &re):
		f.Code, f.Message = re.Code, re.Message
	case errors.As(err, &ce):
		f.Code, f.Message = codeConnectError, ce.Message
	case errors.Is(err, context.DeadlineExceeded):
		f.Code = codeTimeout
	case errors.Is(err, client.ErrAckTimeout):
		f.Code = codeAckTimeout
	case errors.Is(err, client.ErrDisconnected):
		f.Code = codeDisconnected
	case errors.Is(err, client.ErrQueueFull):
		f.Code = codeQueueFull
	case op == "connect" || op == "input" || op == "move":
		f.Code = codeNetwork
	}
	f.Message = clip(f.Message)
	return f
}

// Error makes a failure an error, for the join steps that return one.
func (f *failure) Error() string { return f.Code + ": " + f.Message }

// fail returns the failure code: message as an error.
func fail(code, format string, args ...any) error {
	return &failure{Code: code, Message: clip(fmt.Sprintf(format, args...))}
}

// isCode reports whether err is a request error with code.
func isCode(err error, code string) bool {
	var re *requestError
	return errors.As(err, &re) && re.Code == code
}

func clip(s string) string {
	s = strings.ToValidUTF8(strings.TrimSpace(s), "?")
	if len(s) > maxMessage {
		s = strings.ToValidUTF8(s[:maxMessage], "") + "…"
	}
	return s
}

func (f failure) String() string {
	if f.Message == "" {
		return f.Op + ": " + f.Code
	}
	return f.Op + ": " + f.Code + ": " + f.Message
}
