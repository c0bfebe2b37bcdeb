package game

import (
	"errors"
	"fmt"

	"github.com/vmihailenco/msgpack/v5"
)

// Message is one room:message a player sent: its type and its data, the
// canonical msgpack encoding of whatever value the client sent (nil when
// it sent none).
type Message struct {
	From PlayerID
	Type string
	Data []byte
}

// Decode unmarshals the message's data into v (msgpack struct tags apply);
// an error wraps ErrBadInput.
func (m Message) Decode(v any) error {
	if len(m.Data) == 0 {
		return fmt.Errorf("%w: message %q has no data", ErrBadInput, m.Type)
	}
	if err := msgpack.Unmarshal(m.Data, v); err != nil {
		return fmt.Errorf("%w: message %q: %v", ErrBadInput, m.Type, err)
	}
	return nil
}

// MessageHandler handles one room:message. It runs on the room goroutine
// between ticks, when the message arrives, and may change the World: its
// changes belong to the next tick (they reach the next snapshot, and come
// before that tick's lifecycle calls and inputs). Its reply (any value
// msgpack can encode, nil for none) goes back in the request's ack; a
// non-nil error refuses the message: the sender gets REFUSED with the
// error's text.
type MessageHandler func(m Message) (reply any, err error)

// Messages holds a game's room:message handlers by type. A Game registers
// them in Mode.New through Context.Messages; the runtime dispatches. The
// zero value is ready to use.
type Messages struct {
	handlers map[string]MessageHandler
}

// Handle registers h for messages of type typ, replacing any earlier one.
func (ms *Messages) Handle(typ string, h MessageHandler) {
	if ms.handlers == nil {
		ms.handlers = make(map[string]MessageHandler)
	}
	ms.handlers[typ] = h
}

// Has reports whether a handler for typ is registered.
func (ms *Messages) Has(typ string) bool {
	_, ok := ms.handlers[typ]
	return ok
}

// ErrNoHandler: a message of a type the game has no handler for
// (BAD_REQUEST).
var ErrNoHandler = errors.New("game: no handler for this message type")

// Dispatch runs the handler of m.Type: ErrNoHandler when there is none.
// The runtime calls it; a test kit may too.
func (ms *Messages) Dispatch(m Message) (reply any, err error) {
	h, ok := ms.handlers[m.Type]
	if !ok {
		return nil, ErrNoHandler
	}
	return h(m)
}
