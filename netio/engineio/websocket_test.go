package engineio

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func TestWebSocketMessages(t *testing.T) {
	e := newEnv(t, nil)
	c, _, h := e.dialWS()
	writeWS(t, c, "4hello")
	if m := h.waitMsg(t); m.Binary || string(m.Data) != "hello" {
		t.Fatalf("%+v", m)
	}
	if _, data := readWS(t, c); string(data) != "4hello" {
		t.Fatalf("%q", data)
	}
	c.WriteMessage(websocket.BinaryMessage, []byte{1, 2, 3})
	if m := h.waitMsg(t); !m.Binary || string(m.Data) != "\x01\x02\x03" {
		t.Fatalf("%+v", m)
	}
	if mt, data := readWS(t, c); mt != websocket.BinaryMessage || string(data) != "\x01\x02\x03" {
		t.Fatalf("%d %q", mt, data)
	}
	// Send shares data between sessions; it must come out unmodified and in order.
	shared := []byte("shared")
	h.s.Send(Message{Data: shared}, Message{Binary: true, Data: shared})
	if _, data := readWS(t, c); string(data) != "4shared" {
		t.Fatal(string(data))
	}
	if mt, data := readWS(t, c); mt != websocket.BinaryMessage || string(data) != "shared" || string(shared) != "shared" {
		t.Fatal(string(data))
	}
	// Volatile: accepted while idle.
	waitFor(t, "idle writer", func() bool { h.s.mu.Lock(); defer h.s.mu.Unlock(); return !h.s.writing })
	if !h.s.SendVolatile(Message{Data: []byte("v")}) {
		t.Fatal("volatile refused on idle websocket")
	}
	if _, data := readWS(t, c); string(data) != "4v" {
		t.Fatal(string(data))
	}
}

func TestWebSocketHeartbeat(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.PingInterval = 50 * time.Millisecond; c.PingTimeout = 50 * time.Millisecond })
	c, _, h := e.dialWS()
	for i := 0; i < 3; i++ {
		if _, data := readWS(t, c); string(data) != "2" {
			t.Fatalf("%q", data)
		}
		writeWS(t, c, "3")
	}
	if ev := h.waitClose(t); ev.reason != ReasonPingTimeout {
		t.Fatal(ev)
	}
	expectWSClosed(t, c)
}

func TestWebSocketErrors(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxHTTPBufferSize = 1000 })
	hw := e.healthy()
	cases := []struct {
		name   string
		send   func(c *websocket.Conn)
		reason string
	}{
		{"client ping", func(c *websocket.Conn) { writeWS(t, c, "2") }, ReasonTransportError},
		{"parse error", func(c *websocket.Conn) { writeWS(t, c, "abc") }, ReasonParseError},
		{"oversize frame", func(c *websocket.Conn) { writeWS(t, c, "4"+strings.Repeat("x", 1000)) }, ReasonTransportError},
		{"close packet", func(c *websocket.Conn) { writeWS(t, c, "1") }, ReasonTransportClose},
		{"close frame", func(c *websocket.Conn) {
			c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(1000, ""), time.Now().Add(time.Second))
		}, ReasonTransportClose},
		{"tcp close", func(c *websocket.Conn) { c.NetConn().Close() }, ReasonTransportClose},
	}
	for _, tc := range cases {
		c, _, h := e.dialWS()
		tc.send(c)
		if ev := h.waitClose(t); ev.reason != tc.reason {
			t.Errorf("%s: %v", tc.name, ev)
		}
		if tc.name != "tcp close" {
			expectWSClosed(t, c)
		}
	}
	// exactly the limit passes
	c, _, h := e.dialWS()
	writeWS(t, c, "4"+strings.Repeat("x", 999))
	h.waitMsg(t)
	hw.check(t)
}

func TestWebSocketCloseFromServer(t *testing.T) {
	e := newEnv(t, nil)
	c, _, h := e.dialWS()
	h.s.Send(Message{Data: []byte("last")})
	h.s.Close(ReasonForcedClose)
	if _, data := readWS(t, c); string(data) != "4last" {
		t.Fatalf("%q", data)
	}
	err := expectWSClosed(t, c)
	if !websocket.IsCloseError(err, websocket.CloseNoStatusReceived) {
		t.Fatalf("close: %v", err)
	}
	if ev := h.waitClose(t); ev.reason != ReasonForcedClose || ev.err != nil {
		t.Fatal(ev)
	}
	if h.s.Send(Message{}) != ErrClosed {
		t.Fatal("send after close")
	}
	select {
	case <-h.s.Done():
	default:
		t.Fatal("Done not closed")
	}
}

