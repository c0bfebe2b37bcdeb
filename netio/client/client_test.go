package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/tickroom/tickroom/netio/engineio"
	"github.com/tickroom/tickroom/netio/sioparser"
)

func TestOptionsValidate(t *testing.T) {
	o := DefaultOptions()
	if err := o.Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	bad := []func(*Options){
		func(o *Options) { o.Path = "socket.io" },
		func(o *Options) { o.QueueSize = 0 },
		func(o *Options) { o.ReconnectionDelayMax = o.ReconnectionDelay / 2 },
		func(o *Options) { o.RandomizationFactor = 2 },
		func(o *Options) { o.Parser = 9 },
	}
	for i, f := range bad {
		o := DefaultOptions()
		f(&o)
		if err := o.Validate(); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("case %d: %v", i, err)
		}
	}
	if _, err := NewManager("ftp://x", nil); err == nil {
		t.Error("ftp URL accepted")
	}
}

func TestBackoff(t *testing.T) {
	o := DefaultOptions()
	for attempt, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second} {
		o.RandomizationFactor = 0
		if got := backoff(attempt, &o, 0.3); got != want {
			t.Errorf("attempt %d: %v, want %v", attempt, got, want)
		}
	}
	o.RandomizationFactor = 0.5
	// r=0.3: floor(3)&1 = 1 adds the deviation 0.15*d; r=0.2 subtracts 0.1*d.
	if got := backoff(0, &o, 0.3); got != 1150*time.Millisecond {
		t.Errorf("jitter up: %v", got)
	}
	if got := backoff(1, &o, 0.2); got != 1800*time.Millisecond {
		t.Errorf("jitter down: %v", got)
	}
	if got := backoff(100, &o, 0.99); got != 5*time.Second {
		t.Errorf("cap: %v", got)
	}
}

// fakeServer is an Engine.IO WebSocket server that opens each session with heartbeat (the
// handshake's pingInterval and pingTimeout, in ms), accepts the client's CONNECT to "/" and
// then hands the connection to serve.
func fakeServer(tb testing.TB, heartbeat int, serve func(ws *websocket.Conn)) *httptest.Server {
	return fakeServerParser(tb, heartbeat, ParserMsgpack, serve)
}

// fakeServerParser is fakeServer speaking parser.
func fakeServerParser(tb testing.TB, heartbeat int, parser Parser, serve func(ws *websocket.Conn)) *httptest.Server {
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		_ = ws.WriteMessage(websocket.TextMessage, engineio.AppendPacket(nil, engineio.Packet{
			Type: engineio.PacketOpen,
			Data: fmt.Appendf(nil, `{"sid":"abc","upgrades":[],"pingInterval":%d,"pingTimeout":%d,"maxPayload":1000000}`, heartbeat, heartbeat),
		}))
		if _, _, err := ws.ReadMessage(); err != nil { // the CONNECT
			return
		}
		if parser == ParserText {
			_ = ws.WriteMessage(websocket.TextMessage, []byte(`40{"sid":"x"}`))
		} else {
			_ = ws.WriteMessage(websocket.BinaryMessage, []byte("\x83\xa4type\x00\xa4data\x81\xa3sid\xa1x\xa3nsp\xa1/"))
		}
		serve(ws)
	}))
	tb.Cleanup(srv.Close)
	return srv
}

// readAll reads and drops whatever the client sends until the connection ends.
func readAll(ws *websocket.Conn) {
	for {
		if _, _, err := ws.NextReader(); err != nil {
			return
		}
	}
}

// dialWS connects a client to url over WebSocket, without reconnection, with a queue of
// queue packets; the Manager is closed when the test ends.
func dialWS(tb testing.TB, url string, queue int) *Socket {
	return dialWSParser(tb, url, queue, ParserMsgpack, nil)
}

// dialWSParser is dialWS speaking parser, with setup run on the socket before it connects.
func dialWSParser(tb testing.TB, url string, queue int, parser Parser, setup func(*Socket)) *Socket {
	o := DefaultOptions()
	o.Transport = TransportWebSocket
	o.Reconnection = false
	o.QueueSize = queue
	o.Parser = parser
	m, err := NewManager(url, &o)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = m.Close() })
	s := m.Socket("/", nil)
	if setup != nil {
		setup(s)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Connect(ctx); err != nil {
		tb.Fatal(err)
	}
	return s
}

// silentServer answers the Engine.IO WebSocket handshake with a short heartbeat and then
// never pings: a dead server as the client sees it.
func silentServer(t *testing.T) *httptest.Server { return fakeServer(t, 100, readAll) }

