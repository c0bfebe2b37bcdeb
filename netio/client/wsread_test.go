package client

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/tickroom/tickroom/netio/engineio"
)

// serverFrameBytes is a server frame: unmasked, opcode op, fin as given.
func serverFrameBytes(op byte, fin bool, payload []byte) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	var b []byte
	switch n := len(payload); {
	case n <= 125:
		b = []byte{b0, byte(n)}
	case n <= 65535:
		b = []byte{b0, 126, byte(n >> 8), byte(n)}
	default:
		b = binary.BigEndian.AppendUint64([]byte{b0, 127}, uint64(n))
	}
	return append(b, payload...)
}

func TestParseServerFrame(t *testing.T) {
	for _, c := range []struct {
		b         []byte
		inMessage bool
		want      serverFrame
		n         int
		err       string // "" accepted, "short", or a part of the error
	}{
		{[]byte{0x82, 5}, false, serverFrame{fin: true, op: 2, size: 5}, 2, ""},
		{[]byte{0x01, 126, 1, 0}, false, serverFrame{op: 1, size: 256}, 4, ""},
		{[]byte{0x80, 127, 0, 0, 0, 0, 0, 1, 0, 0}, true, serverFrame{fin: true, size: 65536}, 10, ""},
		{[]byte{0x89, 0}, true, serverFrame{fin: true, op: 9}, 2, ""}, // a ping inside a message
		{[]byte{0x82}, false, serverFrame{}, 2, "short"},
		{[]byte{0x82, 126, 1}, false, serverFrame{}, 4, "short"},
		{[]byte{0x82, 127}, false, serverFrame{}, 10, "short"},
		{[]byte{0xc2, 0}, false, serverFrame{}, 0, "reserved"},
		{[]byte{0x82, 0x80}, false, serverFrame{}, 0, "masked"},
		{[]byte{0x09, 0}, false, serverFrame{}, 0, "control"},
		{[]byte{0x89, 126}, false, serverFrame{}, 0, "control"},
		{[]byte{0x82, 0}, true, serverFrame{}, 0, "inside"},
		{[]byte{0x80, 0}, false, serverFrame{}, 0, "continuation"},
		{[]byte{0x83, 0}, false, serverFrame{}, 0, "opcode"},
		{[]byte{0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0}, false, serverFrame{}, 0, "overflows"},
	} {
		h, n, err := parseServerFrame(c.b, c.inMessage)
		switch {
		case c.err == "" && (err != nil || h != c.want || n != c.n):
			t.Errorf("% x: %+v %d %v, want %+v %d", c.b, h, n, err, c.want, c.n)
		case c.err == "short" && (err != errShortFrame || n != c.n):
			t.Errorf("% x: %d %v, want short of %d", c.b, n, err, c.n)
		case c.err != "" && c.err != "short" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("% x: %v, want %q", c.b, err, c.err)
		}
	}
}

func TestCloseCode(t *testing.T) {
	for _, c := range []struct {
		p    []byte
		code int
		ok   bool
	}{
		{nil, 1005, true},
		{[]byte{3}, 1005, true},
		{[]byte{0x03, 0xe8}, 1000, true},
		{[]byte{0x03, 0xf3, 'o', 'k'}, 1011, true},
		{[]byte{0x0f, 0xa0}, 4000, true},
		{[]byte{0x03, 0xed}, 0, false},       // 1005 is never sent
		{[]byte{0x03, 0xf6}, 0, false},       // 1014
		{[]byte{0x13, 0x88}, 0, false},       // 5000
		{[]byte{0x03, 0xe8, 0xff}, 0, false}, // a reason not UTF-8
	} {
		code, err := closeCode(c.p)
		if (err == nil) != c.ok || c.ok && code != c.code {
			t.Errorf("% x: %d, %v", c.p, code, err)
		}
	}
}

type gotFrame struct {
	op   byte
	data string
}

// frameStream is frames of every shape: small and large messages (of 16 x large bytes), a
// message in three fragments with a ping between two of them, an empty one, control frames.
func frameStream(large int) ([]byte, []gotFrame) {
	big := bytes.Repeat([]byte("0123456789abcdef"), large)
	var b []byte
	var want []gotFrame
	add := func(op byte, fin bool, p []byte) { b = append(b, serverFrameBytes(op, fin, p)...) }
	add(websocket.TextMessage, true, []byte("4hello"))
	want = append(want, gotFrame{1, "4hello"})
	add(websocket.BinaryMessage, true, big)
	want = append(want, gotFrame{2, string(big)})
	add(websocket.TextMessage, false, []byte("4frag"))
	add(0, false, []byte("ment"))
	add(websocket.PingMessage, true, []byte("p"))
	want = append(want, gotFrame{9, "p"})
	add(0, true, []byte("ed"))
	want = append(want, gotFrame{1, "4fragmented"})
	add(websocket.BinaryMessage, true, nil)
	want = append(want, gotFrame{2, ""})
	add(websocket.PongMessage, true, nil)
	want = append(want, gotFrame{10, ""})
	add(websocket.BinaryMessage, false, big[:len(big)/2])
	add(0, true, big[len(big)/2:])
	want = append(want, gotFrame{2, string(big)})
	add(websocket.CloseMessage, true, []byte{0x03, 0xe8})
	want = append(want, gotFrame{8, "\x03\xe8"})
	return b, want
}

