package sioparser

import (
	"bytes"
	"fmt"
	"math"
	"slices"

	"github.com/tickroom/tickroom/internal/mpwire"
	"github.com/vmihailenco/msgpack/v5"
)

// Args are the arguments of an event or an ack, each kept as one canonical
// msgpack value, whatever parser the peer used. The server (netio/socketio)
// and the client (netio/client) both hand them to handlers, which decode
// into the types they expect.
//
// Up to argsInline arguments are kept as bounds into the data they alias,
// inside the value itself, so that splitting an event (a player's input:
// its name and one argument) allocates nothing; more are kept as slices.
type Args struct {
	raw   [][]byte               // the elements, when there are more than argsInline
	data  []byte                 // else element i is data[bound[i]:bound[i+1]]
	bound [argsInline + 1]uint32 // (offsets fit: see SplitArgs)
	n     uint8                  // the number of elements held in bounds
}

// argsInline is how many elements Args holds without a slice of them.
const argsInline = 3

// Len is the number of arguments.
func (a Args) Len() int {
	if a.raw != nil {
		return len(a.raw)
	}
	return int(a.n)
}

// at is element i, which exists.
func (a *Args) at(i int) []byte {
	if a.raw != nil {
		return a.raw[i]
	}
	return a.data[a.bound[i]:a.bound[i+1]:a.bound[i+1]]
}

// Raw is argument i as canonical msgpack bytes, or nil when i is out of range.
func (a Args) Raw(i int) []byte {
	if i < 0 || i >= a.Len() {
		return nil
	}
	return a.at(i)
}

// Decode unmarshals argument i into v (msgpack struct tags apply). A missing
// argument is an error.
func (a Args) Decode(i int, v any) error {
	if i < 0 || i >= a.Len() {
		return fmt.Errorf("sioparser: argument %d of %d missing", i, a.Len())
	}
	return msgpack.Unmarshal(a.at(i), v)
}

// String returns argument i when it is a string.
func (a Args) String(i int) (string, bool) {
	b, ok := a.StringBytes(i)
	return string(b), ok
}

// StringBytes is String without the copy: the string's bytes, aliasing the
// arguments (an event name compared with a known one allocates nothing).
func (a Args) StringBytes(i int) ([]byte, bool) {
	if i < 0 || i >= a.Len() {
		return nil, false
	}
	raw := a.at(i)
	if len(raw) == 0 {
		return nil, false
	}
	h, j, err := mpwire.ReadHead(raw, 0)
	if err != nil || h.Kind != mpwire.Str {
		return nil, false
	}
	return raw[j : j+h.N], true
}

// From returns the arguments from i on (an EVENT's arguments after its
// name); they share storage with a.
func (a Args) From(i int) Args {
	if i >= a.Len() {
		return Args{}
	}
	if i < 0 {
		i = 0
	}
	if a.raw != nil {
		return Args{raw: a.raw[i:]}
	}
	out := Args{data: a.data, n: a.n - uint8(i)}
	copy(out.bound[:], a.bound[i:a.n+1])
	return out
}

