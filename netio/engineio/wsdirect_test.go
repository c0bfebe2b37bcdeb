package engineio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// recordHooks records what a session asks and tells of its latest-wins messages.
type recordHooks struct {
	mu      sync.Mutex
	written []uint64 // tag.A of each message reported written, in order
	refuse  uint64   // LatestValid refuses this tag.A (0: none)
}

func (h *recordHooks) LatestValid(tag LatestTag) bool { return tag.A != h.refuse }

func (h *recordHooks) LatestWritten(tag LatestTag) {
	h.mu.Lock()
	h.written = append(h.written, tag.A)
	h.mu.Unlock()
}

func (h *recordHooks) reported() []uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]uint64(nil), h.written...)
}

// idleWriter waits until the session has no writer goroutine at work (the open packet's has
// ended or parked), so the next offer can be written directly.
func idleWriter(t *testing.T, s *Session) {
	t.Helper()
	waitFor(t, "an idle writer", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return !s.busyWriterLocked() && s.out.len() == 0
	})
}

// TestOfferLatestDirect: on an idle websocket the caller writes the message itself, reports
// it written before OfferLatest returns, and the caller may reuse its buffer at once.
func TestOfferLatestDirect(t *testing.T) {
	e := newEnv(t, nil)
	c, _, h := e.dialWS()
	idleWriter(t, h.s)
	hooks := &recordHooks{refuse: 2}
	buf := []byte("state-1")
	if err := h.s.OfferLatest(Message{Binary: true, Data: buf}, hooks, LatestTag{A: 1}); err != nil {
		t.Fatal(err)
	}
	if got := hooks.reported(); len(got) != 1 || got[0] != 1 {
		t.Fatalf("reported %v before OfferLatest returned, want [1]", got)
	}
	copy(buf, "xxxxxxx") // the caller's again
	// Refused by LatestValid: dropped, never reported.
	h.s.OfferLatest(Message{Binary: true, Data: []byte("state-2")}, hooks, LatestTag{A: 2})
	h.s.OfferLatest(Message{Data: []byte("state-3")}, hooks, LatestTag{A: 3})
	if mt, data := readWSSkipPings(t, c); mt != websocket.BinaryMessage || string(data) != "state-1" {
		t.Fatalf("got %d %q", mt, data)
	}
	if mt, data := readWSSkipPings(t, c); mt != websocket.TextMessage || string(data) != "4state-3" {
		t.Fatalf("got %d %q", mt, data)
	}
	if got := hooks.reported(); len(got) != 2 || got[1] != 3 {
		t.Fatalf("reported %v, want [1 3]", got)
	}
	if n := e.srv.traffic.latestDirect.Load(); n != 2 {
		t.Fatalf("%d direct writes, want 2", n)
	}
	if st := e.srv.Stats(); st.LatestStale != 1 {
		t.Fatalf("stale %d, want 1", st.LatestStale)
	}
}

// TestOfferLatestControlFrameFallback: while the reader writes a control frame (it holds
// wmu), an offer is not written directly: it goes to the slot and the writer writes it.
func TestOfferLatestControlFrameFallback(t *testing.T) {
	e := newEnv(t, nil)
	c, _, h := e.dialWS()
	idleWriter(t, h.s)
	h.s.mu.Lock()
	lat := h.s.latLocked()
	h.s.mu.Unlock()
	lat.wmu.Lock()
	hooks := &recordHooks{}
	if err := h.s.OfferLatest(Message{Binary: true, Data: []byte("state")}, hooks, LatestTag{A: 7}); err != nil {
		t.Fatal(err)
	}
	if n := e.srv.traffic.latestDirect.Load(); n != 0 {
		t.Fatalf("written directly while wmu was held (%d)", n)
	}
	if _, data := readWSSkipPings(t, c); string(data) != "state" {
		t.Fatalf("got %q", data)
	}
	lat.wmu.Unlock()
	waitFor(t, "the write reported", func() bool { return len(hooks.reported()) == 1 })
}

// TestOfferLatestDirectWriteFails: a direct write that fails closes the session ("transport
// close" for a broken pipe) and OfferLatest says so; the caller's goroutine runs no handler.
func TestOfferLatestDirectWriteFails(t *testing.T) {
	e := newEnv(t, nil)
	_, _, h := e.dialWS()
	idleWriter(t, h.s)
	h.s.mu.Lock()
	ws := h.s.ws
	h.s.mu.Unlock()
	ws.NetConn().(*net.TCPConn).CloseWrite() // the next write fails with EPIPE
	err := h.s.OfferLatest(Message{Binary: true, Data: []byte("state")}, nil, LatestTag{})
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("offer on a broken connection: %v", err)
	}
	if ev := h.waitClose(t); ev.reason != ReasonTransportClose {
		t.Fatalf("closed with %q (%v)", ev.reason, ev.err)
	}
}

