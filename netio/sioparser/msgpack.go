package sioparser

import "math"

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
		dst = appendUint(append(dst, 0xa2, 'i', 'd'), p.ID)
	}
	dst = append(dst, 0xa3, 'n', 's', 'p')
	dst = append(appendStrHeader(dst, len(nsp)), nsp...)
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
	h, i, err := readHead(b, 0)
	if err != nil {
		return p, err
	}
	if h.kind != kMap {
		return p, invalid("msgpack packet is not a map")
	}
	var (
		haveType, haveNsp bool
		typ               PacketType
		nsp               []byte
		data              []byte // canonical, written while walking the frame
		haveData          bool
	)
	for k := 0; k < h.n; k++ {
		kh, j, err := readHead(b, i)
		if err != nil {
			return p, err
		}
		var key []byte
		if kh.kind == kStr {
			key = b[j : j+kh.n]
			j += kh.n
		} else if j, err = skipRest(b, kh, j); err != nil {
			return p, err
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
		end, err := skipValue(b, j, 1)
		if err != nil {
			return p, err
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
			vh, vj, _ := readHead(val, 0)
			if vh.kind != kStr {
				return p, invalid("namespace is not a string")
			}
			nsp, haveNsp = val[vj:vj+vh.n], true
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

// skipRest skips the payload or elements of a value whose header h ended at i.
func skipRest(b []byte, h head, i int) (int, error) {
	switch h.kind {
	case kStr, kBin, kExt:
		return i + h.n, nil
	case kArray, kMap:
		n := h.n
		if h.kind == kMap {
			n *= 2
		}
		var err error
		for ; n > 0; n-- {
			if i, err = skipValue(b, i, 2); err != nil {
				return i, err
			}
		}
	}
	return i, nil
}

// isUndefined reports whether v is notepack's undefined (fixext1 type 0).
func isUndefined(v []byte) bool {
	return len(v) == 3 && v[0] == 0xd4 && v[1] == 0
}

// wholeNumber returns the value of a msgpack number that JavaScript's
// Number.isInteger accepts.
func wholeNumber(v []byte) (float64, bool) {
	h, _, err := readHead(v, 0)
	if err != nil {
		return 0, false
	}
	switch h.kind {
	case kUint:
		return float64(h.uint()), true
	case kInt:
		return float64(h.int()), true
	case kFloat:
		return h.float(), h.float() == math.Trunc(h.float()) && !math.IsInf(h.float(), 0)
	}
	return 0, false
}

// uintValue returns a non-negative integer id of any numeric encoding.
func uintValue(v []byte) (uint64, bool) {
	h, _, err := readHead(v, 0)
	if err != nil {
		return 0, false
	}
	switch h.kind {
	case kUint:
		return h.uint(), true
	case kFloat:
		if h.float() >= 0 && h.float() < two64 && h.float() == math.Trunc(h.float()) {
			return uint64(h.float()), true
		}
	}
	return 0, false
}
