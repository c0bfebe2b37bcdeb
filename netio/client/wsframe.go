package client

import (
	"encoding/binary"
	"errors"
	"strconv"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// The rules of server frames as the client reads them (RFC 6455 section 5.2), pure functions
// over bytes: the reader (wsread.go) feeds them what it has buffered. They take what gorilla's
// client reader takes and refuse what it refuses, so that reading frames here instead of
// through gorilla changes nothing a server sees (FuzzServerFrames compares the two).
//
//	byte 0   FIN(1) RSV1-3(3, must be 0: no extension is negotiated) opcode(4)
//	byte 1   MASK(1, must be 0 from a server) length(7)
//	         length 0-125 is the payload size; 126: a 16-bit size follows; 127: a 64-bit
//	         size follows (most significant bit 0)
//
//	opcode   0 continuation, 1 text, 2 binary, 8 close, 9 ping, 10 pong; others are a
//	         protocol error
//
// Control frames (close, ping, pong) carry at most 125 bytes, are never fragmented and may
// come between the fragments of a message. A close payload of two or more bytes starts with
// a code a peer may send and goes on with a UTF-8 reason.

// serverFrame is a server frame header that parseServerFrame accepted.
type serverFrame struct {
	fin  bool
	op   byte
	size int // payload length; for a control frame at most 125
}

func (h *serverFrame) isControl() bool { return h.op >= websocket.CloseMessage }

// errShortFrame is parseServerFrame's "need more bytes": what is buffered is a valid start of
// a header. It never leaves the reader.
var errShortFrame = errors.New("client: websocket frame header incomplete")

// wsProtocolError is a frame a server must not send; the connection ends as a transport
// error, after a close frame with code 1002 (as gorilla's reader ends it).
type wsProtocolError struct{ text string }

func (e *wsProtocolError) Error() string { return "client: websocket: " + e.text }

// errFrameTooLarge is a 64-bit length with its top bit set (gorilla's read limit error).
var errFrameTooLarge = errors.New("client: websocket: frame length overflows")

// parseServerFrame parses the frame header at the start of b; inMessage says a fragmented
// message is in progress. It returns the header and its length n (2, 4 or 10 bytes); or
// errShortFrame with n the header's length as far as b tells it; or a *wsProtocolError or
// errFrameTooLarge.
func parseServerFrame(b []byte, inMessage bool) (serverFrame, int, error) {
	if len(b) < 2 {
		return serverFrame{}, 2, errShortFrame
	}
	b0, b1 := b[0], b[1]
	h := serverFrame{fin: b0&0x80 != 0, op: b0 & 0x0f}
	size7 := int(b1 & 0x7f)
	switch {
	case b0&0x70 != 0:
		return serverFrame{}, 0, &wsProtocolError{"reserved bits set"}
	case b1&0x80 != 0:
		return serverFrame{}, 0, &wsProtocolError{"masked server frame"}
	}
	switch h.op {
	case websocket.CloseMessage, websocket.PingMessage, websocket.PongMessage:
		if size7 > 125 || !h.fin {
			return serverFrame{}, 0, &wsProtocolError{"control frame fragmented or longer than 125 bytes"}
		}
	case websocket.TextMessage, websocket.BinaryMessage:
		if inMessage {
			return serverFrame{}, 0, &wsProtocolError{"new message inside a fragmented one"}
		}
	case 0: // continuation
		if !inMessage {
			return serverFrame{}, 0, &wsProtocolError{"continuation frame without a message"}
		}
	default:
		return serverFrame{}, 0, &wsProtocolError{"unknown opcode " + strconv.Itoa(int(h.op))}
	}
	n := 2
	switch size7 {
	case 126:
		n = 4
	case 127:
		n = 10
	}
	if len(b) < n {
		return serverFrame{}, n, errShortFrame
	}
	switch size7 {
	case 126:
		h.size = int(binary.BigEndian.Uint16(b[2:]))
	case 127:
		v := binary.BigEndian.Uint64(b[2:])
		if v>>63 != 0 || v > uint64(maxInt) {
			return serverFrame{}, 0, errFrameTooLarge
		}
		h.size = int(v)
	default:
		h.size = size7
	}
	return h, n, nil
}

const maxInt = int(^uint(0) >> 1)

// closeCode reads a close frame's payload: the code the answering close frame echoes, or a
// protocol error. An empty or 1-byte payload is code 1005, no status (gorilla's reading).
func closeCode(p []byte) (int, error) {
	if len(p) < 2 {
		return websocket.CloseNoStatusReceived, nil
	}
	code := int(binary.BigEndian.Uint16(p))
	switch {
	case code < 1000 || code > 1003 && code < 1007 || code > 1013 && code < 3000 || code > 4999:
		return 0, &wsProtocolError{"bad close code " + strconv.Itoa(code)}
	case !utf8.Valid(p[2:]):
		return 0, &wsProtocolError{"invalid UTF-8 in close frame"}
	}
	return code, nil
}