// TestFrameReader: every frame arrives whole and in order however the stream is cut into
// reads, part of it already buffered (as after a handshake), on a socket (the descriptor
// path) and on a pipe (blocking reads).
func TestFrameReader(t *testing.T) {
	stream, want := frameStream(700) // 11,200 bytes: past the buffer
	rng := rand.New(rand.NewPCG(5, 5))
	for _, kind := range []string{"tcp", "pipe"} {
		for round := 0; round < 10; round++ {
			var client, server net.Conn
			if kind == "tcp" {
				client, server = tcpPair(t)
			} else {
				client, server = net.Pipe()
			}
			pre := rng.IntN(40)
			wr := rand.New(rand.NewPCG(6, uint64(round))) // the writer's
			fr := newFrameReader(client, stream[:pre], 64)
			fr.check = 20 * time.Millisecond // an end read with the last bytes is seen within it
			if (fr.rc != nil) != (kind == "tcp") {
				t.Fatalf("%s: descriptor %v", kind, fr.rc != nil)
			}
			wrote := make(chan struct{})
			go func() {
				defer close(wrote)
				defer server.Close()
				rest := stream[pre:]
				for len(rest) > 0 {
					k := min(len(rest), 1+wr.IntN(300))
					if _, err := server.Write(rest[:k]); err != nil {
						return
					}
					rest = rest[k:]
					if wr.IntN(4) == 0 {
						time.Sleep(time.Millisecond)
					}
				}
			}()
			var got []gotFrame
			err := fr.run(func(op byte, p []byte) error {
				got = append(got, gotFrame{op, string(p)})
				return nil
			})
			<-wrote
			if !errors.Is(err, io.EOF) {
				t.Fatalf("%s round %d: ended with %v", kind, round, err)
			}
			if len(got) != len(want) {
				t.Fatalf("%s round %d: %d frames, want %d", kind, round, len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("%s round %d: frame %d is %d %.20q, want %d %.20q", kind, round, i, got[i].op, got[i].data, want[i].op, want[i].data)
				}
			}
			if len(fr.buf) > maxKeptBuffer {
				t.Errorf("%s: keeps a buffer of %d bytes", kind, len(fr.buf))
			}
			client.Close()
		}
	}
}

// TestFrameReaderStopsOnError: a frame the server must not send, or a handler's error, ends
// the reader with that error.
func TestFrameReaderStopsOnError(t *testing.T) {
	client, server := tcpPair(t)
	fr := newFrameReader(client, nil, 64)
	go server.Write(append(serverFrameBytes(websocket.TextMessage, true, []byte("4a")), 0x83, 0))
	n := 0
	err := fr.run(func(byte, []byte) error { n++; return nil })
	var pe *wsProtocolError
	if !errors.As(err, &pe) || n != 1 {
		t.Fatalf("%d frames, then %v", n, err)
	}
	client2, server2 := tcpPair(t)
	fr = newFrameReader(client2, nil, 64)
	go server2.Write(serverFrameBytes(websocket.TextMessage, true, []byte("4a")))
	stop := errors.New("stop")
	if err := fr.run(func(byte, []byte) error { return stop }); err != stop {
		t.Fatalf("ended with %v", err)
	}
}

