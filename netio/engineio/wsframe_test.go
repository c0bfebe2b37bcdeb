package engineio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"testing"
)

// The frame rules of wsframe.go, without a connection: table tests, and a fuzz target that
// holds parseFrameHeader to an independent reading of RFC 6455 5.2 (refFrameHeader).

// headerCase is one parseFrameHeader input and its expected verdict.
type headerCase struct {
	name      string
	b         []byte
	inMessage bool
	room      uint64
	want      frameHeader
	n         int    // header length, or the length needed when short
	short     bool   // want errShortHeader
	code      int    // want a *frameError with this close code
	text      string // and this text
}

// key1234 is the masking key 1, 2, 3, 4 as frameHeader holds it.
const key1234 = 0x04030201

// headerCases covers each rule, each length form and each "need more bytes" point.
var headerCases = []headerCase{
	{name: "empty", b: nil, room: 1000, n: 2, short: true},
	{name: "one byte", b: []byte{0x81}, room: 1000, n: 2, short: true},
	{name: "7-bit length, key missing", b: []byte{0x81, 0x85, 1, 2, 3}, room: 1000, n: 6, short: true},
	{name: "7-bit length", b: []byte{0x81, 0x85, 1, 2, 3, 4}, room: 1000, want: frameHeader{fin: true, op: opText, size: 5, key: key1234}, n: 6},
	{name: "payload follows", b: []byte{0x82, 0x83, 1, 2, 3, 4, 9, 9, 9}, room: 1000, want: frameHeader{fin: true, op: opBinary, size: 3, key: key1234}, n: 6},
	{name: "not final", b: []byte{0x01, 0x80, 1, 2, 3, 4}, room: 1000, want: frameHeader{op: opText, key: key1234}, n: 6},
	{name: "16-bit length, short", b: []byte{0x82, 0xfe, 0x01}, room: 1000, n: 8, short: true},
	{name: "16-bit length", b: []byte{0x82, 0xfe, 0x01, 0x00, 1, 2, 3, 4}, room: 1000, want: frameHeader{fin: true, op: opBinary, size: 256, key: key1234}, n: 8},
	// A length in a longer form than it needs is taken as it is (the reader always did).
	{name: "16-bit form of a small length", b: []byte{0x82, 0xfe, 0, 5, 1, 2, 3, 4}, room: 1000, want: frameHeader{fin: true, op: opBinary, size: 5, key: key1234}, n: 8},
	{name: "64-bit length, short", b: []byte{0x82, 0xff, 0, 0, 0, 0, 0, 0, 1, 0x2c, 1, 2, 3}, room: 1000, n: 14, short: true},
	{name: "64-bit length", b: []byte{0x82, 0xff, 0, 0, 0, 0, 0, 0, 1, 0x2c, 1, 2, 3, 4}, room: 1000, want: frameHeader{fin: true, op: opBinary, size: 300, key: key1234}, n: 14},
	{name: "continuation", b: []byte{0x80, 0x81, 1, 2, 3, 4}, inMessage: true, room: 1000, want: frameHeader{fin: true, op: opContinuation, size: 1, key: key1234}, n: 6},
	{name: "ping inside a message", b: []byte{0x89, 0x80, 1, 2, 3, 4}, inMessage: true, room: 1000, want: frameHeader{fin: true, op: opPing, key: key1234}, n: 6},
	{name: "largest ping", b: []byte{0x89, 0x80 | 125, 1, 2, 3, 4}, room: 0, want: frameHeader{fin: true, op: opPing, size: 125, key: key1234}, n: 6},
	{name: "pong", b: []byte{0x8a, 0x80, 1, 2, 3, 4}, room: 1000, want: frameHeader{fin: true, op: opPong, key: key1234}, n: 6},
	{name: "close", b: []byte{0x88, 0x82, 1, 2, 3, 4}, room: 1000, want: frameHeader{fin: true, op: opClose, size: 2, key: key1234}, n: 6},
	{name: "exactly room", b: []byte{0x82, 0x80 | 10, 1, 2, 3, 4}, room: 10, want: frameHeader{fin: true, op: opBinary, size: 10, key: key1234}, n: 6},

	// Refused on the first two bytes, whatever follows.
	{name: "rsv1", b: []byte{0xc1, 0x80 | 127}, room: 1000, code: 1002, text: "reserved bits set"},
	{name: "rsv3", b: []byte{0x92, 0x81, 1, 2, 3, 4}, room: 1000, code: 1002, text: "reserved bits set"},
	{name: "unmasked", b: []byte{0x81, 0x02}, room: 1000, code: 1002, text: "unmasked client frame"},
	{name: "opcode 3", b: []byte{0x83, 0x80}, room: 1000, code: 1002, text: "unknown opcode 3"},
	{name: "opcode 11", b: []byte{0x8b, 0x80}, room: 1000, code: 1002, text: "unknown opcode 11"},
	{name: "opcode 15", b: []byte{0x8f, 0x80}, room: 1000, code: 1002, text: "unknown opcode 15"},
	{name: "lone continuation", b: []byte{0x80, 0x81}, room: 1000, code: 1002, text: "continuation frame without a message"},
	{name: "text inside a message", b: []byte{0x81, 0x81}, inMessage: true, room: 1000, code: 1002, text: "new message inside a fragmented one"},
	{name: "binary inside a message", b: []byte{0x02, 0x81}, inMessage: true, room: 1000, code: 1002, text: "new message inside a fragmented one"},
	{name: "fragmented ping", b: []byte{0x09, 0x80}, room: 1000, code: 1002, text: "fragmented control frame"},
	{name: "long ping", b: []byte{0x89, 0x80 | 126}, room: 1000, code: 1002, text: "control frame longer than 125 bytes"},
	{name: "long close", b: []byte{0x88, 0x80 | 127}, room: 1000, code: 1002, text: "control frame longer than 125 bytes"},

	// Refused once the length is in, before any payload.
	{name: "over room", b: []byte{0x82, 0x80 | 11, 1, 2, 3, 4}, room: 10, code: 1009, text: "message larger than MaxHTTPBufferSize"},
	{name: "continuation over room", b: []byte{0x80, 0xfe, 0x01, 0x00, 1, 2, 3, 4}, inMessage: true, room: 255, code: 1009, text: "message larger than MaxHTTPBufferSize"},
	{name: "huge announced", b: []byte{0x82, 0xff, 0, 0, 1, 0, 0, 0, 0, 0, 1, 2, 3, 4}, room: 1000, code: 1009, text: "message larger than MaxHTTPBufferSize"},
	{name: "64-bit top bit", b: []byte{0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4}, room: math.MaxUint64, code: 1009, text: "message larger than MaxHTTPBufferSize"},
	{name: "over room, key missing", b: []byte{0x82, 0x80 | 11, 1, 2, 3}, room: 10, n: 6, short: true},
}

