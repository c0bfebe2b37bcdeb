package client

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// bytesConn is a net.Conn whose reads are from r and whose writes are kept; its deadlines are
// ignored. It has no descriptor, so a frameReader on it reads with blocking reads.
type bytesConn struct {
	r       io.Reader
	written bytes.Buffer
}

func (c *bytesConn) Read(b []byte) (int, error)       { return c.r.Read(b) }
func (c *bytesConn) Write(b []byte) (int, error)      { return c.written.Write(b) }
func (c *bytesConn) Close() error                     { return nil }
func (c *bytesConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (c *bytesConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (c *bytesConn) SetDeadline(time.Time) error      { return nil }
func (c *bytesConn) SetReadDeadline(time.Time) error  { return nil }
func (c *bytesConn) SetWriteDeadline(time.Time) error { return nil }

// gorillaServerConn answers gorilla's handshake with a 101 and then serves stream.
type gorillaServerConn struct {
	bytesConn
	stream []byte
}

func (c *gorillaServerConn) Read(b []byte) (int, error) {
	if c.r == nil {
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(c.written.Bytes())))
		if err != nil {
			return 0, err
		}
		sum := sha1.Sum([]byte(req.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
		resp := fmt.Appendf(nil, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
			base64.StdEncoding.EncodeToString(sum[:]))
		c.r = io.MultiReader(bytes.NewReader(resp), bytes.NewReader(c.stream))
	}
	return c.r.Read(b)
}

// frameEvents is what a reader made of a stream: each frame handed on (messages, pings and
// pongs, as "op:payload"), then how it ended: "close <code>", "end" (the bytes ran out) or
// "protocol" (a frame a server must not send).
type frameEvents []string

// ownReading reads stream with frameReader, as wsTransport.onFrame takes the frames; buf is
// the largest its buffer grew.
func ownReading(stream []byte) (ev frameEvents, buf int) {
	fr := newFrameReader(&bytesConn{r: bytes.NewReader(stream)}, nil, 16)
	errClosed := errors.New("closed")
	err := fr.run(func(op byte, p []byte) error {
		buf = max(buf, len(fr.buf))
		if op == websocket.CloseMessage {
			code, err := closeCode(p)
			if err != nil {
				return err
			}
			ev = append(ev, fmt.Sprintf("close %d", code))
			return errClosed
		}
		ev = append(ev, fmt.Sprintf("%d:%x", op, p))
		return nil
	})
	var pe *wsProtocolError
	switch {
	case err == errClosed:
	case errors.Is(err, io.EOF):
		ev = append(ev, "end")
	case errors.As(err, &pe) || errors.Is(err, errFrameTooLarge):
		ev = append(ev, "protocol")
	default:
		ev = append(ev, "error "+err.Error())
	}
	return ev, max(buf, len(fr.buf))
}

// gorillaReading reads stream with gorilla's client reader, as the transport used it.
func gorillaReading(t *testing.T, stream []byte) frameEvents {
	d := websocket.Dialer{NetDialContext: func(context.Context, string, string) (net.Conn, error) {
		return &gorillaServerConn{stream: stream}, nil
	}}
	ws, _, err := d.Dial("ws://fuzz/", nil)
	if err != nil {
		t.Fatalf("gorilla's handshake: %v", err)
	}
	var ev frameEvents
	ws.SetPingHandler(func(p string) error { ev = append(ev, fmt.Sprintf("%d:%x", websocket.PingMessage, p)); return nil })
	ws.SetPongHandler(func(p string) error { ev = append(ev, fmt.Sprintf("%d:%x", websocket.PongMessage, p)); return nil })
	ws.SetCloseHandler(func(code int, _ string) error { return nil })
	for {
		mt, p, err := ws.ReadMessage()
		var ce *websocket.CloseError
		switch {
		case err == nil:
			ev = append(ev, fmt.Sprintf("%d:%x", mt, p))
			continue
		case errors.As(err, &ce) && ce.Code == websocket.CloseAbnormalClosure:
			ev = append(ev, "end") // gorilla's name for bytes that ran out
		case errors.As(err, &ce):
			ev = append(ev, fmt.Sprintf("close %d", ce.Code))
		default:
			ev = append(ev, "protocol")
		}
		return ev
	}
}

// FuzzServerFrames: the frame reader takes from any byte stream the frames gorilla's client
// reader took, in the same order, and ends the same way (the server's close code, the bytes
// running out, or a protocol error), so that reading frames itself changed nothing a server
// sees. It never panics, and never allocates by a frame's announced size.
func FuzzServerFrames(f *testing.F) {
	stream, _ := frameStream(10) // 160 bytes: a 16-bit length
	f.Add(stream)
	f.Add(serverFrameBytes(websocket.TextMessage, true, []byte("4hello")))
	f.Add(append(serverFrameBytes(websocket.TextMessage, false, []byte("4a")), serverFrameBytes(0, true, []byte("b"))...))
	f.Add(serverFrameBytes(websocket.CloseMessage, true, []byte{0x03, 0xe9, 'x'}))
	f.Add(serverFrameBytes(websocket.CloseMessage, true, []byte{0x03, 0xed}))
	f.Add([]byte{0x82, 127, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2})
	f.Add([]byte{0x82, 0x81, 1, 2, 3, 4, 5})
	f.Add([]byte{0x8a, 1, 'p', 0x01, 1, 'x', 0x89, 0, 0x80, 0})
	f.Fuzz(func(t *testing.T, stream []byte) {
		own, buf := ownReading(stream)
		ref := gorillaReading(t, stream)
		if fmt.Sprint(own) != fmt.Sprint(ref) {
			t.Fatalf("stream % x:\nown     %q\ngorilla %q", stream, own, ref)
		}
		if buf > 2*len(stream)+16 {
			t.Fatalf("stream of %d bytes: a buffer of %d", len(stream), buf)
		}
	})
}
