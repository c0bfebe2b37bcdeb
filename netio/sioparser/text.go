package sioparser

import (
	"strconv"
	"strings"
	"unsafe"
)

// The default socket.io-parser wire format: one text message
//
//	<type>[<attachments>-][<nsp>,][<id>][<JSON data>]
//
// where the namespace is left out when it is "/", followed, for
// BINARY_EVENT (5) and BINARY_ACK (6), by <attachments> binary messages
// that replace the {"_placeholder":true,"num":i} objects of the JSON.

// DefaultMaxAttachments is socket.io-parser's default limit on the
// attachments of one binary packet.
const DefaultMaxAttachments = 10

// EncodeText encodes p for the default text parser. It returns the text
// message and, when Data holds bin values (only allowed in EVENT and ACK),
// the binary messages to send after it, in which case the packet goes out
// as BINARY_EVENT or BINARY_ACK. Attachments alias p.Data.
func EncodeText(p *Packet) (text string, attachments [][]byte, err error) {
	t := baseType(p.Type)
	if t > ConnectError {
		return "", nil, invalid("unknown packet type")
	}
	nsp, err := checkNamespace(p.Namespace)
	if err != nil {
		return "", nil, err
	}
	if strings.IndexByte(nsp, ',') >= 0 {
		return "", nil, invalid("namespace contains a comma")
	}
	if err := validateData(t, p.Data); err != nil {
		return "", nil, err
	}
	buf := make([]byte, 0, 24+len(nsp)+2*len(p.Data))
	buf = append(buf, '0'+byte(t))
	if nsp != "/" {
		buf = append(append(buf, nsp...), ',')
	}
	if p.HasID {
		buf = strconv.AppendUint(buf, p.ID, 10)
	}
	if p.Data != nil {
		var atts *[][]byte
		if t == Event || t == Ack {
			atts = &attachments
		}
		var end int
		buf, end, err = appendJSON(buf, p.Data, 0, 0, atts)
		if err == nil && end != len(p.Data) {
			err = invalid("msgpack: trailing bytes")
		}
		if err != nil {
			return "", nil, err
		}
	}
	if len(attachments) > 0 {
		// The count goes right after the type digit; shift the rest.
		var num [24]byte
		n := append(strconv.AppendInt(num[:0], int64(len(attachments)), 10), '-')
		buf = append(buf, n...)
		copy(buf[1+len(n):], buf[1:len(buf)-len(n)])
		copy(buf[1:], n)
		buf[0] += byte(BinaryEvent - Event)
	}
	return unsafe.String(unsafe.SliceData(buf), len(buf)), attachments, nil
}

// TextDecoder decodes the default parser's messages of one connection: a
// binary packet is a text message followed by its attachments, so the
// decoder keeps state between calls and is not safe for concurrent use. The
// zero value is ready. After an error the decoder is reset and can go on,
// although a server closes the connection on a parse error.
type TextDecoder struct {
	// MaxAttachments bounds the attachments of one packet; 0 means
	// DefaultMaxAttachments.
	MaxAttachments int

	pending bool   // a binary packet waits for attachments
	pkt     Packet // its header fields
	json    string // its JSON data, placeholders included
	want    int    // attachments announced
	bins    []byte // attachments received so far, back to back
	ends    []int  // end offsets of each attachment in bins
	atts    [][]byte
	conv    jsonConv
}

// AddText decodes a text message. done is false when the message starts a
// binary packet whose attachments must follow via AddBinary.
func (d *TextDecoder) AddText(s string) (pkt Packet, done bool, err error) {
	if d.pending {
		d.reset()
		return pkt, false, invalid("got plaintext data when reconstructing a packet")
	}
	hdr, rest, natt, err := d.parseHeader(s)
	if err != nil {
		return pkt, false, err
	}
	if natt == 0 {
		if rest != "" {
			hdr.Data, err = d.conv.convert(unsafeBytes(rest), nil)
			if err != nil {
				return Packet{}, false, err
			}
		}
		if err := validateData(hdr.Type, hdr.Data); err != nil {
			return Packet{}, false, err
		}
		return hdr, true, nil
	}
	// Binary packet: check the JSON and its shape now, as socket.io-parser
	// does, and rebuild it once every attachment has arrived.
	if rest == "" {
		return Packet{}, false, invalid(hdr.Type.String() + " packet without data")
	}
	if err := d.conv.scan(unsafeBytes(rest), natt); err != nil {
		d.conv.reset()
		return Packet{}, false, err
	}
	err = d.checkShape(hdr.Type, rest)
	d.conv.reset()
	if err != nil {
		return Packet{}, false, err
	}
	d.pending, d.pkt, d.json, d.want = true, hdr, strings.Clone(rest), natt
	return Packet{}, false, nil
}

