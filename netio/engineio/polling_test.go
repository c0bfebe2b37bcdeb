package engineio

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestPollingMessages(t *testing.T) {
	e := newEnv(t, nil)
	sid, h := e.handshake()
	if code, body := e.post(sid, "4hello\x1ebAQIDBA=="); code != 200 || body != "ok" {
		t.Fatalf("post %d %q", code, body)
	}
	if m := h.waitMsg(t); m.Binary || string(m.Data) != "hello" {
		t.Fatalf("%+v", m)
	}
	if m := h.waitMsg(t); !m.Binary || string(m.Data) != "\x01\x02\x03\x04" {
		t.Fatalf("%+v", m)
	}
	// the echo handler sent both back
	if code, body := e.get(sid); code != 200 || body != "4hello\x1ebAQIDBA==" {
		t.Fatalf("get %d %q", code, body)
	}
	// A pending GET is answered when something is sent.
	got := make(chan string, 1)
	go func() { _, body := e.get(sid); got <- body }()
	waitFor(t, "pending poll", func() bool { h.s.mu.Lock(); defer h.s.mu.Unlock(); return h.s.pollActive })
	if err := h.s.Send(Message{Data: []byte("a")}, Message{Binary: true, Data: []byte{0xff}}); err != nil {
		t.Fatal(err)
	}
	if body := <-got; body != "4a\x1eb/w==" {
		t.Fatalf("long poll %q", body)
	}
}

func TestPollingHeaders(t *testing.T) {
	e := newEnv(t, nil)
	sid, _ := e.handshake()
	code, body, hdr := e.do("POST", "EIO=4&transport=polling&sid="+sid, "4x", nil)
	if code != 200 || body != "ok" || hdr.Get("Content-Type") != "text/html" || hdr.Get("Cache-Control") != "no-store" {
		t.Fatalf("%d %q %v", code, body, hdr)
	}
}

func TestSendVolatileAndAtomic(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.OutboxSize = 4 })
	sid, h := e.handshake()
	if h.s.SendVolatile(Message{Data: []byte("v")}) {
		t.Fatal("volatile queued without a pending poll")
	}
	got := make(chan string, 1)
	go func() { _, body := e.get(sid); got <- body }()
	waitFor(t, "pending poll", func() bool { h.s.mu.Lock(); defer h.s.mu.Unlock(); return h.s.pollActive })
	if !h.s.SendVolatile(Message{Data: []byte("v")}) {
		t.Fatal("volatile refused with a pending poll")
	}
	if body := <-got; body != "4v" {
		t.Fatal(body)
	}
	if err := h.s.Send(Message{Data: []byte("1")}, Message{Data: []byte("2")}, Message{Data: []byte("3")}); err != nil {
		t.Fatal(err)
	}
	// 3 + 2 > 4: nothing of this batch is queued and the session is closed as slow.
	if err := h.s.Send(Message{Data: []byte("4")}, Message{Data: []byte("5")}); !errors.Is(err, ErrSlowClient) {
		t.Fatal(err)
	}
	if ev := h.waitClose(t); ev.reason != ReasonSlowClient {
		t.Fatal(ev)
	}
	if err := h.s.Send(Message{Data: []byte("x")}); !errors.Is(err, ErrClosed) {
		t.Fatal(err)
	}
}

func TestPollingDuplicateGet(t *testing.T) {
	e := newEnv(t, nil)
	hw := e.healthy()
	sid, h := e.handshake()
	first := make(chan string, 1)
	go func() { _, body := e.get(sid); first <- body }()
	waitFor(t, "pending poll", func() bool { h.s.mu.Lock(); defer h.s.mu.Unlock(); return h.s.pollActive })
	if code, _ := e.get(sid); code != 400 {
		t.Fatalf("second GET %d", code)
	}
	if body := <-first; body != "1" {
		t.Fatalf("first GET %q", body)
	}
	if ev := h.waitClose(t); ev.reason != ReasonTransportError {
		t.Fatal(ev)
	}
	if code, _ := e.get(sid); code != 400 {
		t.Fatalf("GET after close %d", code)
	}
	hw.check(t)
}

func TestPollingOversizePost(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxHTTPBufferSize = 100 })
	hw := e.healthy()
	sid, h := e.handshake()
	if code, _ := e.post(sid, "4"+strings.Repeat("x", 100)); code != 413 {
		t.Fatalf("oversize POST %d", code)
	}
	if ev := h.waitClose(t); ev.reason != ReasonTransportError {
		t.Fatal(ev)
	}
	if code, _ := e.get(sid); code != 400 {
		t.Fatal(code)
	}
	// exactly the limit is fine
	sid2, h2 := e.handshake()
	if code, _ := e.post(sid2, "4"+strings.Repeat("x", 99)); code != 200 {
		t.Fatal(code)
	}
	h2.waitMsg(t)
	hw.check(t)
}

