package sioparser

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/tickroom/tickroom/internal/mpwire"
)

// PacketType is a Socket.IO v5 packet type.
type PacketType uint8

// Socket.IO v5 packet types. BinaryEvent and BinaryAck only exist on the
// wire of the text parser; decoders report them as Event and Ack.
const (
	Connect      PacketType = 0
	Disconnect   PacketType = 1
	Event        PacketType = 2
	Ack          PacketType = 3
	ConnectError PacketType = 4
	BinaryEvent  PacketType = 5
	BinaryAck    PacketType = 6
)

// String returns the protocol name of t, for logs.
func (t PacketType) String() string {
	switch t {
	case Connect:
		return "CONNECT"
	case Disconnect:
		return "DISCONNECT"
	case Event:
		return "EVENT"
	case Ack:
		return "ACK"
	case ConnectError:
		return "CONNECT_ERROR"
	case BinaryEvent:
		return "BINARY_EVENT"
	case BinaryAck:
		return "BINARY_ACK"
	}
	return "PacketType(" + strconv.Itoa(int(t)) + ")"
}

// Packet is one decoded Socket.IO packet.
type Packet struct {
	Type      PacketType
	Namespace string // "/" when absent; encoders treat "" as "/"
	ID        uint64 // ack id, valid when HasID
	HasID     bool
	Data      []byte // canonical msgpack of the data value; nil = no data
}

// ErrInvalidPacket is wrapped by every error of this package, with detail
// added via fmt.Errorf("%w: ...").
var ErrInvalidPacket = errors.New("sioparser: invalid packet")

// MaxDepth bounds the nesting of arrays and maps (and JSON arrays and
// objects) that decoders and transcoders accept, so hostile input cannot
// exhaust the stack.
const MaxDepth = 1000

func invalid(detail string) error {
	return fmt.Errorf("%w: %s", ErrInvalidPacket, detail)
}

// reservedEvents are the names socket.io-parser refuses as event names.
var reservedEvents = [...]string{"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"}

// IsReservedEvent reports whether name is an event name that Socket.IO
// reserves (connect, connect_error, disconnect, disconnecting, newListener,
// removeListener) and so must never travel in an EVENT packet.
func IsReservedEvent(name string) bool {
	for _, r := range reservedEvents {
		if name == r {
			return true
		}
	}
	return false
}

func isReservedBytes(name []byte) bool {
	for _, r := range reservedEvents {
		if string(name) == r {
			return true
		}
	}
	return false
}

// EventName splits canonical EVENT data (an array whose first element is a
// string) into the event name and the remaining elements: rest is the
// concatenation of the raw msgpack values after the name (see SplitValue).
func EventName(data []byte) (name string, rest []byte, err error) {
	h, i, err := mpwire.ReadHead(data, 0)
	if err != nil {
		return "", nil, wireErr(err)
	}
	if h.Kind != mpwire.Array || h.N == 0 {
		return "", nil, invalid("event data is not a non-empty array")
	}
	h2, j, err := mpwire.ReadHead(data, i)
	if err != nil {
		return "", nil, wireErr(err)
	}
	if h2.Kind != mpwire.Str {
		return "", nil, invalid("event name is not a string")
	}
	return string(data[j : j+h2.N]), data[j+h2.N:], nil
}

// SplitValue returns the first msgpack value of b and what follows it. It
// checks that the value is well formed but not that it is canonical.
func SplitValue(b []byte) (value, rest []byte, err error) {
	end, err := mpwire.Skip(b, 0, MaxDepth)
	if err != nil {
		return nil, nil, wireErr(err)
	}
	return b[:end], b[end:], nil
}

// validateData checks canonical data against what a packet of type t may
// carry, as socket.io-parser's isPayloadValid and socket.io-msgpack-parser's
// checkPacket do, plus the stricter rules of the server: EVENT needs a
// string name that is not reserved, ACK needs an array, CONNECT_ERROR needs
// data.
func validateData(t PacketType, data []byte) error {
	if data == nil {
		switch t {
		case Connect, Disconnect:
			return nil
		}
		return invalid(t.String() + " packet without data")
	}
	h, i, err := mpwire.ReadHead(data, 0)
	if err != nil {
		return wireErr(err)
	}
	switch t {
	case Connect:
		if h.Kind != mpwire.Map {
			return invalid("CONNECT data is not a map")
		}
	case Disconnect:
		return invalid("DISCONNECT packet with data")
	case ConnectError:
		if h.Kind != mpwire.Map && h.Kind != mpwire.Str {
			return invalid("CONNECT_ERROR data is neither a string nor a map")
		}
	case Event, BinaryEvent:
		if h.Kind != mpwire.Array || h.N == 0 {
			return invalid("EVENT data is not a non-empty array")
		}
		h2, j, err := mpwire.ReadHead(data, i)
		if err != nil {
			return wireErr(err)
		}
		if h2.Kind != mpwire.Str {
			return invalid("event name is not a string")
		}
		if isReservedBytes(data[j : j+h2.N]) {
			return invalid("reserved event name")
		}
	case Ack, BinaryAck:
		if h.Kind != mpwire.Array {
			return invalid("ACK data is not an array")
		}
	default:
		return invalid("unknown packet type")
	}
	return nil
}

// baseType maps the binary types onto EVENT and ACK: encoders pick the
// binary form themselves.
func baseType(t PacketType) PacketType {
	switch t {
	case BinaryEvent:
		return Event
	case BinaryAck:
		return Ack
	}
	return t
}

func checkNamespace(nsp string) (string, error) {
	if nsp == "" {
		return "/", nil
	}
	if nsp[0] != '/' {
		return "", invalid("namespace does not start with /")
	}
	return nsp, nil
}
