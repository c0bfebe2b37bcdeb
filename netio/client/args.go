package client

import (
	"github.com/tickroom/tickroom/netio/sioparser"
)

// Args are the arguments of an event or an ack, each one canonical msgpack value (see
// netio/sioparser) whatever parser the connection speaks. Handlers decode what they expect.
type Args = sioparser.Args

// Ack answers an event that asked for an acknowledgement; it is nil when the server asked
// for none. A second call returns ErrAckUsed.
type Ack func(args ...any) error

// AckCallback receives an ack's arguments, or ErrAckTimeout or ErrDisconnected.
type AckCallback func(args Args, err error)

// EventHandler handles one incoming event. It runs on the connection's reader goroutine, one
// event at a time in arrival order, and must not block on anything the same connection has
// to read (such as EmitWithAckContext).
type EventHandler func(args Args, ack Ack)

// Handle registers a typed handler: the event's first argument is decoded into a T before h
// runs. An event whose argument does not decode goes to onBad when it is not nil, else is
// dropped. The decode is the only per-type step: no reflection in the dispatch.
func Handle[T any](s *Socket, event string, h func(v T, ack Ack), onBad func(err error, ack Ack)) {
	s.On(event, func(args Args, ack Ack) {
		var v T
		if args.Len() > 0 {
			if err := args.Decode(0, &v); err != nil {
				if onBad != nil {
					onBad(err, ack)
				}
				return
			}
		}
		h(v, ack)
	})
}
