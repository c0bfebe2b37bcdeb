package socketio

import "github.com/tickroom/tickroom/netio/sioparser"

// Args are the arguments of an event or an ack, each kept as one canonical
// msgpack value (see netio/sioparser), whatever parser the peer used.
// Decoding is left to the handler, into the type it expects.
type Args = sioparser.Args

// Ack answers an event that asked for an acknowledgement. It is nil when the
// peer asked for none. Calling it more than once returns ErrAckUsed.
type Ack func(args ...any) error

// AckCallback receives the arguments of an ack, or ErrAckTimeout /
// ErrDisconnected.
type AckCallback func(args Args, err error)
