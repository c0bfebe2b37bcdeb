package engineio

import (
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestTrafficCounts: bytes both ways and the open sessions by transport, an upgrade moving
// a session from polling to websocket, and the closes by reason.
func TestTrafficCounts(t *testing.T) {
	e := newEnv(t, nil)
	sid, ph := e.handshake()
	st := e.srv.Stats()
	if st.Open != (ByTransport{Polling: 1}) {
		t.Fatalf("open after a polling handshake: %+v", st.Open)
	}
	handshakeBytes := st.BytesSent.Polling
	if handshakeBytes == 0 || st.BytesSent.WebSocket != 0 {
		t.Fatalf("the open packet not counted: %+v", st.BytesSent)
	}
	if code, _ := e.post(sid, "4hello"); code != 200 { // 6 bytes in; the echo goes out on the next GET
		t.Fatalf("post %d", code)
	}
	ph.waitMsg(t)
	if code, body := e.get(sid); code != 200 || body != "4hello" {
		t.Fatalf("get %d %q", code, body)
	}
	st = e.srv.Stats()
	if st.BytesReceived.Polling != 6 || st.BytesSent.Polling != handshakeBytes+6 {
		t.Fatalf("polling bytes: in %d, out %d (handshake %d)", st.BytesReceived.Polling, st.BytesSent.Polling, handshakeBytes)
	}

	// Upgrade the polling session: it moves to the websocket count.
	c, _, err := websocket.DefaultDialer.Dial(e.wsURL+"?EIO=4&transport=websocket&sid="+sid, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	writeWS(t, c, "2probe")
	if _, data := readWS(t, c); string(data) != "3probe" {
		t.Fatalf("probe answer %q", data)
	}
	writeWS(t, c, "5")
	waitFor(t, "the upgrade", func() bool { return e.srv.Stats().Open == ByTransport{WebSocket: 1} })

	ws, _, wh := e.dialWS()
	if got := e.srv.Stats().Open; got != (ByTransport{WebSocket: 2}) {
		t.Fatalf("open with two websockets: %+v", got)
	}
	before := e.srv.Stats()
	writeWS(t, ws, "4abc") // 4 bytes in, echoed: 4 bytes out
	if _, data := readWSSkipPings(t, ws); string(data) != "4abc" {
		t.Fatalf("echo %q", data)
	}
	if err := wh.s.Send(Message{Binary: true, Data: []byte{1, 2, 3}}); err != nil { // 3 bytes out
		t.Fatal(err)
	}
	readWSSkipPings(t, ws)
	after := e.srv.Stats()
	if in := after.BytesReceived.WebSocket - before.BytesReceived.WebSocket; in != 4 {
		t.Fatalf("websocket bytes in: %d, want 4", in)
	}
	if out := after.BytesSent.WebSocket - before.BytesSent.WebSocket; out < 7 {
		t.Fatalf("websocket bytes out: %d, want at least 7", out)
	}

	wh.s.Close("a handler's own reason")
	ws.Close()
	ph.s.Close(ReasonForcedClose)
	wh.waitClose(t)
	ph.waitClose(t)
	waitFor(t, "both closed", func() bool { return e.srv.Stats().Open == ByTransport{} })
	closes := e.srv.Stats().Closes
	if closes[ReasonOther] != 1 || closes[ReasonForcedClose] != 1 {
		t.Fatalf("closes %v", closes)
	}
	for _, r := range closeReasons {
		if _, ok := closes[r]; !ok {
			t.Fatalf("reason %q missing from %v", r, closes)
		}
	}
}

// TestTrafficLatest: a latest-wins group replaced before the writer takes it counts as
// replaced; one its valid func refuses counts as stale.
func TestTrafficLatest(t *testing.T) {
	e := newEnv(t, nil)
	sid, h := e.handshake()
	h.s.SendLatest([]Message{{Data: []byte("old")}}, nil, nil)
	h.s.SendLatest([]Message{{Data: []byte("new")}}, nil, nil)
	if code, body := e.get(sid); code != 200 || body != "4new" {
		t.Fatalf("%d %q", code, body)
	}
	h.s.SendLatest([]Message{{Data: []byte("stale")}}, func() bool { return false }, nil)
	h.s.Send(Message{Data: []byte("event")})
	if code, body := e.get(sid); code != 200 || body != "4event" {
		t.Fatalf("%d %q", code, body)
	}
	st := e.srv.Stats()
	if st.LatestReplaced != 1 || st.LatestStale != 1 {
		t.Fatalf("replaced %d, stale %d; want 1 and 1", st.LatestReplaced, st.LatestStale)
	}
}

// TestRTT: the round trip from a ping to its pong, measured by the heartbeat.
func TestRTT(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.PingInterval = 50 * time.Millisecond })
	c, _, h := e.dialWS()
	if h.s.RTT() != 0 {
		t.Fatal("an RTT before any ping")
	}
	_, data := readWS(t, c)
	if string(data) != "2" {
		t.Fatalf("want a ping, got %q", data)
	}
	time.Sleep(30 * time.Millisecond) // the client takes its time to answer
	writeWS(t, c, "3")
	waitFor(t, "an RTT", func() bool { return h.s.RTT() != 0 })
	if rtt := h.s.RTT(); rtt < 30*time.Millisecond || rtt > 5*time.Second {
		t.Fatalf("rtt %v, want about 30ms", rtt)
	}
}