// closingHandler closes its session from inside OnMessage: no deadlock, one OnClose, after.
type closingHandler struct {
	s      *Session
	mu     sync.Mutex
	events []string
	done   chan struct{}
}

func (h *closingHandler) OnMessage(m Message) {
	h.mu.Lock()
	h.events = append(h.events, "msg")
	h.mu.Unlock()
	h.s.Close("from handler")
	h.s.Close("twice")
}

func (h *closingHandler) OnClose(reason string, err error) {
	h.mu.Lock()
	h.events = append(h.events, "close:"+reason)
	h.mu.Unlock()
	close(h.done)
}

func TestCloseInsideHandler(t *testing.T) {
	cfg := testConfig()
	hc := make(chan *closingHandler, 1)
	srv, _ := NewServer(&cfg, func(s *Session) {
		h := &closingHandler{s: s, done: make(chan struct{})}
		s.SetHandler(h)
		hc <- h
	})
	e := &env{t: t, srv: srv}
	_ = e
	hs := newHTTPTestServer(t, srv)
	c, _, err := websocket.DefaultDialer.Dial(hs+"?EIO=4&transport=websocket", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	readWS(t, c)
	writeWS(t, c, "4a")
	writeWS(t, c, "4b")
	h := <-hc
	select {
	case <-h.done:
	case <-time.After(5 * time.Second):
		t.Fatal("no OnClose")
	}
	expectWSClosed(t, c)
	h.mu.Lock()
	defer h.mu.Unlock()
	if fmt.Sprint(h.events) != "[msg close:from handler]" {
		t.Fatal(h.events)
	}
}

func TestUpgrade(t *testing.T) {
	e := newEnv(t, nil)
	sid, h := e.handshake()
	pending := make(chan string, 1)
	go func() { _, body := e.get(sid); pending <- body }()
	waitFor(t, "pending poll", func() bool { h.s.mu.Lock(); defer h.s.mu.Unlock(); return h.s.pollActive })

	c, _, err := websocket.DefaultDialer.Dial(e.wsURL+"?EIO=4&transport=websocket&sid="+sid, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	writeWS(t, c, "2probe")
	if _, data := readWS(t, c); string(data) != "3probe" {
		t.Fatalf("%q", data)
	}
	if body := <-pending; body != "6" {
		t.Fatalf("pending poll %q", body)
	}
	if code, body := e.get(sid); code != 200 || body != "6" { // polls during the upgrade end at once
		t.Fatalf("%d %q", code, body)
	}
	h.s.Send(Message{Data: []byte("queued during upgrade")})
	writeWS(t, c, "5")
	if _, data := readWS(t, c); string(data) != "4queued during upgrade" {
		t.Fatalf("%q", data)
	}
	if h.s.Transport() != TransportWebSocket {
		t.Fatal("not upgraded")
	}
	// Polling with the sid is refused, a second websocket is closed, the session goes on.
	if code, _ := e.get(sid); code != 400 {
		t.Fatal(code)
	}
	if code, _ := e.post(sid, "4x"); code != 400 {
		t.Fatal(code)
	}
	c2, _, err := websocket.DefaultDialer.Dial(e.wsURL+"?EIO=4&transport=websocket&sid="+sid, nil)
	if err != nil {
		t.Fatal(err)
	}
	expectWSClosed(t, c2)
	writeWS(t, c, "4hello")
	if _, data := readWS(t, c); string(data) != "4hello" {
		t.Fatalf("%q", data)
	}
	h.assertOpen(t)
}

func TestUpgradeTimeout(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.UpgradeTimeout = 100 * time.Millisecond })
	sid, h := e.handshake()
	c, _, err := websocket.DefaultDialer.Dial(e.wsURL+"?EIO=4&transport=websocket&sid="+sid, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	writeWS(t, c, "2probe")
	readWS(t, c)
	start := time.Now()
	expectWSClosed(t, c) // no "5"
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v", d)
	}
	// still a healthy polling session, long-polling again
	h.assertOpen(t)
	if h.s.Transport() != TransportPolling {
		t.Fatal("transport")
	}
	h.s.Send(Message{Data: []byte("x")})
	if code, body := e.get(sid); code != 200 || body != "4x" {
		t.Fatalf("%d %q", code, body)
	}
	// a packet other than probe/upgrade aborts the attempt too
	c3, _, _ := websocket.DefaultDialer.Dial(e.wsURL+"?EIO=4&transport=websocket&sid="+sid, nil)
	writeWS(t, c3, "4nope")
	expectWSClosed(t, c3)
	h.assertOpen(t)
}