func TestParseFrameHeader(t *testing.T) {
	for _, tc := range headerCases {
		h, n, err := parseFrameHeader(tc.b, tc.inMessage, tc.room)
		var fe *frameError
		switch {
		case tc.short:
			if err != errShortHeader || n != tc.n {
				t.Errorf("%s: got n=%d err=%v, want short of %d", tc.name, n, err, tc.n)
			}
		case tc.code != 0:
			if !errors.As(err, &fe) || fe.code != tc.code || fe.text != tc.text || n != 0 {
				t.Errorf("%s: got n=%d err=%v, want %d %q", tc.name, n, err, tc.code, tc.text)
			} else if !errors.Is(err, ErrProtocol) {
				t.Errorf("%s: %v is not ErrProtocol", tc.name, err)
			}
		case err != nil || n != tc.n || h != tc.want:
			t.Errorf("%s: got %+v n=%d err=%v, want %+v n=%d", tc.name, h, n, err, tc.want, tc.n)
		}
	}
}

func TestParseClose(t *testing.T) {
	withCode := func(code uint16, reason string) []byte {
		return append(binary.BigEndian.AppendUint16(nil, code), reason...)
	}
	cases := []struct {
		p      []byte
		code   int
		reason string
		err    string // the frame error's text; "" when accepted
	}{
		{nil, 1005, "", ""},
		{[]byte{3}, 0, "", "close frame of 1 byte"},
		{withCode(1000, "bye"), 1000, "bye", ""},
		{withCode(1001, ""), 1001, "", ""},
		{withCode(1003, ""), 1003, "", ""},
		{withCode(1007, "x"), 1007, "x", ""},
		{withCode(1014, ""), 1014, "", ""},
		{withCode(3000, ""), 3000, "", ""},
		{withCode(4999, "€"), 4999, "€", ""},
		{withCode(999, ""), 0, "", "invalid close code 999"},
		{withCode(1004, ""), 0, "", "invalid close code 1004"},
		{withCode(1005, ""), 0, "", "invalid close code 1005"},
		{withCode(1006, ""), 0, "", "invalid close code 1006"},
		{withCode(1015, ""), 0, "", "invalid close code 1015"},
		{withCode(2999, ""), 0, "", "invalid close code 2999"},
		{withCode(5000, ""), 0, "", "invalid close code 5000"},
		{withCode(1000, "\xff"), 0, "", "invalid UTF-8 in close reason"},
		{withCode(1000, "\xe2\x82"), 0, "", "invalid UTF-8 in close reason"},
	}
	for _, tc := range cases {
		code, reason, fe := parseClose(tc.p)
		switch {
		case tc.err != "":
			if fe == nil || fe.code != 1002 || fe.text != tc.err {
				t.Errorf("%x: got %d %q %v, want %q", tc.p, code, reason, fe, tc.err)
			}
		case fe != nil || code != tc.code || reason != tc.reason:
			t.Errorf("%x: got %d %q %v, want %d %q", tc.p, code, reason, fe, tc.code, tc.reason)
		}
	}
}