func TestDeadServerPingTimeout(t *testing.T) {
	base := runtime.NumGoroutine()
	srv := silentServer(t)
	o := DefaultOptions()
	o.Transport = TransportWebSocket
	o.Reconnection = false
	m, err := NewManager(srv.URL, &o)
	if err != nil {
		t.Fatal(err)
	}
	s := m.Socket("/", nil)
	reason := make(chan string, 1)
	s.OnDisconnect(func(r string) { reason <- r })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	select {
	case r := <-reason:
		if r != ReasonPingTimeout {
			t.Errorf("reason %q", r)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("detected after %v, want about 200ms", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("dead server not detected")
	}
	if s.Active() {
		t.Error("socket active without reconnection")
	}
	m.Close()
	srv.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			t.Fatalf("goroutines %d > %d", runtime.NumGoroutine(), base)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestEmitWithoutConnect(t *testing.T) {
	m, err := NewManager("http://127.0.0.1:1", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s := m.Socket("/", nil)
	if err := s.Emit("x"); !errors.Is(err, ErrDisconnected) {
		t.Errorf("emit on an inactive socket: %v", err)
	}
	if err := s.Emit("disconnect"); !errors.Is(err, ErrReservedEvent) {
		t.Errorf("reserved: %v", err)
	}
}

// FuzzDecode feeds the client's packet path (Socket.IO decode with either parser, then event
// and ack argument splitting) with arbitrary messages: it must never panic.
func FuzzDecode(f *testing.F) {
	f.Add(true, []byte("\x84\xa4type\x02\xa4data\x92\xa5input\x81\xa3seq\x01\xa2id\x00\xa3nsp\xa1/"))
	f.Add(false, []byte(`2["echo",{"a":[1,2.5,null]},"x"]`))
	f.Add(false, []byte(`51-["bin",{"_placeholder":true,"num":0}]`))
	f.Add(false, []byte(`3/custom,7[1,"b"]`))
	f.Fuzz(func(t *testing.T, binary bool, data []byte) {
		for _, parser := range []Parser{ParserMsgpack, ParserText} {
			c := &engineConn{}
			pkt, ok, err := c.decode(parser, engineio.Packet{Type: engineio.PacketMessage, Binary: binary, Data: data})
			if err != nil || !ok {
				continue
			}
			_, _ = sioparser.SplitArgs(pkt.Data, 0)
			_, _ = sioparser.SplitArgs(pkt.Data, 1)
		}
	})
}

// TestDecodeConnectError: CONNECT_ERROR data in either key order, without data, with a data
// of false, with a message that is not a string, the message alone as a string (servers
// before Socket.IO v3), and what is neither.
func TestDecodeConnectError(t *testing.T) {
	str := func(s string) []byte { return append([]byte{0xa0 | byte(len(s))}, s...) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	cases := []struct {
		data    []byte
		message string
		value   any
	}{
		{cat([]byte{0x82}, str("message"), str("no"), str("data"), []byte{0xc2}), "no", false},
		{cat([]byte{0x82}, str("data"), []byte{0x81}, str("n"), []byte{0x01}, str("message"), str("no")), "no", map[string]any{"n": int8(1)}},
		{cat([]byte{0x81}, str("message"), str("Invalid namespace")), "Invalid namespace", nil},
		{cat([]byte{0x82}, str("message"), []byte{0x05}, str("data"), []byte{0x91, 0x01}), "", []any{int8(1)}},
		{str("old style"), "old style", nil},
		{cat([]byte{0xc4, 0x02}, []byte("no")), "", nil},
		{cat([]byte{0x92}, str("no"), []byte{0x01}), "", nil},
		{[]byte{0xc0}, "", nil},
		{[]byte{0xc1}, "", nil},
	}
	for _, tc := range cases {
		message, value := decodeConnectError(tc.data)
		if message != tc.message || !reflect.DeepEqual(value, tc.value) {
			t.Errorf("%x: %q %#v, want %q %#v", tc.data, message, value, tc.message, tc.value)
		}
	}
}

// TestRefusedHandshakeSaysWhy: a server's refusal of the handshake (here an origin it does
// not allow) reaches the caller with its status and body, on both transports.
func TestRefusedHandshakeSaysWhy(t *testing.T) {
	cfg := engineio.DefaultConfig()
	cfg.Path = "/socket.io/"
	cfg.Origins = []string{"https://game.example"}
	srv, err := engineio.NewServer(&cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer srv.Close()
	for _, tr := range []Transport{TransportWebSocket, TransportPolling} {
		opts := DefaultOptions()
		opts.Transport = tr
		opts.Reconnection = false
		opts.Header = http.Header{"Origin": {"https://evil.example"}}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := Dial(ctx, hs.URL, nil, &opts)
		cancel()
		if err == nil || !bytes.Contains([]byte(err.Error()), []byte(`403 Forbidden: {"code":4,"message":"Forbidden"}`)) {
			t.Errorf("%v: %v", tr, err)
		}
	}
}
