package socketio

import (
	"bytes"
	"fmt"

	"github.com/vmihailenco/msgpack/v5"
)

// Args are the arguments of an event or an ack, each kept as one canonical
// msgpack value (see netio/sioparser), whatever parser the peer used.
// Decoding is left to the handler, into the type it expects.
type Args struct {
	raw [][]byte
}

// Len is the number of arguments.
func (a Args) Len() int { return len(a.raw) }

// Raw is argument i as canonical msgpack bytes, or nil when i is out of range.
func (a Args) Raw(i int) []byte {
	if i < 0 || i >= len(a.raw) {
		return nil
	}
	return a.raw[i]
}

// Decode unmarshals argument i into v (msgpack struct tags apply). A missing
// argument is an error.
func (a Args) Decode(i int, v any) error {
	if i < 0 || i >= len(a.raw) {
		return fmt.Errorf("socketio: argument %d of %d missing", i, len(a.raw))
	}
	return msgpack.Unmarshal(a.raw[i], v)
}

// String returns argument i when it is a string.
func (a Args) String(i int) (string, bool) {
	var s string
	if i < 0 || i >= len(a.raw) || len(a.raw[i]) == 0 {
		return "", false
	}
	if c := a.raw[i][0]; !(c >= 0xa0 && c <= 0xbf) && c != 0xd9 && c != 0xda && c != 0xdb {
		return "", false
	}
	if err := msgpack.Unmarshal(a.raw[i], &s); err != nil {
		return "", false
	}
	return s, true
}

// Values decodes every argument into generic Go values (map[string]any,
// []any, int64/uint64/float64, string, []byte, bool, nil).
func (a Args) Values() ([]any, error) {
	out := make([]any, len(a.raw))
	for i := range a.raw {
		if err := msgpack.Unmarshal(a.raw[i], &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Arg returns argument i ready to be emitted again unchanged (a
// msgpack.RawMessage), or nil when i is out of range.
func (a Args) Arg(i int) any {
	if i < 0 || i >= len(a.raw) {
		return nil
	}
	return msgpack.RawMessage(a.raw[i])
}

// AsAny returns the arguments as raw values ready to be emitted again
// unchanged (each a msgpack.RawMessage).
func (a Args) AsAny() []any {
	out := make([]any, len(a.raw))
	for i, r := range a.raw {
		out[i] = msgpack.RawMessage(r)
	}
	return out
}

// splitArray splits a canonical msgpack array into its elements, skipping
// the first skip of them.
func splitArray(data []byte, skip int) (Args, error) {
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
	if n > len(data) { // every element takes at least one byte
		return Args{}, fmt.Errorf("socketio: array length %d exceeds data", n)
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

// Ack answers an event that asked for an acknowledgement. It is nil when the
// peer asked for none. Calling it more than once returns ErrAckUsed.
type Ack func(args ...any) error

// AckCallback receives the arguments of an ack, or ErrAckTimeout /
// ErrDisconnected.
type AckCallback func(args Args, err error)