// Values decodes every argument into generic Go values (map[string]any,
// []any, integers, float64, string, []byte, bool, nil).
func (a Args) Values() ([]any, error) {
	out := make([]any, a.Len())
	for i := range out {
		if err := msgpack.Unmarshal(a.at(i), &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Arg returns argument i ready to be emitted again unchanged (a
// msgpack.RawMessage), or nil when i is out of range.
func (a Args) Arg(i int) any {
	if i < 0 || i >= a.Len() {
		return nil
	}
	return msgpack.RawMessage(a.at(i))
}

// AsAny returns every argument ready to be emitted again unchanged.
func (a Args) AsAny() []any {
	out := make([]any, a.Len())
	for i := range out {
		out[i] = msgpack.RawMessage(a.at(i))
	}
	return out
}

// SplitArgs splits canonical array data (an EVENT's or ACK's Data) into its
// elements after the first skip of them. The elements alias data. nil (or
// empty data) has no elements; anything else that is not an array, or an
// element that is not well-formed, is ErrInvalidPacket. Bytes after the
// array are ignored.
func SplitArgs(data []byte, skip int) (Args, error) {
	if len(data) == 0 {
		return Args{}, nil
	}
	h, i, err := mpwire.ReadHead(data, 0)
	switch {
	case err != nil:
		return Args{}, wireErr(err)
	case h.Kind == mpwire.Nil:
		return Args{}, nil
	case h.Kind != mpwire.Array:
		return Args{}, invalid("arguments are not an array")
	}
	out := Args{data: data}
	inline := h.N-skip <= argsInline && len(data) <= math.MaxUint32
	if !inline {
		out.raw = make([][]byte, 0, h.N-skip)
	}
	for k := 0; k < h.N; k++ {
		end, err := mpwire.Skip(data, i, MaxDepth-1)
		if err != nil {
			return Args{}, wireErr(err)
		}
		switch {
		case k < skip:
		case inline:
			if out.n == 0 {
				out.bound[0] = uint32(i)
			}
			out.n++
			out.bound[out.n] = uint32(end)
		default:
			out.raw = append(out.raw, data[i:end:end])
		}
		i = end
	}
	if out.n == 0 {
		out.data = nil
	}
	return out, nil
}

// Canonical is one msgpack value its producer guarantees to be canonical
// already (as Normalize would write it). EncodeArgs copies it as is, without
// the walk that normalising costs: for values encoded by hand on a hot path,
// such as a game snapshot, whose encoder is tested to be canonical.
type Canonical []byte

// EncodeMsgpack writes the value as it is, wherever a Canonical is encoded
// (beside other arguments, or inside a map).
func (c Canonical) EncodeMsgpack(enc *msgpack.Encoder) error {
	return msgpack.RawMessage(c).EncodeMsgpack(enc)
}

// EncodeArgs encodes name (when not empty) followed by args as one canonical
// msgpack array: the Data of an EVENT (with a name) or an ACK (without).
// Go values are encoded with vmihailenco/msgpack (msgpack struct tags apply)
// and then normalised, so both parsers send the same value; when every
// argument is Canonical the array is assembled without either.
func EncodeArgs(name string, args []any) ([]byte, error) {
	if out, ok := encodeCanonicalArgs(name, args); ok {
		return out, nil
	}
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
	return Normalize(buf.Bytes())
}

// EncodeValue encodes one Go value (a CONNECT auth or reply) as canonical
// msgpack.
func EncodeValue(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := msgpack.GetEncoder()
	defer msgpack.PutEncoder(enc)
	enc.Reset(&buf)
	enc.UseCompactInts(true)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return Normalize(buf.Bytes())
}

// encodeCanonicalArgs assembles the array directly when every argument is
// Canonical.
func encodeCanonicalArgs(name string, args []any) ([]byte, bool) {
	size, n := 5+5+len(name), len(args)
	for _, a := range args {
		c, ok := a.(Canonical)
		if !ok || len(c) == 0 {
			return nil, false
		}
		size += len(c)
	}
	if name != "" {
		n++
	}
	out := mpwire.AppendArrayHeader(make([]byte, 0, size), n)
	if name != "" {
		out = mpwire.AppendString(out, name)
	}
	for _, a := range args {
		out = append(out, a.(Canonical)...)
	}
	return out, true
}

// AppendCanonicalEvent appends the socket.io-msgpack-parser encoding of the
// EVENT [name, args...] in namespace nsp, as AppendMsgpack would write the
// packet whose Data is EncodeArgs(name, args), when every argument is a
// non-empty Canonical; otherwise it returns dst and false. It neither walks
// nor copies the arguments more than once.
func AppendCanonicalEvent(dst []byte, nsp, name string, args []any) ([]byte, bool) {
	size := 0
	for _, a := range args {
		c, ok := a.(Canonical)
		if !ok || len(c) == 0 {
			return dst, false
		}
		size += len(c)
	}
	dst, nsp, ok := appendEventHead(dst, nsp, name, len(args), size)
	if !ok {
		return dst, false
	}
	for _, a := range args {
		dst = append(dst, a.(Canonical)...)
	}
	return appendEventTail(dst, nsp), true
}

// AppendCanonicalEvent1 is AppendCanonicalEvent for one argument, arg, with nothing boxed
// into an interface: the snapshot path, where each player's packet is built once per tick.
func AppendCanonicalEvent1(dst []byte, nsp, name string, arg Canonical) ([]byte, bool) {
	if len(arg) == 0 {
		return dst, false
	}
	dst, nsp, ok := appendEventHead(dst, nsp, name, 1, len(arg))
	if !ok {
		return dst, false
	}
	return appendEventTail(append(dst, arg...), nsp), true
}

// appendEventHead checks name and nsp, makes room in dst for the whole packet (args bytes of
// arguments) and appends it up to the first of the n arguments; it returns the namespace as
// the packet names it.
func appendEventHead(dst []byte, nsp, name string, n, args int) ([]byte, string, bool) {
	if name == "" || IsReservedEvent(name) {
		return dst, nsp, false
	}
	nsp, err := checkNamespace(nsp)
	if err != nil {
		return dst, nsp, false
	}
	dst = slices.Grow(dst, 32+len(name)+len(nsp)+args)
	dst = append(dst, 0x83, 0xa4, 't', 'y', 'p', 'e', byte(Event), 0xa4, 'd', 'a', 't', 'a')
	dst = mpwire.AppendArrayHeader(dst, 1+n)
	return mpwire.AppendString(dst, name), nsp, true
}

// appendEventTail appends what follows an EVENT's arguments: its namespace.
func appendEventTail(dst []byte, nsp string) []byte {
	dst = append(dst, 0xa3, 'n', 's', 'p')
	return mpwire.AppendString(dst, nsp)
}