func TestSlowClient(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.OutboxSize = 8; c.PingInterval = time.Minute; c.PingTimeout = time.Minute })
	frozen, _, fh := e.dialWS() // never reads again
	_ = frozen
	hw := e.healthy()
	big := make([]byte, 64<<10)
	var err error
	start := time.Now()
	for i := 0; i < 100000 && err == nil; i++ {
		err = fh.s.Send(Message{Binary: true, Data: big})
		if i%64 == 0 {
			if e := hw.h.s.Send(Message{Data: []byte("tick")}); e != nil {
				t.Fatal(e)
			}
			if _, data := readWSSkipPings(t, hw.c); string(data) != "4tick" {
				t.Fatal(string(data))
			}
		}
	}
	if !errors.Is(err, ErrSlowClient) {
		t.Fatalf("send: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("sending to a frozen client blocked")
	}
	if ev := fh.waitClose(t); ev.reason != ReasonSlowClient || !errors.Is(ev.err, ErrSlowClient) {
		t.Fatal(ev)
	}
	hw.check(t)
}

func TestOnCloseOnceUnderRace(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.PingInterval = 20 * time.Millisecond; c.PingTimeout = 20 * time.Millisecond })
	for i := 0; i < 20; i++ {
		c, _, h := e.dialWS()
		var wg sync.WaitGroup
		for j := 0; j < 4; j++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				h.s.Send(Message{Data: []byte("x")})
				h.s.Close(ReasonForcedClose)
			}()
		}
		c.NetConn().Close()
		wg.Wait()
		h.waitClose(t)
		time.Sleep(30 * time.Millisecond)
		if n := h.closes.Load(); n != 1 {
			t.Fatalf("OnClose called %d times", n)
		}
	}
}

func TestNoGoroutineLeak(t *testing.T) {
	base := runtimeGoroutines()
	func() {
		e := newEnv(t, func(c *Config) { c.PingInterval = 30 * time.Millisecond; c.PingTimeout = 30 * time.Millisecond })
		for i := 0; i < 5; i++ {
			c, _, h := e.dialWS()
			writeWS(t, c, "4x")
			h.waitMsg(t)
			sid, ph := e.handshake()
			e.post(sid, "4y")
			ph.waitMsg(t)
		}
		sid, _ := e.handshake()
		u, _, _ := websocket.DefaultDialer.Dial(e.wsURL+"?EIO=4&transport=websocket&sid="+sid, nil)
		writeWS(t, u, "2probe")
		readWS(t, u)
		writeWS(t, u, "5")
		time.Sleep(100 * time.Millisecond) // let pings time out some sessions
		e.srv.Close()
		e.hs.Close()
		e.client.CloseIdleConnections()
		if e.srv.SessionCount() != 0 {
			t.Fatal("sessions left")
		}
	}()
	waitGoroutines(t, base)
}

func TestWriteFailureReason(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{&net.OpError{Op: "write", Err: os.NewSyscallError("write", syscall.EPIPE)}, ReasonTransportClose},
		{&net.OpError{Op: "write", Err: os.NewSyscallError("write", syscall.ECONNRESET)}, ReasonTransportClose},
		{fmt.Errorf("wrapped: %w", net.ErrClosed), ReasonTransportClose},
		{os.ErrDeadlineExceeded, ReasonTransportError},
	}
	for _, c := range cases {
		if got := writeFailureReason(c.err); got != c.want {
			t.Errorf("%v: %q, want %q", c.err, got, c.want)
		}
	}
}

// TestPeerCloseWhileSending: a client's close frame arriving while the server has messages to
// write is "transport close" every time. The reader's close reply makes gorilla refuse later
// writes (websocket.ErrCloseSent); a writer meeting that refusal before the reader has closed
// the session must not report the clean close as "transport error" (seen with the npm client
// closing right after connecting, while the server's welcome event was queued).
func TestPeerCloseWhileSending(t *testing.T) {
	e := newEnv(t, nil)
	for i := range 100 {
		c, _, h := e.dialWS()
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				select {
				case <-stop:
					return
				default:
				}
				if h.s.Send(Message{Data: []byte("welcome")}) != nil {
					return
				}
				time.Sleep(50 * time.Microsecond) // about the writer's pace: no slow-client close
			}
		}()
		readWS(t, c) // the sender is under way
		go func() {  // keep reading, as a client does, so the server's outbox never fills
			for {
				if _, _, err := c.ReadMessage(); err != nil {
					return
				}
			}
		}()
		c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		ev := h.waitClose(t)
		close(stop)
		<-done
		if ev.reason != ReasonTransportClose {
			t.Fatalf("round %d: closed as %q (%v), want %q", i, ev.reason, ev.err, ReasonTransportClose)
		}
	}
}
