package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/tickroom/tickroom/internal/mpwire"
	"github.com/tickroom/tickroom/netio/engineio"
	"github.com/tickroom/tickroom/netio/sioparser"
)

// readFrame reads one client frame from r: its opcode and unmasked payload. It fails on a
// frame that is not final or not masked, which a client must never send.
func readFrame(r *bufio.Reader) (byte, []byte, error) {
	var h [2]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	if h[0]&0x80 == 0 || h[1]&0x80 == 0 {
		return 0, nil, fmt.Errorf("frame header %x: not final or not masked", h)
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return 0, nil, err
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	var key [4]byte
	if _, err := io.ReadFull(r, key[:]); err != nil {
		return 0, nil, err
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(r, p); err != nil {
		return 0, nil, err
	}
	for i := range p {
		p[i] ^= key[i%4]
	}
	return h[0] & 0x0f, p, nil
}

func TestAppendFrame(t *testing.T) {
	for _, n := range []int{0, 1, 7, 8, 9, 125, 126, 127, 65535, 65536, 70001} {
		payload := make([]byte, n)
		for i := range payload {
			payload[i] = byte(i*7 + n)
		}
		frame := appendFrame([]byte("x"), websocket.BinaryMessage, payload)
		op, got, err := readFrame(bufio.NewReader(bytes.NewReader(frame[1:])))
		if err != nil || op != websocket.BinaryMessage || !bytes.Equal(got, payload) {
			t.Fatalf("%d bytes: op %d, err %v, payload equal %v", n, op, err, bytes.Equal(got, payload))
		}
	}
	text := appendTextFrame(nil, engineio.Packet{Type: engineio.PacketMessage, Data: []byte(`2["a"]`)})
	op, got, err := readFrame(bufio.NewReader(bytes.NewReader(text)))
	if err != nil || op != websocket.TextMessage || string(got) != `42["a"]` {
		t.Fatalf("text frame: op %d, %q, %v", op, got, err)
	}
}

// tcpPair returns both ends of a loopback TCP connection, the client's send buffer small so
// that it fills fast.
func tcpPair(t *testing.T) (client *net.TCPConn, server net.Conn) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	if server == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { c.Close(); server.Close() })
	tc := c.(*net.TCPConn)
	_ = tc.SetWriteBuffer(16 << 10)
	return tc, server
}

// TestTryWriteTail fills a socket nobody reads with writes that must not block: they write
// what fits, keep the rest of a frame cut in two as the tail, then write nothing; once the
// peer reads, write sends the tail first and every frame arrives whole and in order. Frames
// larger than the send buffer are cut; a fill that ends on a frame boundary all the same
// leaves no tail, so the test tries frame sizes until one does.
func TestTryWriteTail(t *testing.T) {
	tryTails(t, nil)
}

// TestControlTimeoutKeepsStream: a control frame (a pong) whose deadline passes before the
// socket takes a byte, behind a tail, is given up on without losing the tail: every frame
// still arrives whole and in order.
func TestControlTimeoutKeepsStream(t *testing.T) {
	tryTails(t, func(tr *wsTransport) {
		if err := tr.writeControl(websocket.PongMessage, []byte("late"), time.Now().Add(-time.Millisecond)); err != nil {
			t.Errorf("a pong given up on with nothing written: %v", err)
		}
	})
}

// tryTails runs fillAndDrain with frame sizes until one leaves a tail.
func tryTails(t *testing.T, between func(*wsTransport)) {
	if !nonblockingWrites {
		t.Skip("no writes that must not block on this platform")
	}
	for size := 100_001; size < 100_101; size += 17 {
		if fillAndDrain(t, size, between) {
			return
		}
	}
	t.Fatal("no fill of the socket cut a frame in two")
}

// fillAndDrain is one round of TestTryWriteTail with frames of size bytes; it reports whether
// a tail was left. between, when set, runs on the full socket before the peer reads; the
// peer skips the pong frames it may write.
func fillAndDrain(t *testing.T, size int, between func(*wsTransport)) (tail bool) {
	c, server := tcpPair(t)
	tr := newFrameWriter(c, 5*time.Second)
	payload := func(i int) []byte { return bytes.Repeat([]byte{byte(i)}, size) }
	sent := 0
	for ; !tail; sent++ {
		if sent == 1000 {
			t.Fatal("the socket never filled")
		}
		res := tr.tryWrite([]engineio.Packet{{Type: engineio.PacketMessage, Binary: true, Data: payload(sent)}})
		if tr.broken != nil {
			t.Fatal(tr.broken)
		}
		if res == inlineNotWritten {
			break
		}
		if res == inlineTail {
			tail = true
			// A tail waits: the next tryWrite must write nothing, ahead of it.
			if res := tr.tryWrite([]engineio.Packet{{Binary: true, Data: []byte{1}}}); res != inlineNotWritten {
				t.Fatalf("a tryWrite went ahead of the tail: %v", res)
			}
		}
	}
	if between != nil {
		between(tr)
	}
	done := make(chan error, 1)
	go func() {
		r := bufio.NewReader(server)
		for i := 0; i <= sent; i++ {
			op, p, err := readFrame(r)
			if err != nil {
				done <- err
				return
			}
			if op == websocket.PongMessage {
				i--
				continue
			}
			if !bytes.Equal(p, payload(i)) {
				done <- fmt.Errorf("frame %d: %d bytes of %x", i, len(p), p[:1])
				return
			}
		}
		done <- nil
	}()
	// write waits for the socket: the tail, then one more frame.
	if err := tr.write([]engineio.Packet{{Type: engineio.PacketMessage, Binary: true, Data: payload(sent)}}); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("frames of %d bytes: %v", size, err)
	}
	return tail
}

