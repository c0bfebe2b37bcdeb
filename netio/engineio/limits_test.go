package engineio

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// rawStatus sends one hand-written request and returns the status line's code and the body.
func rawStatus(t *testing.T, addr, request string) (int, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte(request)); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	return res.StatusCode, readAll(res)
}

func readAll(res *http.Response) string {
	var b strings.Builder
	buf := make([]byte, 512)
	for {
		n, err := res.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}

func pollingHandshake(xff string) string {
	h := ""
	if xff != "" {
		h = "X-Forwarded-For: " + xff + "\r\n"
	}
	return "GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n" + h + "\r\n"
}

func wsHandshake(extra string) string {
	return "GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" + extra + "\r\n"
}

func wantRefusal(t *testing.T, what string, status int, body string, wantStatus int, wantMsg string) {
	t.Helper()
	var e RequestError
	if status != wantStatus || json.Unmarshal([]byte(body), &e) != nil || e.Message != wantMsg {
		t.Fatalf("%s: %d %q, want %d with message %q", what, status, body, wantStatus, wantMsg)
	}
}

func TestMaxConnsPerIP(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.MaxConnsPerIP = 3
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})
	addr := e.hs.Listener.Addr().String()
	hw := e.healthy() // loopback, no header: exempt
	var held []*testSess
	for i := 0; i < 3; i++ {
		code, body := rawStatus(t, addr, pollingHandshake("203.0.113.7"))
		if code != 200 || !strings.HasPrefix(body, "0{") {
			t.Fatalf("handshake %d: %d %q", i, code, body)
		}
		held = append(held, e.nextSession())
	}
	code, body := rawStatus(t, addr, pollingHandshake("6.6.6.6, 203.0.113.7"))
	wantRefusal(t, "4th polling handshake", code, body, 429, "Too many connections from this address")
	code, body = rawStatus(t, addr, wsHandshake("X-Forwarded-For: 203.0.113.7\r\n"))
	wantRefusal(t, "4th websocket handshake", code, body, 429, "Too many connections from this address")
	if code, _ := rawStatus(t, addr, pollingHandshake("203.0.113.8")); code != 200 {
		t.Fatalf("a second address: %d", code)
	}
	e.nextSession()
	if got := held[0].s.ClientAddr(); got != netip.MustParseAddr("203.0.113.7") {
		t.Fatalf("ClientAddr %v", got)
	}
	// A closed session's slot is free at once.
	held[0].s.Close("done")
	if code, _ := rawStatus(t, addr, pollingHandshake("203.0.113.7")); code != 200 {
		t.Fatalf("after a close: %d", code)
	}
	e.nextSession()
	st := e.srv.Stats()
	if st.RefusedPerIP != 2 || st.RefusedNodeCap != 0 || st.Conns != 5 {
		t.Fatalf("stats %+v, want 2 per-IP refusals and 5 sessions", st)
	}
	hw.check(t)
}

func TestMaxConnsPerIPLoopback(t *testing.T) {
	exempt := newEnv(t, func(c *Config) { c.MaxConnsPerIP = 2 })
	for i := 0; i < 4; i++ {
		exempt.handshake()
	}
	limited := newEnv(t, func(c *Config) { c.MaxConnsPerIP = 2; c.LimitLoopback = true })
	limited.handshake()
	limited.dialWS()
	code, body, _ := limited.do("GET", "EIO=4&transport=polling", "", nil)
	wantRefusal(t, "3rd loopback handshake", code, body, 429, "Too many connections from this address")
	off := newEnv(t, func(c *Config) { c.MaxConnsPerIP = -1; c.LimitLoopback = true })
	for i := 0; i < 4; i++ {
		off.handshake()
	}
}

func TestMaxConns(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxConns = 2 })
	addr := e.hs.Listener.Addr().String()
	hw := e.healthy()
	sid, h := e.handshake()
	code, body := rawStatus(t, addr, pollingHandshake(""))
	wantRefusal(t, "3rd polling handshake", code, body, 503, "Server is full")
	code, body = rawStatus(t, addr, wsHandshake(""))
	wantRefusal(t, "3rd websocket handshake", code, body, 503, "Server is full")
	if n := e.srv.SessionCount(); n != 2 {
		t.Fatalf("%d sessions after refusals, want 2: a refusal allocates none", n)
	}
	// An upgrade is the same session: it takes no slot.
	c, _, err := websocket.DefaultDialer.Dial(e.wsURL+"?EIO=4&transport=websocket&sid="+sid, nil)
	if err != nil {
		t.Fatalf("upgrade at the cap: %v", err)
	}
	c.Close()
	// The polling session ends when its client says so; its slot comes back.
	e.post(sid, "1")
	h.waitClose(t)
	if code, _ := rawStatus(t, addr, pollingHandshake("")); code != 200 {
		t.Fatalf("after a close: %d", code)
	}
	if st := e.srv.Stats(); st.RefusedNodeCap != 2 {
		t.Fatalf("stats %+v", st)
	}
	hw.check(t)
}