func TestMessageError(t *testing.T) {
	if fe := messageError(opText, []byte("4\xe2\x82")); fe == nil || fe.code != 1007 {
		t.Errorf("truncated UTF-8 text: %v", fe)
	}
	for _, ok := range []struct {
		op  byte
		msg string
	}{{opText, ""}, {opText, "4€"}, {opBinary, "\xff\xfe"}} {
		if fe := messageError(ok.op, []byte(ok.msg)); fe != nil {
			t.Errorf("%d %q: %v", ok.op, ok.msg, fe)
		}
	}
}

// TestUnmask checks the word-at-a-time unmasking against byte-by-byte XOR, for every length
// up to a few words, every starting key index, and the payload cut in two anywhere.
func TestUnmask(t *testing.T) {
	key := [4]byte{0x12, 0x34, 0x56, 0x78}
	k := binary.LittleEndian.Uint32(key[:])
	for size := 0; size <= 40; size++ {
		plain := make([]byte, size)
		for i := range plain {
			plain[i] = byte(i*31 + 7)
		}
		for start := 0; start < 4; start++ {
			masked := make([]byte, size)
			for i := range masked {
				masked[i] = plain[i] ^ key[(start+i)%4]
			}
			for cut := 0; cut <= size; cut++ {
				b := bytes.Clone(masked)
				pos := unmask(k, start, b[:cut])
				if pos != (start+cut)%4 {
					t.Fatalf("size %d start %d cut %d: pos %d", size, start, cut, pos)
				}
				if pos = unmask(k, pos, b[cut:]); pos != (start+size)%4 {
					t.Fatalf("size %d start %d: end pos %d", size, start, pos)
				}
				if !bytes.Equal(b, plain) {
					t.Fatalf("size %d start %d cut %d: %x, want %x", size, start, cut, b, plain)
				}
			}
		}
	}
}