// stallServer is an Engine.IO WebSocket server that accepts the CONNECT, then reads nothing
// until resume is closed, and then hands every event it reads to events.
func stallServer(t *testing.T, resume <-chan struct{}, events chan<- []byte) *httptest.Server {
	return fakeServer(t, 60000, func(ws *websocket.Conn) {
		<-resume
		for {
			_, data, err := ws.ReadMessage()
			if err != nil {
				return
			}
			events <- data
		}
	})
}

// TestEmitOrderUnderBackpressure: emits written inline, queued behind a full socket, and cut
// into a tail (every tenth is larger than a socket buffer) all reach a server that stopped
// reading for a while, whole and in order; with EmitCanonical too, whose encoding buffer the
// next emit reuses (and whose argument the caller reuses), so what waits must be a copy.
func TestEmitOrderUnderBackpressure(t *testing.T) {
	blob := func(i int) []byte {
		if i%10 == 0 {
			return bytes.Repeat([]byte{byte(i)}, 70_001)
		}
		return bytes.Repeat([]byte{byte(i)}, 2999)
	}
	var arg []byte // EmitCanonical's argument, reused
	for _, tc := range []struct {
		name string
		emit func(s *Socket, i int) error
		args int // the arguments of the event: (i, blob), or one array [i, blob]
	}{
		{"Emit", func(s *Socket, i int) error { return s.Emit("e", i, blob(i)) }, 2},
		{"EmitCanonical", func(s *Socket, i int) error {
			arg = mpwire.AppendArrayHeader(arg[:0], 2)
			arg = mpwire.AppendInt(arg, int64(i))
			arg = mpwire.AppendBin(arg, blob(i))
			return s.EmitCanonical("e", sioparser.Canonical(arg))
		}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resume := make(chan struct{})
			events := make(chan []byte, 64)
			s := dialWS(t, stallServer(t, resume, events).URL, 1<<20)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			const n = 1000
			for i := range n {
				if err := tc.emit(s, i); err != nil {
					t.Fatal(err)
				}
			}
			m := s.Manager()
			m.mu.Lock()
			c := m.conn
			m.mu.Unlock()
			c.mu.Lock()
			backlog := len(c.q) > 0 || c.flush || c.writing
			c.mu.Unlock()
			if !backlog {
				t.Fatal("the socket took every emit: nothing exercised the queue behind a full socket")
			}
			close(resume)
			for i := range n {
				var data []byte
				select {
				case data = <-events:
				case <-ctx.Done():
					buf := make([]byte, 1<<20)
					buf = buf[:runtime.Stack(buf, true)]
					c.mu.Lock()
					t.Logf("q %d flush %v writing %v parked %v inlining %v closed %v", len(c.q), c.flush, c.writing, c.parked, c.inlining, c.closed)
					c.mu.Unlock()
					t.Fatalf("event %d never came\n%s", i, buf)
				}
				p, err := sioparser.DecodeMsgpack(data)
				if err != nil {
					t.Fatal(err)
				}
				args, err := sioparser.SplitArgs(p.Data, 1)
				if err != nil {
					t.Fatal(err)
				}
				var got int
				var b []byte
				if tc.args == 1 {
					var pair struct {
						_msgpack struct{} `msgpack:",as_array"`
						I        int
						B        []byte
					}
					err = args.Decode(0, &pair)
					got, b = pair.I, pair.B
				} else if err = args.Decode(0, &got); err == nil {
					err = args.Decode(1, &b)
				}
				if err != nil || args.Len() != tc.args || got != i || !bytes.Equal(b, blob(i)) {
					t.Fatalf("event %d: got %d with %d bytes in %d arguments (%v)", i, got, len(b), args.Len(), err)
				}
			}
		})
	}
}