// AddBinary adds an attachment to the binary packet being received. b is
// copied. done is true, with the packet, when it was the last one.
func (d *TextDecoder) AddBinary(b []byte) (pkt Packet, done bool, err error) {
	if !d.pending {
		return pkt, false, invalid("got binary data when not reconstructing a packet")
	}
	d.bins = append(d.bins, b...)
	d.ends = append(d.ends, len(d.bins))
	if len(d.ends) < d.want {
		return pkt, false, nil
	}
	d.atts = d.atts[:0]
	start := 0
	for _, end := range d.ends {
		d.atts = append(d.atts, d.bins[start:end:end])
		start = end
	}
	pkt = d.pkt
	pkt.Data, err = d.conv.convert(unsafeBytes(d.json), d.atts)
	d.reset()
	if err != nil {
		return Packet{}, false, err
	}
	return pkt, true, nil
}

// Reset drops a partly received binary packet.
func (d *TextDecoder) Reset() { d.reset() }

func (d *TextDecoder) reset() {
	d.pending, d.pkt, d.json, d.want = false, Packet{}, "", 0
	if cap(d.bins) > 64<<10 {
		d.bins = nil
	}
	d.bins, d.ends = d.bins[:0], d.ends[:0]
	clear(d.atts)
	d.atts = d.atts[:0]
}

// parseHeader reads everything before the JSON data. It accepts the same
// strings as socket.io-parser's decodeString, except that it refuses the
// oddities that JavaScript's Number() lets through there (whitespace read as
// 0, "1e1" as 10) and ack ids beyond uint64.
func (d *TextDecoder) parseHeader(s string) (p Packet, rest string, natt int, err error) {
	if s == "" || s[0] < '0' || s[0] > '6' {
		return p, "", 0, invalid("unknown packet type")
	}
	p.Type = PacketType(s[0] - '0')
	i := 1
	if p.Type == BinaryEvent || p.Type == BinaryAck {
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		if j == i || j >= len(s) || s[j] != '-' || j-i > 9 {
			return p, "", 0, invalid("illegal attachments")
		}
		natt, _ = strconv.Atoi(s[i:j])
		maxAtt := d.MaxAttachments
		if maxAtt <= 0 {
			maxAtt = DefaultMaxAttachments
		}
		if natt < 1 {
			return p, "", 0, invalid("illegal attachments")
		}
		if natt > maxAtt {
			return p, "", 0, invalid("too many attachments")
		}
		i = j + 1
		p.Type = baseType(p.Type)
	}
	p.Namespace = "/"
	if i < len(s) && s[i] == '/' {
		j := strings.IndexByte(s[i:], ',')
		if j < 0 {
			p.Namespace, i = s[i:], len(s)
		} else {
			p.Namespace, i = s[i:i+j], i+j+1
		}
		if p.Namespace != "/" {
			// Copy: a namespace outlives the message it came in.
			if nb := unsafeBytes(p.Namespace); validUTF8(nb) {
				p.Namespace = strings.Clone(p.Namespace)
			} else {
				p.Namespace = string(appendFixedUTF8(nil, nb))
			}
		}
	}
	if i < len(s) && isDigit(s[i]) {
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		p.ID, err = strconv.ParseUint(s[i:j], 10, 64)
		if err != nil {
			return p, "", 0, invalid("invalid packet id")
		}
		p.HasID, i = true, j
	}
	if i < len(s) && skipWS(unsafeBytes(s), i) != i {
		// JavaScript's Number() reads whitespace here as (part of) an ack
		// id; refuse rather than guess.
		return p, "", 0, invalid("whitespace before packet data")
	}
	return p, s[i:], natt, nil
}

// checkShape applies validateData's rules to the JSON of a binary packet
// (EVENT or ACK) before its attachments arrive.
func (d *TextDecoder) checkShape(t PacketType, js string) error {
	s := unsafeBytes(js)
	i := skipWS(s, 0)
	if s[i] != '[' {
		return invalid(t.String() + " data is not an array")
	}
	if t == Ack {
		return nil
	}
	i = skipWS(s, i+1)
	if s[i] != '"' {
		return invalid("event name is not a string")
	}
	end, _ := scanString(s, i)
	d.conv.scratch = appendJSONUnquoted(d.conv.scratch[:0], s[i+1:end-1])
	if isReservedBytes(d.conv.scratch) {
		return invalid("reserved event name")
	}
	return nil
}
