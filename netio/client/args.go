package client

import (
	"bytes"
	"fmt"

	"github.com/tickroom/tickroom/netio/sioparser"
	"github.com/vmihailenco/msgpack/v5"
)

// Args are the arguments of an event or an ack, each one canonical msgpack value (see
// netio/sioparser) whatever parser the connection speaks. Handlers decode what they expect.
type Args struct {
	raw [][]byte
}

// Len is the number of arguments.
func (a Args) Len() int { return len(a.raw) }

// Raw is argument i as canonical msgpack, or nil when i is out of range.
func (a Args) Raw(i int) []byte {
	if i < 0 || i >= len(a.raw) {
		return nil
	}
	return a.raw[i]
}

// Decode unmarshals argument i into v (msgpack struct tags apply). A missing argument is an
// error.
func (a Args) Decode(i int, v any) error {
	if i < 0 || i >= len(a.raw) {
		return fmt.Errorf("client: argument %d of %d missing", i, len(a.raw))
	}
	return msgpack.Unmarshal(a.raw[i], v)
}

// String returns argument i when it is a string.
func (a Args) String(i int) (string, bool) {
	r := a.Raw(i)
	if len(r) == 0 {
		return "", false
	}
	if c := r[0]; !(c >= 0xa0 && c <= 0xbf) && c != 0xd9 && c != 0xda && c != 0xdb {
		return "", false
	}
	var s string
	if err := msgpack.Unmarshal(r, &s); err != nil {
		return "", false
	}
	return s, true
}

// Values decodes every argument into generic values (map[string]any, []any, int8..int64,
// uint8..uint64, float32/float64, string, []byte, bool, nil).
func (a Args) Values() ([]any, error) {
	out := make([]any, len(a.raw))
	for i := range a.raw {
		if err := msgpack.Unmarshal(a.raw[i], &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// AsAny returns the arguments ready to be emitted again unchanged (msgpack.RawMessage each).
func (a Args) AsAny() []any {
	out := make([]any, len(a.raw))
	for i, r := range a.raw {
		out[i] = msgpack.RawMessage(r)
	}
	return out
}

// splitArgs splits canonical array data into its elements after the first skip of them. The
// elements alias data.
func splitArgs(data []byte, skip int) (Args, error) {
	if len(data) == 0 {
		return Args{}, nil
	}
	r := bytes.NewReader(data)
	dec := msgpack.GetDecoder()
	defer msgpack.PutDecoder(dec)
	dec.Reset(r)
	n, err := dec.DecodeArrayLen()
	if err != nil {
		return Args{}, err
	}
	if n < 0 {
		n = 0
	}
	if n > len(data) {
		return Args{}, fmt.Errorf("%w: array length %d exceeds data", sioparser.ErrInvalidPacket, n)
	}
	var out Args
	if n > skip {
		out.raw = make([][]byte, 0, n-skip)
	}
	for i := 0; i < n; i++ {
		start := len(data) - r.Len()
		if err := dec.Skip(); err != nil {
			return Args{}, err
		}
		if i >= skip {
			end := len(data) - r.Len()
			out.raw = append(out.raw, data[start:end:end])
		}
	}
	return out, nil
}

// encodeArray encodes name (when not empty) and args as one msgpack array, with the compact
// integer encoding notepack uses.
func encodeArray(name string, args []any) ([]byte, error) {
	var buf bytes.Buffer
	enc := msgpack.GetEncoder()
	defer msgpack.PutEncoder(enc)
	enc.Reset(&buf)
	enc.UseCompactInts(true)
	n := len(args)
	if name != "" {
		n++
	}
	if err := enc.EncodeArrayLen(n); err != nil {
		return nil, err
	}
	if name != "" {
		if err := enc.EncodeString(name); err != nil {
			return nil, err
		}
	}
	for _, a := range args {
		if err := enc.Encode(a); err != nil {
			return nil, err
		}
	}
	return sioparser.Normalize(buf.Bytes())
}

// encodeValue encodes one value (the CONNECT auth) as canonical msgpack.
func encodeValue(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := msgpack.GetEncoder()
	defer msgpack.PutEncoder(enc)
	enc.Reset(&buf)
	enc.UseCompactInts(true)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return sioparser.Normalize(buf.Bytes())
}

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