// refFrameHeader is an independent reading of RFC 6455 5.2 for client frames, with the
// reader's limits (no extension, control payloads of 125 bytes, data frames within room):
// named fields and a list of refusals, where parseFrameHeader is a switch over the bytes.
// short means n bytes are needed; code is the close code of a refusal, 0 when accepted.
func refFrameHeader(b []byte, inMessage bool, room uint64) (h frameHeader, n int, short bool, code int) {
	if len(b) < 2 {
		return h, 2, true, 0
	}
	fin, rsv, op := b[0]>>7 == 1, b[0]>>4&7, b[0]&15
	masked, len7 := b[1]>>7 == 1, int(b[1]&127)
	control := op&8 != 0
	known := op <= opBinary || (op >= opClose && op <= opPong)
	if rsv != 0 || !masked || !known ||
		control && (!fin || len7 > 125) ||
		!control && (op == opContinuation) != inMessage {
		return h, 0, false, 1002
	}
	ext := 0
	if len7 == 126 {
		ext = 2
	} else if len7 == 127 {
		ext = 8
	}
	n = 2 + ext + 4
	if len(b) < n {
		return h, n, true, 0
	}
	size := uint64(len7)
	if ext > 0 {
		size = 0
		for _, c := range b[2 : 2+ext] {
			size = size<<8 | uint64(c)
		}
	}
	if !control && (size > math.MaxInt64 || size > room) {
		return h, 0, false, 1009
	}
	var k uint32
	for i, c := range b[2+ext : n] {
		k |= uint32(c) << (8 * i)
	}
	return frameHeader{fin: fin, op: op, size: size, key: k}, n, false, 0
}

// appendClientHeader encodes h in the length form of an n-byte header.
func appendClientHeader(dst []byte, h frameHeader, n int) []byte {
	b0 := h.op
	if h.fin {
		b0 |= 0x80
	}
	switch n {
	case 6:
		dst = append(dst, b0, 0x80|byte(h.size))
	case 8:
		dst = binary.BigEndian.AppendUint16(append(dst, b0, 0x80|126), uint16(h.size))
	default:
		dst = binary.BigEndian.AppendUint64(append(dst, b0, 0x80|127), h.size)
	}
	return binary.LittleEndian.AppendUint32(dst, h.key)
}

// verdict is parseFrameHeader's outcome in comparable form.
func verdict(b []byte, inMessage bool, room uint64) string {
	h, n, err := parseFrameHeader(b, inMessage, room)
	switch fe := err.(type) {
	case nil:
		return fmt.Sprintf("header %+v n=%d", h, n)
	case *frameError:
		return fmt.Sprintf("refused %d %q n=%d", fe.code, fe.text, n)
	}
	if err == errShortHeader {
		return fmt.Sprintf("short n=%d", n)
	}
	return "unexpected error " + err.Error()
}

// FuzzFrameHeader: parseFrameHeader never panics; its only errors are errShortHeader and
// frame errors; it agrees with refFrameHeader; a header it accepts re-encodes to the bytes it
// read; and a verdict on a prefix is "need more bytes" or the whole input's verdict, so the
// reader may ask again with more bytes and never sees a decision taken back.
func FuzzFrameHeader(f *testing.F) {
	for _, tc := range headerCases {
		f.Add(tc.b, tc.inMessage, tc.room)
	}
	f.Fuzz(func(t *testing.T, b []byte, inMessage bool, room uint64) {
		h, n, err := parseFrameHeader(b, inMessage, room)
		rh, rn, rshort, rcode := refFrameHeader(b, inMessage, room)
		var fe *frameError
		switch {
		case err == nil:
			if rshort || rcode != 0 || rh != h || rn != n {
				t.Fatalf("accepted %+v n=%d; reference: %+v n=%d short=%v code=%d", h, n, rh, rn, rshort, rcode)
			}
			if enc := appendClientHeader(nil, h, n); !bytes.Equal(enc, b[:n]) {
				t.Fatalf("%+v re-encodes to %x, read from %x", h, enc, b[:n])
			}
		case err == errShortHeader:
			if !rshort || rn != n || n <= len(b) {
				t.Fatalf("short, n=%d of %d bytes; reference: n=%d short=%v code=%d", n, len(b), rn, rshort, rcode)
			}
		case errors.As(err, &fe):
			if n != 0 || fe.code != rcode || !errors.Is(err, ErrProtocol) {
				t.Fatalf("refused %d %q n=%d; reference: short=%v code=%d", fe.code, fe.text, n, rshort, rcode)
			}
		default:
			t.Fatalf("unexpected error %v", err)
		}
		whole := verdict(b, inMessage, room)
		for k := range min(len(b), 15) {
			if v := verdict(b[:k], inMessage, room); v != whole {
				if _, pn, perr := parseFrameHeader(b[:k], inMessage, room); perr != errShortHeader || pn <= k {
					t.Fatalf("prefix of %d bytes: %s; whole: %s", k, v, whole)
				}
			}
		}
	})
}
