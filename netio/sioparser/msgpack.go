package sioparser

import (
	"math"

	"github.com/tickroom/tickroom/internal/mpwire"
)

// The socket.io-msgpack-parser wire format: each packet is one Engine.IO
// binary message holding one msgpack map
//
//	{"type": 0..4, "data": <value>?, "id": <uint>?, "nsp": "/..."}
//
// Clients add "options": {"compress": true} to EVENTs; unknown keys are
// ignored. There are no attachments and no BINARY_* types: binary values
// travel inline as bin (or notepack's ext type 0).

// EncodeMsgpack encodes p for socket.io-msgpack-parser; see AppendMsgpack.
func EncodeMsgpack(p *Packet) ([]byte, error) {
	return AppendMsgpack(make([]byte, 0, len(p.Data)+len(p.Namespace)+24), p)
}

// AppendMsgpack appends the msgpack encoding of p to dst: a map with keys
// type, data (when Data is not nil), id (when HasID; never nil) and nsp, in
// the order the Node server writes them. Data is validated for the packet
// type and written in canonical form. BinaryEvent and BinaryAck are written
// as Event and Ack. On error dst is returned unchanged.
func AppendMsgpack(dst []byte, p *Packet) ([]byte, error) {
	t := baseType(p.Type)
	if t > ConnectError {
		return dst, invalid("unknown packet type")
	}
	nsp, err := checkNamespace(p.Namespace)
	if err != nil {
		return dst, err
	}
	if err := validateData(t, p.Data); err != nil {
		return dst, err
	}
	n := 2
	if p.Data != nil {
		n++
	}
	if p.HasID {
		n++
	}
	start := len(dst)
	dst = append(dst, 0x80|byte(n), 0xa4, 't', 'y', 'p', 'e', byte(t))
	if p.Data != nil {
		dst = append(dst, 0xa4, 'd', 'a', 't', 'a')
		var end int
		dst, end, err = appendCanonical(dst, p.Data, 0, 0)
		if err == nil && end != len(p.Data) {
			err = invalid("msgpack: trailing bytes")
		}
		if err != nil {
			return dst[:start], err
		}
	}
	if p.HasID {
		dst = mpwire.AppendUint(append(dst, 0xa2, 'i', 'd'), p.ID)
	}
	dst = append(dst, 0xa3, 'n', 's', 'p')
	dst = mpwire.AppendString(dst, nsp)
	return dst, nil
}

// DecodeMsgpack decodes one socket.io-msgpack-parser packet. It accepts
// what the npm decoder accepts (any numeric encoding for type and id, data
// or id set to undefined meaning absent, unknown keys, duplicate keys with
// the last one winning) and rejects, beyond it, the cases the server
// refuses: reserved or missing event names, ACK without an array, negative
// ids, namespaces not starting with "/", ext types other than 0 and maps
// with non-string keys. Data is canonical and never aliases b.
func DecodeMsgpack(b []byte) (Packet, error) {
	var p Packet
	h, i, err := mpwire.ReadHead(b, 0)
	if err != nil {
		return p, wireErr(err)
	}
	if h.Kind != mpwire.Map {
		return p, invalid("msgpack packet is not a map")
	}
	var (
		haveType, haveNsp bool
		typ               PacketType
		nsp               []byte
		data              []byte // canonical, written while walking the frame
		haveData          bool
	)
	for k := 0; k < h.N; k++ {
		kh, j, err := mpwire.ReadHead(b, i)
		if err != nil {
			return p, wireErr(err)
		}
		var key []byte
		if kh.Kind == mpwire.Str {
			key = b[j : j+kh.N]
			j += kh.N
		} else if j, err = mpwire.Skip(b, i, MaxDepth-1); err != nil {
			return p, wireErr(err)
		}
		if string(key) == "data" {
			// Normalise in the same walk that checks the value.
			if isUndefined(b[j:min(j+3, len(b))]) {
				data, haveData, i = nil, false, j+3
				continue
			}
			if data == nil {
				data = make([]byte, 0, len(b)-j+8)
			}
			if data, i, err = appendCanonical(data[:0], b, j, 0); err != nil {
				return p, err
			}
			haveData = true
			continue
		}
		end, err := mpwire.Skip(b, j, MaxDepth-1)
		if err != nil {
			return p, wireErr(err)
		}
		val := b[j:end]
		i = end
		switch string(key) {
		case "type":
			v, ok := wholeNumber(val)
			if !ok || v < 0 || v > float64(ConnectError) {
				return p, invalid("invalid packet type")
			}
			typ, haveType = PacketType(v), true
		case "nsp":
			vh, vj, _ := mpwire.ReadHead(val, 0)
			if vh.Kind != mpwire.Str {
				return p, invalid("namespace is not a string")
			}
			nsp, haveNsp = val[vj:vj+vh.N], true
		case "id":
			if isUndefined(val) {
				p.HasID = false
				continue
			}
			id, ok := uintValue(val)
			if !ok {
				return p, invalid("invalid packet id")
			}
			p.ID, p.HasID = id, true
		}
	}
	if i != len(b) {
		return p, invalid("msgpack: trailing bytes")
	}
	if !haveType {
		return p, invalid("invalid packet type")
	}
	if !haveNsp {
		return p, invalid("namespace is not a string")
	}
	p.Type = typ
	if string(nsp) == "/" {
		p.Namespace = "/"
	} else {
		if validUTF8(nsp) {
			p.Namespace = string(nsp)
		} else {
			p.Namespace = string(appendFixedUTF8(nil, nsp))
		}
		if _, err := checkNamespace(p.Namespace); err != nil || p.Namespace == "" {
			return p, invalid("namespace does not start with /")
		}
	}
	if haveData {
		p.Data = data
	}
	if err := validateData(p.Type, p.Data); err != nil {
		return Packet{}, err
	}
	return p, nil
}

// isUndefined reports whether v is notepack's undefined (fixext1 type 0).
func isUndefined(v []byte) bool {
	return len(v) == 3 && v[0] == 0xd4 && v[1] == 0
}

// wholeNumber returns the value of a msgpack number that JavaScript's
// Number.isInteger accepts.
func wholeNumber(v []byte) (float64, bool) {
	h, _, err := mpwire.ReadHead(v, 0)
	if err != nil {
		return 0, false
	}
	switch h.Kind {
	case mpwire.Uint:
		return float64(h.Uint()), true
	case mpwire.Int:
		return float64(h.Int()), true
	case mpwire.Float:
		return h.Float(), h.Float() == math.Trunc(h.Float()) && !math.IsInf(h.Float(), 0)
	}
	return 0, false
}

// uintValue returns a non-negative integer id of any numeric encoding.
func uintValue(v []byte) (uint64, bool) {
	h, _, err := mpwire.ReadHead(v, 0)
	if err != nil {
		return 0, false
	}
	switch h.Kind {
	case mpwire.Uint:
		return h.Uint(), true
	case mpwire.Float:
		if h.Float() >= 0 && h.Float() < two64 && h.Float() == math.Trunc(h.Float()) {
			return uint64(h.Float()), true
		}
	}
	return 0, false
}