func TestOrigins(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Origins = []string{"https://good.example/"} })
	addr := e.hs.Listener.Addr().String()
	hw := e.healthy() // no Origin header: a bot
	forbidden := func(what string, code int, body string) {
		t.Helper()
		if code != 403 || body != `{"code":4,"message":"Forbidden"}` {
			t.Fatalf("%s: %d %q", what, code, body)
		}
	}
	code, body := rawStatus(t, addr, "GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example\r\n\r\n")
	forbidden("polling handshake", code, body)
	code, body = rawStatus(t, addr, wsHandshake("Origin: https://evil.example\r\n"))
	forbidden("websocket handshake", code, body)
	code, body = rawStatus(t, addr, "OPTIONS /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nOrigin: null\r\n\r\n")
	forbidden("preflight", code, body)
	// A session opened without an Origin cannot be driven from a foreign page either.
	sid, _ := e.handshake()
	code, body = rawStatus(t, addr, "GET /engine.io/?EIO=4&transport=polling&sid="+sid+" HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example\r\n\r\n")
	forbidden("poll of a session", code, body)
	code, body = rawStatus(t, addr, strings.Replace(wsHandshake("Origin: https://evil.example\r\n"), "transport=websocket", "transport=websocket&sid="+sid, 1))
	forbidden("upgrade of a session", code, body)
	if n := e.srv.SessionCount(); n != 2 {
		t.Fatalf("%d sessions, want the healthy one and the polling one", n)
	}
	// The allowed origin connects, with CORS headers for it.
	_, _, hdr := e.do("GET", "EIO=4&transport=polling", "", map[string]string{"Origin": "https://good.example"})
	if hdr.Get("Access-Control-Allow-Origin") != "https://good.example" {
		t.Fatalf("CORS headers %v", hdr)
	}
	e.nextSession()
	c, _, err := websocket.DefaultDialer.Dial(e.wsURL+"?EIO=4&transport=websocket", http.Header{"Origin": {"https://good.example"}})
	if err != nil {
		t.Fatalf("allowed origin over websocket: %v", err)
	}
	c.Close()
	if st := e.srv.Stats(); st.RefusedOrigin != 5 {
		t.Fatalf("stats %+v", st)
	}
	hw.check(t)
}

func TestOriginsValidate(t *testing.T) {
	for _, bad := range []string{"good.example", ""} {
		c := DefaultConfig()
		c.Origins = []string{bad}
		if c.Validate() == nil {
			t.Errorf("origin %q accepted", bad)
		}
	}
	c := DefaultConfig()
	c.Origins = []string{"*", "null", "http://localhost:8080"}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

// TestOutboxBytes: a polling client that never polls while the server sends 58 KB messages
// is closed as a slow client once 4 MB are queued, long before OutboxSize packets.
func TestOutboxBytes(t *testing.T) {
	e := newEnv(t, nil)
	_, h := e.handshake()
	msg := Message{Binary: true, Data: make([]byte, 58<<10)}
	sent := 0
	var err error
	for ; sent < 1000; sent++ {
		if err = h.s.Send(msg); err != nil {
			break
		}
	}
	if err != ErrSlowClient || sent != DefaultMaxOutboxBytes/len(msg.Data) {
		t.Fatalf("%d messages queued, then %v; want %d, then ErrSlowClient", sent, err, DefaultMaxOutboxBytes/len(msg.Data))
	}
	if ev := h.waitClose(t); ev.reason != ReasonSlowClient {
		t.Fatalf("closed with %q", ev.reason)
	}
	if st := e.srv.Stats(); st.SlowClients != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// TestOutboxBytesLatest: the latest-wins slot counts its bytes with the outbox's.
func TestOutboxBytesLatest(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxOutboxBytes = 1000 })
	_, h := e.handshake()
	if err := h.s.Send(Message{Data: make([]byte, 600)}); err != nil {
		t.Fatal(err)
	}
	// Replacing the slot does not add up: each of these fits beside the 600 queued.
	for i := 0; i < 5; i++ {
		if err := h.s.SendLatest([]Message{{Data: make([]byte, 300)}}, nil, nil); err != nil {
			t.Fatalf("state %d: %v", i, err)
		}
	}
	if err := h.s.Send(Message{Data: make([]byte, 200)}); err != ErrSlowClient {
		t.Fatalf("600 queued + 300 in the slot + 200: %v, want ErrSlowClient", err)
	}
	_, h = e.handshake()
	h.s.Send(Message{Data: make([]byte, 600)})
	if err := h.s.SendLatest([]Message{{Data: make([]byte, 500)}}, nil, nil); err != ErrSlowClient {
		t.Fatalf("a state past the bound: %v", err)
	}
	off := newEnv(t, func(c *Config) { c.MaxOutboxBytes = -1 })
	_, h = off.handshake()
	for i := 0; i < 100; i++ {
		if err := h.s.Send(Message{Data: make([]byte, 64<<10)}); err != nil {
			t.Fatalf("bound off, message %d: %v", i, err)
		}
	}
}