// TestOfferLatestPartialWrite: a client that stops reading fills the kernel's buffers; a
// direct write the kernel takes only part of leaves the rest to the writer, which writes it
// before anything else, and the reader's pong to a client ping waits for it: every frame the
// client reads back is whole, the states arrive in order, the newest last, and exactly the
// states reported written arrive.
func TestOfferLatestPartialWrite(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.WebSocketSendBuffer = 16384
		c.LatestMaxUnsent = -1 // no unsent check: offers go direct until the kernel refuses
	})
	c, h := e.dialWSReadBuffer(65536)
	readWS(t, c) // open
	idleWriter(t, h.s)
	hooks := &recordHooks{}
	const size = 3000
	buf := make([]byte, size)
	last := uint64(0)
	deadline := time.Now().Add(10 * time.Second)
	for e.srv.traffic.latestPartial.Load() == 0 || e.srv.Stats().LatestReplaced == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no partial write and fallback after %d offers (%d direct)", last, e.srv.traffic.latestDirect.Load())
		}
		last++
		binary.BigEndian.PutUint64(buf, last)
		for i := 8; i < size; i++ {
			buf[i] = byte(last)
		}
		if err := h.s.OfferLatest(Message{Binary: true, Data: buf}, hooks, LatestTag{A: last}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
	pongs := make(chan struct{}, 1)
	c.SetPongHandler(func(string) error { pongs <- struct{}{}; return nil })
	if err := c.WriteControl(websocket.PingMessage, []byte("p"), time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	var got []uint64
	for len(got) == 0 || got[len(got)-1] != last {
		mt, data := readWSSkipPings(t, c)
		if mt != websocket.BinaryMessage {
			continue
		}
		n := binary.BigEndian.Uint64(data)
		if len(data) != size || !bytes.Equal(data[8:], bytes.Repeat([]byte{byte(n)}, size-8)) {
			t.Fatalf("state %d arrived torn: %d bytes", n, len(data))
		}
		if len(got) > 0 && n <= got[len(got)-1] {
			t.Fatalf("state %d after %d", n, got[len(got)-1])
		}
		got = append(got, n)
	}
	t.Logf("%d offers, %d direct (%d partial), %d arrived", last, e.srv.traffic.latestDirect.Load(), e.srv.traffic.latestPartial.Load(), len(got))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	go c.ReadMessage() // pongs are handled while reading
	select {
	case <-pongs:
	case <-time.After(5 * time.Second):
		t.Fatal("no pong")
	}
	waitFor(t, "every write reported", func() bool { return len(hooks.reported()) == len(got) })
	if rep := hooks.reported(); !equalU64(rep, got) {
		t.Fatalf("reported %v, arrived %v", rep, got)
	}
}

func equalU64(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestDirectWriterRest: what a partial write leaves, whether it stopped inside the header
// (text: the packet type digit is part of it) or inside the data, borrowed or not.
func TestDirectWriterRest(t *testing.T) {
	d := &directWriter{}
	data := bytes.Repeat([]byte("x"), 200) // a 4-byte header
	m := Message{Data: data}
	whole := append([]byte{0x81, 126, 0, 201, '4'}, data...)
	for _, n := range []int{1, 4, 5, 6, 100, len(whole) - 1} {
		for _, borrowed := range []bool{false, true} {
			rest := d.rest(m, n, borrowed)
			if !bytes.Equal(rest, whole[n:]) {
				t.Fatalf("n=%d: rest %q", n, rest)
			}
			if n >= 5 && !borrowed && &rest[0] != &data[n-5] {
				t.Fatalf("n=%d: an owned message's rest is copied", n)
			}
			if borrowed && &rest[len(rest)-1] == &data[len(data)-1] {
				t.Fatalf("n=%d: a borrowed message's rest aliases it", n)
			}
		}
	}
}

// TestOfferLatestAfterCloseFrame: once the reader has written a close frame (its echo of the
// client's, or a reject), the session may still be open for a moment, until the reader ends
// it; an offer then must not be written directly: nothing may follow the close frame.
func TestOfferLatestAfterCloseFrame(t *testing.T) {
	e := newRawEnv(t, "fd", func(c *Config) { c.PingInterval = time.Minute })
	rc, h := e.dialRaw(t)
	idleWriter(t, h.s)
	h.s.mu.Lock()
	ws := h.s.ws
	h.s.mu.Unlock()
	r := e.srv.newReader(h.s, ws, readSession) // the reader's writes, without its goroutine
	r.writeControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
	if err := h.s.OfferLatest(Message{Binary: true, Data: []byte("state")}, nil, LatestTag{}); err != nil && !errors.Is(err, ErrClosed) {
		t.Fatal(err)
	}
	if op, _ := rc.read(); op != opClose {
		t.Fatalf("got opcode %d, want the close frame", op)
	}
	if op, p, err := rc.tryRead(); err == nil {
		t.Fatalf("a frame after the close frame: %d %q", op, p)
	}
	if n := e.srv.traffic.latestDirect.Load(); n != 0 {
		t.Fatalf("%d direct writes after the close frame", n)
	}
}

// TestOfferLatestAfterFailedControlWrite: a control frame the reader failed to write may
// have left part of a frame on the wire; no direct write follows it.
func TestOfferLatestAfterFailedControlWrite(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.PingInterval = time.Minute })
	_, _, h := e.dialWS()
	idleWriter(t, h.s)
	h.s.mu.Lock()
	ws := h.s.ws
	h.s.mu.Unlock()
	ws.NetConn().(*net.TCPConn).CloseWrite() // the pong fails with EPIPE
	e.srv.newReader(h.s, ws, readSession).writeControl(websocket.PongMessage, []byte("p"))
	h.s.mu.Lock()
	direct := h.s.canWriteDirectLocked()
	h.s.mu.Unlock()
	if direct {
		t.Fatal("direct writes allowed after a failed control write")
	}
}

