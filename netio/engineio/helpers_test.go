package engineio

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

type closeEvent struct {
	reason string
	err    error
}

// testSess records what one session's handler sees.
type testSess struct {
	s      *Session
	msgs   chan Message
	closed chan closeEvent
	closes atomic.Int32
	echo   bool
}

func (h *testSess) OnMessage(m Message) {
	if h.echo {
		h.s.Send(m)
	}
	select {
	case h.msgs <- m:
	default:
	}
}

func (h *testSess) OnClose(reason string, err error) {
	h.closes.Add(1)
	h.closed <- closeEvent{reason, err}
}

type env struct {
	t        *testing.T
	srv      *Server
	hs       *httptest.Server
	url      string // http://host/engine.io/
	wsURL    string
	client   *http.Client
	sessions chan *testSess
}

func testConfig() Config {
	c := DefaultConfig()
	c.PingInterval = 2 * time.Second
	c.PingTimeout = 2 * time.Second
	c.UpgradeTimeout = 2 * time.Second
	return c
}

func newEnv(t *testing.T, mod func(*Config)) *env {
	t.Helper()
	return newEnvConn(t, mod, func(e *env, s *Session) {
		h := &testSess{s: s, msgs: make(chan Message, 1024), closed: make(chan closeEvent, 4), echo: true}
		s.SetHandler(h)
		e.sessions <- h
	})
}

// newEnvConn is newEnv with its own connection handler.
func newEnvConn(t *testing.T, mod func(*Config), onConn func(e *env, s *Session)) *env {
	t.Helper()
	cfg := testConfig()
	if mod != nil {
		mod(&cfg)
	}
	e := &env{t: t, sessions: make(chan *testSess, 64)}
	srv, err := NewServer(&cfg, func(s *Session) { onConn(e, s) })
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	e.hs = httptest.NewServer(srv)
	e.url = e.hs.URL + "/engine.io/"
	e.wsURL = "ws" + strings.TrimPrefix(e.hs.URL, "http") + "/engine.io/"
	e.client = &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}
	t.Cleanup(func() {
		srv.Close()
		e.hs.Close()
		e.client.CloseIdleConnections()
	})
	return e
}

func (e *env) nextSession() *testSess {
	e.t.Helper()
	select {
	case h := <-e.sessions:
		return h
	case <-time.After(5 * time.Second):
		e.t.Fatal("no session")
		return nil
	}
}

func (e *env) do(method, query, body string, hdr map[string]string) (int, string, http.Header) {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.url+"?"+query, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, query, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

// handshake opens a polling session and returns its sid and handler.
func (e *env) handshake() (string, *testSess) {
	e.t.Helper()
	code, body, _ := e.do("GET", "EIO=4&transport=polling", "", nil)
	if code != 200 || !strings.HasPrefix(body, "0") {
		e.t.Fatalf("handshake: %d %q", code, body)
	}
	var open handshakeJSON
	if err := json.Unmarshal([]byte(body[1:]), &open); err != nil {
		e.t.Fatal(err)
	}
	return open.SID, e.nextSession()
}

func (e *env) get(sid string) (int, string) {
	e.t.Helper()
	code, body, _ := e.do("GET", "EIO=4&transport=polling&sid="+sid, "", nil)
	return code, body
}

func (e *env) post(sid, body string) (int, string) {
	e.t.Helper()
	code, resp, _ := e.do("POST", "EIO=4&transport=polling&sid="+sid, body, map[string]string{"Content-Type": "text/plain;charset=UTF-8"})
	return code, resp
}

// dialWS opens a websocket session and consumes its open packet.
func (e *env) dialWS() (*websocket.Conn, string, *testSess) {
	e.t.Helper()
	c, _, err := websocket.DefaultDialer.Dial(e.wsURL+"?EIO=4&transport=websocket", nil)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { c.Close() })
	_, data := readWS(e.t, c)
	if data[0] != '0' {
		e.t.Fatalf("open packet: %q", data)
	}
	var open handshakeJSON
	if err := json.Unmarshal(data[1:], &open); err != nil {
		e.t.Fatal(err)
	}
	return c, open.SID, e.nextSession()
}