func TestPollingBadPackets(t *testing.T) {
	e := newEnv(t, nil)
	hw := e.healthy()
	for _, c := range []struct{ body, reason string }{
		{"abc", ReasonParseError},
		{"4ok\x1e7", ReasonParseError},
		{"2", ReasonTransportError}, // a client ping is a protocol error in v4
	} {
		sid, h := e.handshake()
		if code, _ := e.post(sid, c.body); code != 400 {
			t.Errorf("%q: %d", c.body, code)
		}
		if ev := h.waitClose(t); ev.reason != c.reason {
			t.Errorf("%q: %v", c.body, ev)
		}
		if code, _ := e.get(sid); code != 400 {
			t.Errorf("%q: GET after %d", c.body, code)
		}
	}
	// binary body
	sid, h := e.handshake()
	code, _, _ := e.do("POST", "EIO=4&transport=polling&sid="+sid, "4x", map[string]string{"Content-Type": "application/octet-stream"})
	if code != 400 {
		t.Fatal(code)
	}
	if ev := h.waitClose(t); ev.reason != ReasonTransportError {
		t.Fatal(ev)
	}
	hw.check(t)
}

func TestPollingCloseFromClient(t *testing.T) {
	e := newEnv(t, nil)
	sid, h := e.handshake()
	pending := make(chan string, 1)
	go func() { _, body := e.get(sid); pending <- body }()
	waitFor(t, "pending poll", func() bool { h.s.mu.Lock(); defer h.s.mu.Unlock(); return h.s.pollActive })
	if code, body := e.post(sid, "1"); code != 200 || body != "ok" {
		t.Fatalf("%d %q", code, body)
	}
	if body := <-pending; body != "6" {
		t.Fatalf("pending %q", body)
	}
	if ev := h.waitClose(t); ev.reason != ReasonTransportClose || ev.err != nil {
		t.Fatal(ev)
	}
	if code, _ := e.get(sid); code != 400 {
		t.Fatal(code)
	}
}

func TestPollingCloseFromServer(t *testing.T) {
	e := newEnv(t, nil)
	// with a pending GET: it gets the close packet
	sid, h := e.handshake()
	pending := make(chan string, 1)
	go func() { _, body := e.get(sid); pending <- body }()
	waitFor(t, "pending poll", func() bool { h.s.mu.Lock(); defer h.s.mu.Unlock(); return h.s.pollActive })
	h.s.Close(ReasonForcedClose)
	if body := <-pending; body != "1" {
		t.Fatalf("pending %q", body)
	}
	if ev := h.waitClose(t); ev.reason != ReasonForcedClose {
		t.Fatal(ev)
	}
	// without: queued messages go out in the next GET, the close packet in the one after
	// (in one payload the client would see the close before the messages)
	sid, h = e.handshake()
	h.s.Send(Message{Data: []byte("bye")})
	h.s.Close("custom reason")
	if ev := h.waitClose(t); ev.reason != "custom reason" {
		t.Fatal(ev)
	}
	if code, body := e.get(sid); code != 200 || body != "4bye" {
		t.Fatalf("%d %q", code, body)
	}
	if code, body := e.get(sid); code != 200 || body != "1" {
		t.Fatalf("%d %q", code, body)
	}
	if code, _ := e.get(sid); code != 400 || e.srv.SessionCount() != 0 {
		t.Fatal(code, e.srv.SessionCount())
	}
}

func TestPollingHeartbeat(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.PingInterval = 50 * time.Millisecond; c.PingTimeout = 100 * time.Millisecond })
	sid, h := e.handshake()
	for i := 0; i < 3; i++ {
		if code, body := e.get(sid); code != 200 || body != "2" {
			t.Fatalf("ping %d: %d %q", i, code, body)
		}
		if code, _ := e.post(sid, "3"); code != 200 {
			t.Fatal(code)
		}
	}
	if code, body := e.get(sid); body != "2" {
		t.Fatal(code, body)
	}
	start := time.Now()
	if ev := h.waitClose(t); ev.reason != ReasonPingTimeout || !errors.Is(ev.err, ErrPingTimeout) {
		t.Fatal(ev)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("ping timeout took %v", d)
	}
	if code, _ := e.get(sid); code != 400 {
		t.Fatal(code)
	}
}

// A session that never polls again still ends at pingInterval+pingTimeout.
func TestPingTimeoutWithoutPoll(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.PingInterval = 50 * time.Millisecond; c.PingTimeout = 50 * time.Millisecond })
	start := time.Now()
	sid, h := e.handshake()
	if ev := h.waitClose(t); ev.reason != ReasonPingTimeout {
		t.Fatal(ev)
	}
	if d := time.Since(start); d < 100*time.Millisecond || d > time.Second {
		t.Fatalf("closed after %v", d)
	}
	if code, _ := e.get(sid); code != 400 {
		t.Fatal(code)
	}
}

// A GET that crosses the client's close (sent before it, arriving after) gets a noop, not
// "unknown sid"; the next one gets 400.
func TestPollingGetCrossingClientClose(t *testing.T) {
	e := newEnv(t, nil)
	sid, h := e.handshake()
	if code, _ := e.post(sid, "1"); code != 200 {
		t.Fatal(code)
	}
	if ev := h.waitClose(t); ev.reason != ReasonTransportClose {
		t.Fatal(ev)
	}
	if code, body := e.get(sid); code != 200 || body != "6" {
		t.Fatalf("crossing GET: %d %q", code, body)
	}
	if code, _ := e.get(sid); code != 400 || e.srv.SessionCount() != 0 {
		t.Fatal(code, e.srv.SessionCount())
	}
}
