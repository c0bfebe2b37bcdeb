package engineio

import (
	"bytes"
	"encoding/base64"
	"fmt"
)

// Engine.IO v4 wire format, shared by the server here and the Go client.
//
//	packet    = type-digit data        text form, e.g. "4hello", "2", "3probe"
//	          | "b" base64(bytes)      binary message inside a polling payload
//	payload   = packet *( 0x1e packet ) HTTP long-polling body (GET answer, POST body)
//
//	digit  type     direction   meaning
//	  0    open     s -> c      handshake JSON {sid, upgrades, pingInterval, pingTimeout, maxPayload}
//	  1    close    both        end of session (polling); websocket uses its close frame
//	  2    ping     s -> c      heartbeat; "2probe" c -> s during an upgrade
//	  3    pong     c -> s      heartbeat answer; "3probe" s -> c during an upgrade
//	  4    message  both        application data
//	  5    upgrade  c -> s      completes the switch from polling to websocket
//	  6    noop     s -> c      ends a pending poll without data
//
// Over WebSocket each packet is one frame: a text frame carries the text form, and a binary
// frame is a binary message with no type prefix.

// PacketType is the Engine.IO packet type.
type PacketType uint8

// Engine.IO packet types, numbered as on the wire.
const (
	PacketOpen PacketType = iota
	PacketClose
	PacketPing
	PacketPong
	PacketMessage
	PacketUpgrade
	PacketNoop
)

var packetTypeNames = [...]string{"open", "close", "ping", "pong", "message", "upgrade", "noop"}

// String returns the name the reference implementation uses for the type.
func (t PacketType) String() string {
	if int(t) < len(packetTypeNames) {
		return packetTypeNames[t]
	}
	return fmt.Sprintf("PacketType(%d)", t)
}

// Packet is one decoded Engine.IO packet. Binary is meaningful only for PacketMessage.
// Data aliases the decoded input for text packets; binary data from a polling payload is a
// fresh slice.
type Packet struct {
	Type   PacketType
	Binary bool
	Data   []byte
}

// PayloadSeparator joins packets in a polling payload (ASCII record separator).
const PayloadSeparator = 0x1e

// DecodePacket decodes the text form of one packet: a type digit followed by data, or "b"
// followed by base64 for a binary message. A WebSocket binary frame is not passed here: it is
// a binary PacketMessage as is.
func DecodePacket(b []byte) (Packet, error) {
	if len(b) == 0 {
		return Packet{}, fmt.Errorf("%w: empty packet", ErrInvalidPacket)
	}
	c := b[0]
	if c == 'b' {
		data, err := decodeBase64(b[1:])
		if err != nil {
			return Packet{}, fmt.Errorf("%w: bad base64: %v", ErrInvalidPacket, err)
		}
		return Packet{Type: PacketMessage, Binary: true, Data: data}, nil
	}
	if c < '0' || c > '6' {
		return Packet{}, fmt.Errorf("%w: unknown type %q", ErrInvalidPacket, c)
	}
	p := Packet{Type: PacketType(c - '0')}
	if len(b) > 1 {
		p.Data = b[1:]
	}
	return p, nil
}

// decodeBase64 accepts padded and unpadded standard base64, as Node's Buffer.from does.
func decodeBase64(src []byte) ([]byte, error) {
	enc := base64.StdEncoding
	if len(src)%4 != 0 {
		enc = base64.RawStdEncoding
	}
	dst := make([]byte, enc.DecodedLen(len(src)))
	n, err := enc.Decode(dst, src)
	if err != nil {
		return nil, err
	}
	return dst[:n], nil
}

// AppendPacket appends the text form of p to dst: the type digit and data, or for a binary
// message "b" and base64 (the polling form). p.Data is only read.
func AppendPacket(dst []byte, p Packet) []byte {
	if p.Binary {
		dst = append(dst, 'b')
		return base64.StdEncoding.AppendEncode(dst, p.Data)
	}
	dst = append(dst, '0'+byte(p.Type))
	return append(dst, p.Data...)
}

// DecodePayload decodes a polling payload and appends its packets to dst. On error it returns
// the packets decoded before the bad one, as the reference parser delivers them before failing.
func DecodePayload(dst []Packet, payload []byte) ([]Packet, error) {
	for i := 0; ; i++ {
		end := bytes.IndexByte(payload, PayloadSeparator)
		chunk := payload
		if end >= 0 {
			chunk = payload[:end]
		}
		p, err := DecodePacket(chunk)
		if err != nil {
			return dst, fmt.Errorf("packet %d: %w", i, err)
		}
		dst = append(dst, p)
		if end < 0 {
			return dst, nil
		}
		payload = payload[end+1:]
	}
}

// AppendPayload appends the polling payload of packets to dst.
func AppendPayload(dst []byte, packets []Packet) []byte {
	for i, p := range packets {
		if i > 0 {
			dst = append(dst, PayloadSeparator)
		}
		dst = AppendPacket(dst, p)
	}
	return dst
}
