package client

import (
	"bufio"
	"bytes"
	"net"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/tickroom/tickroom/internal/mpwire"
	"github.com/tickroom/tickroom/netio/engineio"
	"github.com/tickroom/tickroom/netio/sioparser"
)

// goroutineID is the id of the calling goroutine, from its stack's first line: the tests
// below tell on which goroutine a callback ran.
func goroutineID() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	id, _ := strconv.ParseUint(string(b[:bytes.IndexByte(b, ' ')]), 10, 64)
	return id
}

// connOf is s's open connection.
func connOf(t *testing.T, s *Socket) *engineConn {
	m := s.Manager()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.conn == nil {
		t.Fatal("no connection")
	}
	return m.conn
}

// waitInline waits until a send on c would write on its caller's goroutine, so that the
// next Emit takes the direct write.
func waitInline(t *testing.T, c *engineConn) *wsTransport {
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.mu.Lock()
		tr, ok := c.inlineLocked()
		if ok {
			c.inlining = false
			c.writeMu.Unlock()
		}
		c.mu.Unlock()
		if ok {
			return tr
		}
		if time.Now().After(deadline) {
			t.Fatal("the connection never became idle")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestFailedDirectWrite: an Emit whose direct write fails (the socket's sending side is shut
// down: EPIPE, as when the server is gone) returns, and the connection closes on a goroutine
// of the Manager, not the Emit's, which holds the socket's lock: the disconnect handler runs
// once, elsewhere.
func TestFailedDirectWrite(t *testing.T) {
	if !nonblockingWrites {
		t.Skip("no writes that must not block on this platform")
	}
	stop := make(chan struct{})
	srv := fakeServer(t, 60000, func(*websocket.Conn) { <-stop })
	defer close(stop) // the server never ends the connection itself
	s := dialWS(t, srv.URL, 64)
	var discs atomic.Int32
	discG := make(chan uint64, 4)
	s.OnDisconnect(func(string) {
		discs.Add(1)
		discG <- goroutineID()
	})
	tr := waitInline(t, connOf(t, s))
	if err := tr.conn.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	callerG := make(chan uint64, 1)
	done := make(chan error, 1)
	go func() {
		callerG <- goroutineID()
		done <- s.Emit("e", 1)
	}()
	select {
	case err := <-done:
		t.Logf("emit: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("Emit never returned after its direct write failed")
	}
	caller := <-callerG
	select {
	case g := <-discG:
		if g == caller {
			t.Error("the disconnect handler ran on the Emit's goroutine")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no disconnect after a failed write")
	}
	time.Sleep(100 * time.Millisecond)
	if n := discs.Load(); n != 1 {
		t.Errorf("%d disconnects", n)
	}
}

// TestDirectWriteAfterControlDeadline: a control frame's short write deadline (a pong's is
// one second) does not fail the direct writes made after it passed: tryWrite moves the
// deadline as write does.
func TestDirectWriteAfterControlDeadline(t *testing.T) {
	if !nonblockingWrites {
		t.Skip("no writes that must not block on this platform")
	}
	c, server := tcpPair(t)
	tr := newFrameWriter(c, 5*time.Second)
	if err := tr.writeControl(websocket.PongMessage, []byte("hi"), time.Now().Add(50*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	res := tr.tryWrite([]engineio.Packet{{Type: engineio.PacketMessage, Binary: true, Data: []byte("after")}})
	if res != inlineWritten || tr.broken != nil {
		t.Fatalf("direct write after the control deadline: %v, %v", res, tr.broken)
	}
	r := bufio.NewReader(server)
	for _, want := range []string{"hi", "after"} {
		if _, p, err := readFrame(r); err != nil || string(p) != want {
			t.Fatalf("frame %q, %v; want %q", p, err, want)
		}
	}
}

// TestEmitWithoutRawSocket: a transport with no raw descriptor to write to directly (as over
// TLS) sends every emit through the queue and its writer, whole and in order.
func TestEmitWithoutRawSocket(t *testing.T) {
	var arg []byte // EmitCanonical's argument, reused: what is queued must be a copy
	for _, tc := range []struct {
		name string
		emit func(s *Socket, i int) error
	}{
		{"Emit", func(s *Socket, i int) error { return s.Emit("e", i) }},
		{"EmitCanonical", func(s *Socket, i int) error {
			arg = mpwire.AppendInt(arg[:0], int64(i))
			return s.EmitCanonical("e", sioparser.Canonical(arg))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) { emitWithoutRawSocket(t, tc.emit) })
	}
}

func emitWithoutRawSocket(t *testing.T, emit func(s *Socket, i int) error) {
	events := make(chan []byte, 64)
	srv := fakeServer(t, 60000, func(ws *websocket.Conn) {
		for {
			_, data, err := ws.ReadMessage()
			if err != nil {
				return
			}
			events <- data
		}
	})
	s := dialWS(t, srv.URL, 1024)
	c := connOf(t, s)
	tr := waitInline(t, c)
	c.mu.Lock()
	tr.nb = nil // as a TLS connection's transport
	_, inline := c.inlineLocked()
	c.mu.Unlock()
	if inline {
		t.Fatal("a send would write directly with no raw descriptor")
	}
	const n = 200
	for i := range n {
		if err := emit(s, i); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		var data []byte
		select {
		case data = <-events:
		case <-time.After(5 * time.Second):
			t.Fatalf("event %d never came", i)
		}
		p, err := sioparser.DecodeMsgpack(data)
		if err != nil {
			t.Fatal(err)
		}
		args, err := sioparser.SplitArgs(p.Data, 1)
		var got int
		if err != nil || args.Decode(0, &got) != nil || got != i {
			t.Fatalf("event %d: got %d, %v", i, got, err)
		}
	}
}

// TestHandlerKeepsArgs: a handler that keeps the Args of an event (a binary attachment and a
// number) still reads its own data after the next messages were read into the reader's
// buffer, with either parser.
func TestHandlerKeepsArgs(t *testing.T) {
	const n = 5
	blob := func(i int) []byte { return bytes.Repeat([]byte{byte('a' + i)}, 10+i) }
	for _, parser := range []Parser{ParserMsgpack, ParserText} {
		srv := fakeServerParser(t, 60000, parser, func(ws *websocket.Conn) {
			for i := range n {
				data, err := sioparser.EncodeArgs("ev", []any{blob(i), i})
				if err != nil {
					t.Error(err)
					return
				}
				p := &sioparser.Packet{Type: sioparser.Event, Namespace: "/", Data: data}
				if parser == ParserMsgpack {
					b, _ := sioparser.EncodeMsgpack(p)
					_ = ws.WriteMessage(websocket.BinaryMessage, b)
					continue
				}
				text, atts, err := sioparser.EncodeText(p)
				if err != nil || len(atts) != 1 {
					t.Errorf("text encoding: %d attachments, %v", len(atts), err)
					return
				}
				_ = ws.WriteMessage(websocket.TextMessage, append([]byte{'4'}, text...))
				_ = ws.WriteMessage(websocket.BinaryMessage, atts[0])
			}
			readAll(ws)
		})
		kept := make(chan Args, n)
		dialWSParser(t, srv.URL, 64, parser, func(s *Socket) {
			s.On("ev", func(args Args, _ Ack) { kept <- args })
		})
		var all []Args
		for range n {
			select {
			case a := <-kept:
				all = append(all, a)
			case <-time.After(5 * time.Second):
				t.Fatalf("%v: only %d events", parser, len(all))
			}
		}
		for i, a := range all {
			var b []byte
			var got int
			if a.Decode(0, &b) != nil || a.Decode(1, &got) != nil || got != i || !bytes.Equal(b, blob(i)) {
				t.Errorf("%v: event %d kept %q, %d", parser, i, b, got)
			}
		}
	}
}