// dialWSReadBuffer opens a websocket session whose client socket has a receive buffer of n
// bytes, so that a client that stops reading backs the server's writes up soon; the open
// packet is left unread.
func (e *env) dialWSReadBuffer(n int) (*websocket.Conn, *testSess) {
	e.t.Helper()
	d := websocket.Dialer{NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			conn.(*net.TCPConn).SetReadBuffer(n)
		}
		return conn, err
	}}
	c, _, err := d.Dial(e.wsURL+"?EIO=4&transport=websocket", nil)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { c.Close() })
	return c, e.nextSession()
}

func readWS(t *testing.T, c *websocket.Conn) (int, []byte) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	mt, data, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("read websocket: %v", err)
	}
	return mt, data
}

// readWSSkipPings reads the next non-ping frame, answering pings.
func readWSSkipPings(t *testing.T, c *websocket.Conn) (int, []byte) {
	t.Helper()
	for {
		mt, data := readWS(t, c)
		if mt == websocket.TextMessage && string(data) == "2" {
			c.WriteMessage(websocket.TextMessage, []byte("3"))
			continue
		}
		return mt, data
	}
}

func writeWS(t *testing.T, c *websocket.Conn, s string) {
	t.Helper()
	if err := c.WriteMessage(websocket.TextMessage, []byte(s)); err != nil {
		t.Fatal(err)
	}
}

// expectWSClosed waits until the server ends the websocket.
func expectWSClosed(t *testing.T, c *websocket.Conn) error {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, _, err := c.ReadMessage(); err != nil {
			if ne, ok := err.(interface{ Timeout() bool }); ok && ne.Timeout() {
				t.Fatal("websocket not closed")
			}
			return err
		}
	}
}

func (h *testSess) waitClose(t *testing.T) closeEvent {
	t.Helper()
	select {
	case ev := <-h.closed:
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("session not closed")
		return closeEvent{}
	}
}

func (h *testSess) waitMsg(t *testing.T) Message {
	t.Helper()
	select {
	case m := <-h.msgs:
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("no message")
		return Message{}
	}
}

func (h *testSess) assertOpen(t *testing.T) {
	t.Helper()
	select {
	case ev := <-h.closed:
		t.Fatalf("healthy session closed: %v %v", ev.reason, ev.err)
	case <-h.s.Done():
		t.Fatal("healthy session done")
	default:
	}
}

// healthyWS is a websocket session that must keep working while another one fails.
type healthyWS struct {
	c *websocket.Conn
	h *testSess
}

func (e *env) healthy() *healthyWS {
	c, _, h := e.dialWS()
	return &healthyWS{c, h}
}

func (hw *healthyWS) check(t *testing.T) {
	t.Helper()
	hw.h.assertOpen(t)
	writeWS(t, hw.c, "4still-alive")
	if m := hw.h.waitMsg(t); string(m.Data) != "still-alive" {
		t.Fatalf("healthy got %q", m.Data)
	}
	if _, data := readWSSkipPings(t, hw.c); string(data) != "4still-alive" {
		t.Fatalf("healthy echo %q", data)
	}
}

// waitGoroutines waits until the goroutine count drops to base.
func waitGoroutines(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			n := runtime.Stack(buf, true)
			t.Fatalf("goroutines: %d > baseline %d\n%s", runtime.NumGoroutine(), base, buf[:n])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timeout waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func runtimeGoroutines() int { return runtime.NumGoroutine() }

func newHTTPTestServer(t *testing.T, srv *Server) string {
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { srv.Close(); hs.Close() })
	return "ws" + strings.TrimPrefix(hs.URL, "http") + "/engine.io/"
}