// blockingCloseSess is a handler whose OnClose waits for release: code reached from it (a
// lobby leaving a room) may wait for the goroutine that offered a snapshot.
type blockingCloseSess struct {
	testSess
	release chan struct{}
}

func (h *blockingCloseSess) OnClose(reason string, err error) {
	<-h.release
	h.testSess.OnClose(reason, err)
}

// panicWritten is LatestHooks whose LatestWritten panics.
type panicWritten struct{}

func (panicWritten) LatestValid(LatestTag) bool { return true }
func (panicWritten) LatestWritten(LatestTag)    { panic("written bug") }

// TestOfferLatestDirectWrittenPanics: a panic in LatestWritten on the direct path closes the
// session as "server error" without running OnClose on the offering goroutine (a room's
// loop, which OnClose may wait for).
func TestOfferLatestDirectWrittenPanics(t *testing.T) {
	sessions := make(chan *blockingCloseSess, 1)
	e := newEnvConn(t, nil, func(_ *env, s *Session) {
		h := &blockingCloseSess{testSess{s: s, msgs: make(chan Message, 16), closed: make(chan closeEvent, 4)}, make(chan struct{})}
		s.SetHandler(h)
		sessions <- h
	})
	c, _, err := websocket.DefaultDialer.Dial(e.wsURL+"?EIO=4&transport=websocket", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	readWS(t, c) // open
	h := <-sessions
	defer close(h.release)
	idleWriter(t, h.s)
	returned := make(chan struct{})
	go func() {
		h.s.OfferLatest(Message{Binary: true, Data: []byte("state")}, panicWritten{}, LatestTag{A: 1})
		close(returned)
	}()
	select {
	case <-returned:
	case <-time.After(5 * time.Second):
		t.Fatal("OfferLatest ran OnClose after a panic in LatestWritten")
	}
	if n := e.srv.traffic.latestDirect.Load(); n != 1 {
		t.Fatalf("%d direct writes, want 1", n)
	}
	h.release <- struct{}{}
	if ev := h.waitClose(t); ev.reason != ReasonServerError {
		t.Fatalf("closed with %q", ev.reason)
	}
}

// TestSendLatestNotOnCaller: SendLatest's valid never runs with the session's lock held on a
// websocket, even an idle one (a caller's valid may call the session); it is not written
// directly.
func TestSendLatestNotOnCaller(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.PingInterval = time.Minute })
	c, _, h := e.dialWS()
	idleWriter(t, h.s)
	valid := make(chan bool, 1) // whether valid got the session's lock
	err := h.s.SendLatest([]Message{{Data: []byte("state")}}, func() bool {
		got := false
		for deadline := time.Now().Add(time.Second); !got && time.Now().Before(deadline); {
			if got = h.s.mu.TryLock(); got {
				h.s.mu.Unlock()
			} else {
				time.Sleep(time.Millisecond)
			}
		}
		valid <- got
		return true
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !<-valid {
		t.Fatal("valid ran with the session's lock held")
	}
	if _, data := readWSSkipPings(t, c); string(data) != "4state" {
		t.Fatalf("got %q", data)
	}
	if n := e.srv.traffic.latestDirect.Load(); n != 0 {
		t.Fatalf("%d direct writes", n)
	}
}

// TestWriteContDeadline: the writer's deadline, moved when it writes the rest of a partial
// direct write, holds for its later frames too: gorilla reapplies the deadline it was given
// on each write, so it must be given the moved one.
func TestWriteContDeadline(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.PingInterval = time.Minute })
	c, _, h := e.dialWS()
	idleWriter(t, h.s)
	h.s.mu.Lock()
	ws, lat := h.s.ws, h.s.latLocked()
	h.s.mu.Unlock()
	w := &wsWriter{c: ws, deadline: time.Now().Add(20 * time.Millisecond)} // about to be moved
	ws.SetWriteDeadline(w.deadline)
	lat.wmu.Lock() // held for the rest, as a partial direct write leaves it
	if err := h.s.writeCont(w, lat, []byte{0x80 | opBinary, 1, 'x'}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // past the old deadline
	if err := h.s.writePacket(w, Packet{Type: PacketMessage, Binary: true, Data: []byte("y")}); err != nil {
		t.Fatalf("a frame after the rest: %v", err)
	}
	for _, want := range []string{"x", "y"} {
		if _, data := readWSSkipPings(t, c); string(data) != want {
			t.Fatalf("got %q, want %q", data, want)
		}
	}
}
