package hostile

import (
	"strings"
	"testing"
	"time"

	"github.com/tickroom/tickroom/netio/socketio"
)

// longHeartbeat keeps idle attacker sessions alive for the length of a test.
func longHeartbeat(c *socketio.Config) {
	c.Engine.PingInterval = 20 * time.Second
	c.Engine.PingTimeout = 10 * time.Second
}

const (
	tooMany = `{"code":3,"message":"Too many connections from this address"}`
	full    = `{"code":3,"message":"Server is full"}`
)

// TestPerIPCap: one address behind the trusted proxy opens 256 sessions; the 257th, on
// either transport, is 429 and costs the server nothing; other addresses and local clients
// are unaffected; a closed session gives its slot back.
func TestPerIPCap(t *testing.T) {
	tg := start(t, longHeartbeat, nil)
	by := newBystanders(t, tg) // loopback, no X-Forwarded-For: exempt
	const from = "X-Forwarded-For: 203.0.113.7\r\n"
	var sids []string
	for i := 0; i < 256; i++ {
		code, _, body := rawRequest(t, tg.addr, pollingHandshake(from))
		if code != 200 {
			t.Fatalf("handshake %d: %d %q", i+1, code, body)
		}
		sids = append(sids, sidOf(t, body))
	}
	sessions := tg.srv.Engine().SessionCount()
	before := liveHeap()
	for i := 0; i < 300; i++ {
		code, _, body := rawRequest(t, tg.addr, pollingHandshake(from))
		wantJSONRefusal(t, "polling handshake over the cap", code, body, 429, tooMany)
	}
	code, _, body := rawRequest(t, tg.addr, wsHandshake(from))
	wantJSONRefusal(t, "websocket handshake over the cap", code, body, 429, tooMany)
	// Entries the client wrote itself, left of what the proxy appended, change nothing.
	code, _, body = rawRequest(t, tg.addr, pollingHandshake("X-Forwarded-For: 198.51.100.1, 203.0.113.7\r\n"))
	wantJSONRefusal(t, "forged X-Forwarded-For", code, body, 429, tooMany)
	after := liveHeap()
	if n := tg.srv.Engine().SessionCount(); n != sessions {
		t.Fatalf("%d sessions after the refusals, %d before: a refused handshake allocated one", n, sessions)
	}
	if grew := int64(after) - int64(before); grew > 1<<20 {
		t.Fatalf("302 refused handshakes grew the heap by %s", mb(grew))
	}
	if code, _, body := rawRequest(t, tg.addr, pollingHandshake("X-Forwarded-For: 203.0.113.8\r\n")); code != 200 {
		t.Fatalf("another address: %d %q", code, body)
	}
	// The attacker closes one of its sessions: its slot is free at once.
	req := "POST /socket.io/?EIO=4&transport=polling&sid=" + sids[0] + " HTTP/1.1\r\nHost: game.example\r\n" +
		from + "Content-Type: text/plain\r\nContent-Length: 1\r\n\r\n1"
	if code, _, body := rawRequest(t, tg.addr, req); code != 200 || body != "ok" {
		t.Fatalf("close packet: %d %q", code, body)
	}
	if code, _, body := rawRequest(t, tg.addr, pollingHandshake(from)); code != 200 {
		t.Fatalf("after a close: %d %q", code, body)
	}
	st := tg.srv.Stats().Engine
	if st.RefusedPerIP != 302 || st.RefusedNodeCap != 0 {
		t.Fatalf("stats %+v, want 302 per-address refusals", st)
	}
	if n := tg.logs.count("too many connections from one address"); n != 1 {
		t.Fatalf("%d log lines for 302 refusals, want 1 (one per 10 s)", n)
	}
	by.check(t)
}

// TestNodeCap: with a small MaxConns, the next handshake of any address is 503, refused
// before a session exists; closing a session lets the next one in.
func TestNodeCap(t *testing.T) {
	tg := start(t, func(c *socketio.Config) {
		longHeartbeat(c)
		c.Engine.MaxConns = 40
	}, nil)
	by := newBystanders(t, tg)
	var conns []*rawWS
	for i := 0; i < 38; i++ {
		conns = append(conns, dialWS(t, tg.addr, 0))
	}
	for _, extra := range []string{"", "X-Forwarded-For: 198.51.100.1\r\n"} {
		code, _, body := rawRequest(t, tg.addr, pollingHandshake(extra))
		wantJSONRefusal(t, "polling handshake at the cap", code, body, 503, full)
		code, _, body = rawRequest(t, tg.addr, wsHandshake(extra))
		wantJSONRefusal(t, "websocket handshake at the cap", code, body, 503, full)
	}
	if n := tg.srv.Engine().SessionCount(); n != 40 {
		t.Fatalf("%d sessions, want 40", n)
	}
	conns[0].c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for tg.srv.Stats().Engine.Conns != 39 {
		if time.Now().After(deadline) {
			t.Fatalf("the closed session's slot was not freed: %+v", tg.srv.Stats().Engine)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if code, _, body := rawRequest(t, tg.addr, pollingHandshake()); code != 200 || !strings.HasPrefix(body, "0{") {
		t.Fatalf("after a close: %d %q", code, body)
	}
	if st := tg.srv.Stats().Engine; st.RefusedNodeCap != 4 || st.RefusedPerIP != 0 {
		t.Fatalf("stats %+v", st)
	}
	if n := tg.logs.count("server full"); n != 1 {
		t.Fatalf("%d log lines for 4 refusals, want 1", n)
	}
	by.check(t)
}