// TestOutboxBytesWebSocket: bytes a writer has taken still count until written, so a
// client that does not read cannot make the server hold a second outbox behind the first.
func TestOutboxBytesWebSocket(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.MaxOutboxBytes = 256 << 10
		c.WebSocketSendBuffer = 4096
	})
	_, h := e.dialWSReadBuffer(4096)
	msg := Message{Binary: true, Data: make([]byte, 16<<10)}
	var sent int
	for sent = 0; sent < 200; sent++ {
		if h.s.Send(msg) != nil {
			break
		}
		time.Sleep(time.Millisecond) // let the writer take what is queued
	}
	// 256 KB in the server plus what the kernel buffers hold (small here) and the one the
	// writer is in the middle of.
	if sent == 200 || sent*len(msg.Data) > 256<<10+256<<10 {
		t.Fatalf("%d messages of 16 KB accepted before the close", sent)
	}
	if ev := h.waitClose(t); ev.reason != ReasonSlowClient {
		t.Fatalf("closed with %q", ev.reason)
	}
}

// TestPostTrickle: a POST body sent a byte at a time, slower than PostTimeout allows, is
// refused with 408 and its session closed; a prompt POST on another session is not.
func TestPostTrickle(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.PostTimeout = 300 * time.Millisecond })
	addr := e.hs.Listener.Addr().String()
	hw := e.healthy()
	sid, h := e.handshake()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	body := "4hello"
	fmt.Fprintf(c, "POST /engine.io/?EIO=4&transport=polling&sid=%s HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n", sid, len(body))
	start := time.Now()
	go func() {
		for i := 0; i < len(body); i++ {
			if _, err := c.Write([]byte{body[i]}); err != nil {
				return
			}
			time.Sleep(150 * time.Millisecond)
		}
	}()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestTimeout {
		t.Fatalf("trickled POST: %d", res.StatusCode)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("refused after %v", d)
	}
	ev := h.waitClose(t)
	if ev.reason != ReasonTransportError || !strings.Contains(fmt.Sprint(ev.err), ErrPostTimeout.Error()) {
		t.Fatalf("closed with %q %v", ev.reason, ev.err)
	}
	if st := e.srv.Stats(); st.PostTimeouts != 1 {
		t.Fatalf("stats %+v", st)
	}
	// A stalled body (nothing after the headers) is refused the same way.
	sid2, h2 := e.handshake()
	c2, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	fmt.Fprintf(c2, "POST /engine.io/?EIO=4&transport=polling&sid=%s HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n4h", sid2)
	c2.SetReadDeadline(time.Now().Add(5 * time.Second))
	if res, err := http.ReadResponse(bufio.NewReader(c2), nil); err != nil || res.StatusCode != http.StatusRequestTimeout {
		t.Fatalf("stalled POST: %v %v", res, err)
	}
	h2.waitClose(t)
	// A prompt one goes through.
	sid3, h3 := e.handshake()
	if code, resp := e.post(sid3, "4prompt"); code != 200 || resp != "ok" {
		t.Fatalf("prompt POST: %d %q", code, resp)
	}
	if m := h3.waitMsg(t); string(m.Data) != "prompt" {
		t.Fatalf("got %q", m.Data)
	}
	hw.check(t)
}

// TestRequestKeptBounded: a session keeps a bounded copy of its handshake request; a huge
// header is left out, small ones are kept whole.
func TestRequestKeptBounded(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.RequestKeepBytes = 1024 })
	huge := strings.Repeat("x", 32<<10)
	e.do("GET", "EIO=4&transport=polling&custom=1", "", map[string]string{"X-Huge": huge, "User-Agent": "bot/1", "X-Small": "yes"})
	h := e.nextSession()
	r := h.s.Request()
	if r.Header.Get("X-Huge") != "" || r.Header.Get("User-Agent") != "bot/1" || r.Header.Get("X-Small") != "yes" {
		t.Fatalf("kept headers %v", r.Header)
	}
	if r.URL.Query().Get("custom") != "1" || r.Method != "GET" || r.URL.Path != "/engine.io/" {
		t.Fatalf("kept request %s %s", r.Method, r.URL)
	}
	n := len(r.Host) + len(r.URL.Path) + len(r.URL.RawQuery)
	for k, vs := range r.Header {
		n += len(k)
		for _, v := range vs {
			n += len(v)
		}
	}
	if n > 1024 {
		t.Fatalf("kept %d bytes, bound 1024", n)
	}
	all := newEnv(t, func(c *Config) { c.RequestKeepBytes = -1 })
	all.do("GET", "EIO=4&transport=polling", "", map[string]string{"X-Huge": huge})
	if all.nextSession().s.Request().Header.Get("X-Huge") != huge {
		t.Fatal("bound off: header not kept")
	}
}
