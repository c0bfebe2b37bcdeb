package engineio

import (
	"encoding/binary"
	"errors"
	"math/bits"
	"strconv"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// The rules of client frames, as pure functions over bytes: the reader (wsread.go) feeds them
// what it has buffered and acts on their verdict; they never read, write or keep state.
//
// Client frames (RFC 6455 section 5.2):
//
//	byte 0   FIN(1) RSV1-3(3, must be 0: no extension is negotiated) opcode(4)
//	byte 1   MASK(1, must be 1 from a client) length(7)
//	         length 0-125 is the payload size; 126: a 16-bit size follows; 127: a 64-bit
//	         size follows (most significant bit 0)
//	4 bytes  masking key; the payload is XORed with it, byte i with key[i%4]
//
//	opcode   0 continuation, 1 text (UTF-8), 2 binary, 8 close, 9 ping, 10 pong; others
//	         are a protocol error
//
// A message is a text or binary frame followed, while FIN is 0, by continuation frames.
// Control frames (close, ping, pong) carry at most 125 bytes, are never fragmented and may
// come between the fragments of a message. A close payload is empty or a 2-byte code and a
// UTF-8 reason.

// WebSocket opcodes.
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xa
)

// maxControlPayload is RFC 6455's limit for close, ping and pong payloads.
const maxControlPayload = 125

// frameHeader is a client frame header that parseFrameHeader accepted. A client always
// masks, so there is always a key.
type frameHeader struct {
	fin  bool
	op   byte
	size uint64 // payload length: at most 125 for a control frame, below 1<<63 for any
	key  uint32 // masking key, its first byte in the low 8 bits
}

// isControl reports a close, ping or pong frame.
func (h *frameHeader) isControl() bool { return h.op >= opClose }

// errShortHeader is parseFrameHeader's "need more bytes": the bytes given are a valid start
// of a header, not a whole one. It never reaches a session.
var errShortHeader = errors.New("engineio: websocket: frame header incomplete")

// parseFrameHeader parses the client frame header at the start of b. inMessage says a
// fragmented message is in progress (continuation frames are expected, a new text or binary
// frame is not); room is the most payload a data frame may still add to that message
// (MaxHTTPBufferSize less what the message holds).
//
// It returns the header and its length n (6, 8 or 14 bytes); or errShortHeader, with n the
// header's whole length as far as b tells it (2 until the length byte is in); or a
// *frameError for a header a client must not send, with n 0. Each rule is applied as soon
// as the bytes it concerns are in: a bad first two bytes are refused before the rest of the
// header arrives, and a size over room before any of the payload.
func parseFrameHeader(b []byte, inMessage bool, room uint64) (frameHeader, int, error) {
	if len(b) < 2 {
		return frameHeader{}, 2, errShortHeader
	}
	b0, b1 := b[0], b[1]
	h := frameHeader{fin: b0&0x80 != 0, op: b0 & 0x0f}
	size7 := b1 & 0x7f
	switch {
	case b0&0x70 != 0:
		return frameHeader{}, 0, protocolError("reserved bits set")
	case b1&0x80 == 0:
		return frameHeader{}, 0, protocolError("unmasked client frame")
	}
	switch h.op {
	case opContinuation:
		if !inMessage {
			return frameHeader{}, 0, protocolError("continuation frame without a message")
		}
	case opText, opBinary:
		if inMessage {
			return frameHeader{}, 0, protocolError("new message inside a fragmented one")
		}
	case opClose, opPing, opPong:
		if !h.fin {
			return frameHeader{}, 0, protocolError("fragmented control frame")
		}
		if size7 > maxControlPayload {
			return frameHeader{}, 0, protocolError("control frame longer than 125 bytes")
		}
	default:
		return frameHeader{}, 0, protocolError("unknown opcode " + strconv.Itoa(int(h.op)))
	}
	n := 6
	switch size7 {
	case 126:
		n = 8
	case 127:
		n = 14
	}
	if len(b) < n {
		return frameHeader{}, n, errShortHeader
	}
	switch size7 {
	case 126:
		h.size = uint64(binary.BigEndian.Uint16(b[2:]))
	case 127:
		h.size = binary.BigEndian.Uint64(b[2:])
	default:
		h.size = uint64(size7)
	}
	h.key = binary.LittleEndian.Uint32(b[n-4:])
	// A 64-bit size with the top bit set breaks the 63-bit rule; it is refused as too big, as
	// anything past MaxHTTPBufferSize is, without waiting for a payload that never fits.
	if !h.isControl() && (h.size>>63 != 0 || h.size > room) {
		return frameHeader{}, 0, &frameError{code: websocket.CloseMessageTooBig, text: "message larger than MaxHTTPBufferSize"}
	}
	return h, n, nil
}

// messageError checks a whole message (opcode op, unmasked payload msg): a text message
// must be UTF-8. Only the whole message is checked: a character may span fragments.
func messageError(op byte, msg []byte) *frameError {
	if op == opText && !utf8.Valid(msg) {
		return &frameError{code: websocket.CloseInvalidFramePayloadData, text: "invalid UTF-8 in text message"}
	}
	return nil
}

// parseClose reads the unmasked payload of a close frame: empty is code 1005 (no status
// received, never on the wire); else a 2-byte code a peer may send and a UTF-8 reason.
func parseClose(p []byte) (code int, reason string, err *frameError) {
	switch {
	case len(p) == 0:
		return websocket.CloseNoStatusReceived, "", nil
	case len(p) == 1:
		return 0, "", protocolError("close frame of 1 byte")
	}
	code = int(binary.BigEndian.Uint16(p))
	if !validCloseCode(code) {
		return 0, "", protocolError("invalid close code " + strconv.Itoa(code))
	}
	if !utf8.Valid(p[2:]) {
		return 0, "", protocolError("invalid UTF-8 in close reason")
	}
	return code, string(p[2:]), nil
}

// validCloseCode reports codes a peer may send (RFC 6455 7.4 and the IANA registry);
// 1004-1006 and 1015 are never sent on the wire.
func validCloseCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014:
		return true
	default:
		return code >= 3000 && code <= 4999
	}
}

// unmask XORs b with the masking key (first byte in the low 8 bits), starting at key index
// pos, and returns the next index.
func unmask(key uint32, pos int, b []byte) int {
	k := bits.RotateLeft32(key, -8*(pos&3)) // the key from index pos on, in the low byte first
	if len(b) >= 8 {
		kw := uint64(k) | uint64(k)<<32
		for len(b) >= 8 {
			binary.LittleEndian.PutUint64(b, binary.LittleEndian.Uint64(b)^kw)
			b = b[8:]
		}
	}
	for i := range b {
		b[i] ^= byte(k)
		k = bits.RotateLeft32(k, -8)
	}
	return (pos + len(b)) & 3 // whole words left the index as it was
}

// frameError is a frame the peer must not send; the session closes as "transport error".
type frameError struct {
	code int // close code sent to the peer
	text string
}

func (e *frameError) Error() string { return "engineio: websocket: " + e.text }

// Unwrap makes a frame error an ErrProtocol.
func (e *frameError) Unwrap() error { return ErrProtocol }

// protocolError is a frame error with close code 1002.
func protocolError(text string) *frameError {
	return &frameError{code: websocket.CloseProtocolError, text: text}
}