// rawEngineServer accepts one WebSocket by hand and writes the 101 response, the Engine.IO
// open packet and then more in a single write, so that the client's handshake reads frames
// past the response; it then hands the connection and a reader of the client's frames to
// serve.
func rawEngineServer(t *testing.T, more []byte, serve func(c net.Conn, r *bufio.Reader)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				req, err := http.ReadRequest(r)
				if err != nil {
					return
				}
				sum := sha1.Sum([]byte(req.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
				out := fmt.Appendf(nil, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
					base64.StdEncoding.EncodeToString(sum[:]))
				out = append(out, serverFrameBytes(websocket.TextMessage, true, engineio.AppendPacket(nil, engineio.Packet{
					Type: engineio.PacketOpen,
					Data: []byte(`{"sid":"abc","upgrades":[],"pingInterval":60000,"pingTimeout":60000,"maxPayload":1000000}`),
				}))...)
				if _, err := c.Write(append(out, more...)); err != nil {
					return
				}
				serve(c, r)
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// wsManager is a Manager of url over WebSocket only, that does not reconnect.
func wsManager(t *testing.T, url string) *Manager {
	t.Helper()
	o := DefaultOptions()
	o.Transport = TransportWebSocket
	o.Reconnection = false
	m, err := NewManager(url, &o)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestTakeoverKeepsHandshakeBytes: frames the server wrote with the handshake's response reach
// the client (the reader takes over what gorilla read ahead), with the takeover and with
// gorilla reading.
func TestTakeoverKeepsHandshakeBytes(t *testing.T) {
	for _, noTakeover := range []bool{false, true} {
		pong := make(chan string, 1)
		// A WebSocket ping and an Engine.IO ping, right behind the open packet.
		more := append(serverFrameBytes(websocket.PingMessage, true, []byte("ws")),
			serverFrameBytes(websocket.TextMessage, true, []byte("2x"))...)
		url := rawEngineServer(t, more, func(c net.Conn, r *bufio.Reader) {
			for {
				op, p, err := readFrame(r)
				if err != nil {
					return
				}
				if op == websocket.PongMessage || op == websocket.TextMessage && p[0] == '3' {
					pong <- fmt.Sprintf("%d %s", op, p)
				}
			}
		})
		m := wsManager(t, url)
		m.noTakeover = noTakeover
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c, err := m.openWebSocket(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if taken := c.currentTransport().(*wsTransport).rd != nil; taken == noTakeover {
			t.Fatalf("noTakeover %v: reader taken over %v", noTakeover, taken)
		}
		var got []string
		for len(got) < 2 {
			select {
			case s := <-pong:
				got = append(got, s)
			case <-time.After(5 * time.Second):
				t.Fatalf("noTakeover %v: answers %q, want the pong of both pings", noTakeover, got)
			}
		}
		if got[0] != "10 ws" || got[1] != "1 3x" {
			t.Errorf("noTakeover %v: answers %q", noTakeover, got)
		}
		c.close(ReasonClientDisconnect, nil, true)
		m.wg.Wait()
	}
}

// TestCloseFromHandler: a handler may end the connection (the server's Engine.IO close
// packet, a Disconnect in an event handler) while the reader runs it inside its read of the
// socket: the connection is cut, not closed, so nothing waits for the read to end.
func TestCloseFromHandler(t *testing.T) {
	srv := fakeServer(t, 60000, func(ws *websocket.Conn) {
		_ = ws.WriteMessage(websocket.BinaryMessage, []byte("\x83\xa4type\x02\xa4data\x91\xa3bye\xa3nsp\xa1/"))
		readAll(ws)
	})
	done := make(chan struct{})
	s := dialWSParser(t, srv.URL, 64, ParserMsgpack, func(s *Socket) {
		s.On("bye", func(Args, Ack) {
			s.Disconnect()
			close(done)
		})
	})
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Disconnect in a handler did not return")
	}
	closed := make(chan struct{})
	go func() { _ = s.Manager().Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close after a Disconnect in a handler did not return")
	}

	// The server's close packet, handled on the reader.
	reason := make(chan string, 1)
	srv2 := fakeServer(t, 60000, func(ws *websocket.Conn) {
		_ = ws.WriteMessage(websocket.TextMessage, []byte("1"))
		readAll(ws)
	})
	dialWSParser(t, srv2.URL, 64, ParserMsgpack, func(s *Socket) {
		s.OnDisconnect(func(r string) { reason <- r })
	})
	select {
	case r := <-reason:
		if r != ReasonTransportClose {
			t.Errorf("reason %q", r)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no disconnect after the server's close packet")
	}
}

// TestProtocolErrorAnswered: a frame the server must not send ends the connection as a
// transport error, after a close frame with code 1002, as gorilla's reader ended it.
func TestProtocolErrorAnswered(t *testing.T) {
	closed := make(chan []byte, 1)
	url := rawEngineServer(t, []byte{0x83, 0}, func(c net.Conn, r *bufio.Reader) {
		for {
			op, p, err := readFrame(r)
			if err != nil {
				return
			}
			if op == websocket.CloseMessage {
				closed <- p
			}
		}
	})
	m := wsManager(t, url)
	defer m.Close()
	s := m.Socket("/", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = s.Connect(ctx) // the connection ends before the namespace is joined
	select {
	case p := <-closed:
		if len(p) < 2 || binary.BigEndian.Uint16(p) != websocket.CloseProtocolError {
			t.Errorf("close frame % x", p)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no close frame")
	}
}