// TestWSPingAnswered: a WebSocket-level ping from the server is answered with a pong that
// carries its data, written under the transport's lock like every other frame: while a write
// holds the lock, no pong goes out.
func TestWSPingAnswered(t *testing.T) {
	pong := make(chan string, 1)
	ping := make(chan struct{})
	srv := fakeServer(t, 60000, func(ws *websocket.Conn) {
		ws.SetPongHandler(func(data string) error { pong <- data; return nil })
		<-ping
		_ = ws.WriteControl(websocket.PingMessage, []byte("hi"), time.Now().Add(time.Second))
		readAll(ws)
	})
	s := dialWS(t, srv.URL, 64)
	tr := connOf(t, s).currentTransport().(*wsTransport)
	tr.lock() // as a write in flight
	close(ping)
	select {
	case <-pong:
		t.Fatal("a pong went out while a write held the transport's lock")
	case <-time.After(300 * time.Millisecond):
	}
	tr.unlock()
	select {
	case d := <-pong:
		if d != "hi" {
			t.Errorf("pong %q", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no pong")
	}
}

// TestControlGivesUpOnLock: the reader answering a ping waits for a write holding the
// transport's lock only until the pong's deadline, as gorilla's WriteControl, and then goes
// on reading with nothing written.
func TestControlGivesUpOnLock(t *testing.T) {
	c, server := tcpPair(t)
	tr := newFrameWriter(c, 5*time.Second)
	tr.lock() // a write blocked on a full socket
	done := make(chan error, 1)
	go func() {
		done <- tr.writeControl(websocket.PongMessage, []byte("p"), time.Now().Add(50*time.Millisecond))
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("a pong given up on: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("writeControl waited for the lock past its deadline")
	}
	tr.unlock()
	if err := tr.write([]engineio.Packet{{Type: engineio.PacketMessage, Binary: true, Data: []byte("next")}}); err != nil {
		t.Fatal(err)
	}
	if op, p, err := readFrame(bufio.NewReader(server)); err != nil || op != websocket.BinaryMessage || string(p) != "next" {
		t.Fatalf("first frame: op %d %q %v", op, p, err)
	}
}

// TestBrokenWriteIsSticky: after a write that may have cut a frame, every write fails and
// the reader's error for it is a transport error, not a clean close.
func TestBrokenWriteIsSticky(t *testing.T) {
	c, _ := tcpPair(t)
	tr := newFrameWriter(c, 5*time.Second)
	_ = c.CloseWrite()
	err := tr.write([]engineio.Packet{{Type: engineio.PacketMessage, Binary: true, Data: []byte("x")}})
	var we *writeError
	if !errors.As(err, &we) {
		t.Fatalf("write on a shut socket: %v", err)
	}
	pkts := []engineio.Packet{{Type: engineio.PacketMessage, Data: []byte("y")}}
	if res := tr.tryWrite(pkts); res != inlineNotWritten {
		t.Errorf("tryWrite on a broken transport: %v", res)
	}
	if err := tr.writeControl(websocket.PongMessage, nil, time.Now().Add(time.Second)); err != we {
		t.Errorf("writeControl on a broken transport: %v", err)
	}
	if got := wsReadError(err); got != err {
		t.Errorf("read error %v, want the write error kept", got)
	}
}

// TestNoDataAfterCloseFrame: once the client has answered the server's close frame, it writes
// nothing more, though it is sending as fast as it can (RFC 6455, section 5.5.1), and the
// connection ends as "transport close", not as a failed write.
func TestNoDataAfterCloseFrame(t *testing.T) {
	after := make(chan []byte, 1) // the opcodes the server read after the client's close frame
	url := rawEngineServer(t, nil, func(c net.Conn, r *bufio.Reader) {
		var ops []byte
		closed, sent := false, false
		for {
			op, _, err := readFrame(r)
			if err != nil {
				after <- ops
				return
			}
			switch {
			case closed:
				ops = append(ops, op)
			case op == websocket.CloseMessage:
				closed = true
				c.(*net.TCPConn).CloseWrite() // the closing handshake is done on this side
			case !sent && op == websocket.TextMessage:
				sent = true // the client is under way: close in the middle of its stream
				c.Write(serverFrameBytes(websocket.CloseMessage, true, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")))
			}
		}
	})
	m := wsManager(t, url)
	reason := make(chan string, 1)
	m.OnClose(func(r string, _ error) { reason <- r })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	c, err := m.openWebSocket(ctx)
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	m.mu.Lock()
	m.conn = c // as dial makes it the manager's: its close is reported (OnClose)
	m.mu.Unlock()
	pkt := []engineio.Packet{{Type: engineio.PacketMessage, Data: []byte("x")}}
	for !c.isClosed() {
		_ = c.send(pkt, false)
	}
	select {
	case ops := <-after:
		if len(ops) > 0 {
			t.Errorf("the client wrote %d frames after its close frame (opcodes %v)", len(ops), ops)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the client never ended the connection")
	}
	select {
	case r := <-reason:
		if r != ReasonTransportClose {
			t.Errorf("reason %q, want %q", r, ReasonTransportClose)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no close reason")
	}
	m.wg.Wait()
}
