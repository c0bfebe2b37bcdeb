package conformance

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tickroom/tickroom/internal/testproc"
)

// The configuration the published suites expect of the server.
const (
	pingInterval = 300 * time.Millisecond
	pingTimeout  = 200 * time.Millisecond
	maxPayload   = 1000000
)

// TestConformance starts the conformance server once and checks it, part by part. Subtests run
// one after another: several depend on the 300ms/200ms heartbeat.
func TestConformance(t *testing.T) {
	root := testproc.RepoRoot(t)
	bin := testproc.Build(t, root, "./tests/conformance/server", t.TempDir(), testproc.RaceEnabled)
	srv := testproc.Start(t, bin, "-addr", "127.0.0.1:0")
	c := &checker{base: srv.URL, http: &http.Client{Timeout: 5 * time.Second}}

	for _, prefix := range []string{"/engine.io/", "/socket.io/"} {
		t.Run(strings.Trim(prefix, "/"), func(t *testing.T) {
			t.Run("polling handshake", func(t *testing.T) { c.pollingHandshake(t, prefix) })
			t.Run("websocket handshake", func(t *testing.T) { c.websocketHandshake(t, prefix) })
			t.Run("bad handshakes", func(t *testing.T) { c.badHandshakes(t, prefix) })
			t.Run("polling heartbeat", func(t *testing.T) { c.pollingHeartbeat(t, prefix) })
			t.Run("polling ping timeout", func(t *testing.T) { c.pollingPingTimeout(t, prefix) })
			t.Run("websocket heartbeat", func(t *testing.T) { c.websocketHeartbeat(t, prefix) })
			t.Run("websocket ping timeout", func(t *testing.T) { c.websocketPingTimeout(t, prefix) })
			t.Run("polling close", func(t *testing.T) { c.pollingClose(t, prefix) })
			t.Run("websocket close", func(t *testing.T) { c.websocketClose(t, prefix) })
			t.Run("upgrade", func(t *testing.T) { c.upgrade(t, prefix) })
			t.Run("requests after upgrade", func(t *testing.T) { c.afterUpgrade(t, prefix) })
		})
	}
	t.Run("engine.io/echo", func(t *testing.T) {
		t.Run("polling text", func(t *testing.T) { c.pollingEcho(t, "4hello") })
		t.Run("polling several", func(t *testing.T) { c.pollingEcho(t, "4test1\x1e4test2\x1e4test3") })
		t.Run("polling binary", func(t *testing.T) { c.pollingEcho(t, "4hello\x1ebAQIDBA==") })
		t.Run("polling invalid packet", c.pollingInvalid)
		t.Run("polling duplicate GET", c.pollingDuplicateGet)
		t.Run("websocket", c.websocketEcho)
		t.Run("websocket invalid packet", c.websocketInvalid)
		t.Run("echo after upgrade", c.echoAfterUpgrade)
	})
	t.Run("socket.io", func(t *testing.T) {
		t.Run("connect main", func(t *testing.T) { c.sioConnect(t, "40", "40", `42["auth",{}]`) })
		t.Run("connect main with auth", func(t *testing.T) {
			c.sioConnect(t, `40{"token":"123"}`, "40", `42["auth",{"token":"123"}]`)
		})
		t.Run("connect custom", func(t *testing.T) { c.sioConnect(t, "40/custom,", "40/custom,", `42/custom,["auth",{}]`) })
		t.Run("connect custom with auth", func(t *testing.T) {
			c.sioConnect(t, `40/custom,{"token":"abc"}`, "40/custom,", `42/custom,["auth",{"token":"abc"}]`)
		})
		t.Run("unknown namespace", c.sioUnknownNamespace)
		t.Run("invalid handshake", func(t *testing.T) { c.sioClosesOn(t, false, "4abc") })
		t.Run("connect timeout", c.sioConnectTimeout)
		t.Run("disconnect main", c.sioDisconnectMain)
		t.Run("custom connect then disconnect", c.sioCustomThenMain)
		t.Run("message-back", func(t *testing.T) {
			c.sioExchange(t, []any{`42["message",1,"2",{"3":[true]}]`}, []any{`42["message-back",1,"2",{"3":[true]}]`})
		})
		t.Run("message-back with attachments", func(t *testing.T) {
			c.sioExchange(t,
				[]any{`452-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, []byte{1, 2, 3}, []byte{4, 5, 6}},
				[]any{`452-["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, []byte{1, 2, 3}, []byte{4, 5, 6}})
		})
		t.Run("ack", func(t *testing.T) {
			c.sioExchange(t, []any{`42456["message-with-ack",1,"2",{"3":[false]}]`}, []any{`43456[1,"2",{"3":[false]}]`})
		})
		t.Run("ack with attachments", func(t *testing.T) {
			c.sioExchange(t,
				[]any{`452-789["message-with-ack",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, []byte{1, 2, 3}, []byte{4, 5, 6}},
				[]any{`462-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, []byte{1, 2, 3}, []byte{4, 5, 6}})
		})
		t.Run("unknown packet type closes", func(t *testing.T) { c.sioClosesOn(t, true, "4abc") })
		t.Run("invalid payload closes", func(t *testing.T) { c.sioClosesOn(t, true, "42{}") })
		t.Run("invalid ack id closes", func(t *testing.T) {
			c.sioClosesOn(t, true, `42abc["message-with-ack",1,"2",{"3":[false]}]`)
		})
		t.Run("connect over polling", c.sioPollingConnect)
	})
}

type checker struct {
	base string // http://127.0.0.1:port
	http *http.Client
}

func (c *checker) url(prefix, query string) string { return c.base + prefix + "?" + query }

func (c *checker) wsURL(prefix, query string) string {
	return "ws" + strings.TrimPrefix(c.base, "http") + prefix + "?" + query
}

func (c *checker) do(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, url, err)
	}
	return res.StatusCode, string(b)
}

// handshakeFields checks the open packet's JSON and returns the sid.
func handshakeFields(t *testing.T, packet string, upgrades []string) string {
	t.Helper()
	if !strings.HasPrefix(packet, "0") {
		t.Fatalf("open packet %q does not start with 0", packet)
	}
	var h map[string]json.RawMessage
	if err := json.Unmarshal([]byte(packet[1:]), &h); err != nil {
		t.Fatalf("open packet %q: %v", packet, err)
	}
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if want := "maxPayload,pingInterval,pingTimeout,sid,upgrades"; strings.Join(keys, ",") != want {
		t.Errorf("handshake keys %v, want exactly %s", keys, want)
	}
	var v struct {
		Sid          string
		Upgrades     []string
		PingInterval int64
		PingTimeout  int64
		MaxPayload   int64
	}
	if err := json.Unmarshal([]byte(packet[1:]), &v); err != nil {
		t.Fatalf("open packet %q: %v", packet, err)
	}
	if v.Sid == "" {
		t.Errorf("empty sid")
	}
	if strings.Join(v.Upgrades, ",") != strings.Join(upgrades, ",") || v.Upgrades == nil {
		t.Errorf("upgrades %v, want %v", v.Upgrades, upgrades)
	}
	if v.PingInterval != pingInterval.Milliseconds() || v.PingTimeout != pingTimeout.Milliseconds() {
		t.Errorf("pingInterval/pingTimeout %d/%d, want %d/%d", v.PingInterval, v.PingTimeout,
			pingInterval.Milliseconds(), pingTimeout.Milliseconds())
	}
	if v.MaxPayload != maxPayload {
		t.Errorf("maxPayload %d, want %d", v.MaxPayload, maxPayload)
	}
	return v.Sid
}

func (c *checker) openPolling(t *testing.T, prefix string) string {
	t.Helper()
	status, body := c.do(t, "GET", c.url(prefix, "EIO=4&transport=polling"), "")
	if status != 200 {
		t.Fatalf("polling handshake: status %d %q", status, body)
	}
	return handshakeFields(t, body, []string{"websocket"})
}

func (c *checker) pollingHandshake(t *testing.T, prefix string) {
	req, _ := http.NewRequest("GET", c.url(prefix, "EIO=4&transport=polling"), nil)
	req.Header.Set("Origin", "http://example.test")
	res, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q, want text/plain", ct)
	}
	if got := res.Header.Get("Access-Control-Allow-Origin"); got != "*" && got != "http://example.test" {
		t.Errorf("Access-Control-Allow-Origin %q with CORS origin \"*\" configured", got)
	}
	handshakeFields(t, string(body), []string{"websocket"})
}

func (c *checker) dial(t *testing.T, url string) *websocket.Conn {
	t.Helper()
	conn, res, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		status := 0
		if res != nil {
			status = res.StatusCode
		}
		t.Fatalf("dial %s: %v (HTTP %d)", url, err, status)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// read returns the next frame within d: text frames as string, binary as []byte.
func read(t *testing.T, conn *websocket.Conn, d time.Duration) any {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(d))
	typ, data, err := conn.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if typ == websocket.BinaryMessage {
		return data
	}
	return string(data)
}

func readText(t *testing.T, conn *websocket.Conn, d time.Duration) string {
	t.Helper()
	v := read(t, conn, d)
	s, ok := v.(string)
	if !ok {
		t.Fatalf("got binary frame %v, want text", v)
	}
	return s
}

// expectClosed waits up to d for the server to close the websocket.
func expectClosed(t *testing.T, conn *websocket.Conn, d time.Duration, answerPings bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		_ = conn.SetReadDeadline(deadline)
		_, data, err := conn.ReadMessage()
		if err != nil {
			var ne interface{ Timeout() bool }
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("connection still open after %v", d)
			}
			return
		}
		if answerPings && string(data) == "2" {
			_ = conn.WriteMessage(websocket.TextMessage, []byte("3"))
		}
	}
}

func write(t *testing.T, conn *websocket.Conn, frames ...any) {
	t.Helper()
	for _, f := range frames {
		var err error
		switch v := f.(type) {
		case string:
			err = conn.WriteMessage(websocket.TextMessage, []byte(v))
		case []byte:
			err = conn.WriteMessage(websocket.BinaryMessage, v)
		default:
			t.Fatalf("bad frame %T", f)
		}
		if err != nil {
			t.Fatalf("write: %v", err)
		}
	}
}

func (c *checker) websocketHandshake(t *testing.T, prefix string) {
	conn := c.dial(t, c.wsURL(prefix, "EIO=4&transport=websocket"))
	handshakeFields(t, readText(t, conn, 2*time.Second), []string{})
}

func (c *checker) badHandshakes(t *testing.T, prefix string) {
	for _, q := range []string{"transport=polling", "EIO=abc&transport=polling", "EIO=3&transport=polling", "EIO=4", "EIO=4&transport=abc"} {
		if status, body := c.do(t, "GET", c.url(prefix, q), ""); status != 400 {
			t.Errorf("GET ?%s: status %d %q, want 400", q, status, body)
		}
	}
	status, body := c.do(t, "GET", c.url(prefix, "EIO=3&transport=polling"), "")
	var e struct {
		Code    int
		Message string
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil || e.Code != 5 {
		t.Errorf("EIO=3: %d %q, want code 5 (unsupported protocol version)", status, body)
	}
	for _, m := range []string{"POST", "PUT"} {
		if status, body := c.do(t, m, c.url(prefix, "EIO=4&transport=polling"), ""); status != 400 {
			t.Errorf("%s without sid: status %d %q, want 400", m, status, body)
		}
	}
	for _, q := range []string{"transport=websocket", "EIO=abc&transport=websocket", "EIO=4", "EIO=4&transport=abc"} {
		conn, _, err := websocket.DefaultDialer.Dial(c.wsURL(prefix, q), nil)
		if err == nil {
			expectClosed(t, conn, 2*time.Second, false)
			conn.Close()
		}
	}
	if status, _ := c.do(t, "GET", c.url(prefix, "EIO=4&transport=polling&sid=nosuchsession"), ""); status != 400 {
		t.Errorf("unknown sid: status %d, want 400", status)
	}
}

func (c *checker) pollingHeartbeat(t *testing.T, prefix string) {
	sid := c.openPolling(t, prefix)
	u := c.url(prefix, "EIO=4&transport=polling&sid="+sid)
	for i := 0; i < 3; i++ {
		start := time.Now()
		if status, body := c.do(t, "GET", u, ""); status != 200 || body != "2" {
			t.Fatalf("round %d: GET %d %q, want 200 \"2\" (ping)", i, status, body)
		}
		if i > 0 {
			if el := time.Since(start); el < pingInterval/2 {
				t.Errorf("round %d: ping after %v, want about %v", i, el, pingInterval)
			}
		}
		if status, body := c.do(t, "POST", u, "3"); status != 200 || body != "ok" {
			t.Fatalf("round %d: POST pong %d %q", i, status, body)
		}
	}
}

func (c *checker) pollingPingTimeout(t *testing.T, prefix string) {
	sid := c.openPolling(t, prefix)
	time.Sleep(pingInterval + pingTimeout + 200*time.Millisecond)
	if status, body := c.do(t, "GET", c.url(prefix, "EIO=4&transport=polling&sid="+sid), ""); status != 400 {
		t.Fatalf("GET after the ping timeout: %d %q, want 400", status, body)
	}
}

func (c *checker) websocketHeartbeat(t *testing.T, prefix string) {
	conn := c.dial(t, c.wsURL(prefix, "EIO=4&transport=websocket"))
	readText(t, conn, 2*time.Second)
	for i := 0; i < 3; i++ {
		if got := readText(t, conn, 2*time.Second); got != "2" {
			t.Fatalf("round %d: got %q, want ping \"2\"", i, got)
		}
		write(t, conn, "3")
	}
}

func (c *checker) websocketPingTimeout(t *testing.T, prefix string) {
	conn := c.dial(t, c.wsURL(prefix, "EIO=4&transport=websocket"))
	start := time.Now()
	expectClosed(t, conn, 3*time.Second, false)
	if el := time.Since(start); el < pingInterval {
		t.Errorf("closed after %v, before a ping could have timed out", el)
	}
}

func (c *checker) pollingClose(t *testing.T, prefix string) {
	sid := c.openPolling(t, prefix)
	u := c.url(prefix, "EIO=4&transport=polling&sid="+sid)
	type result struct {
		status int
		body   string
	}
	got := make(chan result, 1)
	go func() {
		res, err := c.http.Get(u)
		if err != nil {
			got <- result{0, err.Error()}
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		got <- result{res.StatusCode, string(b)}
	}()
	time.Sleep(30 * time.Millisecond) // let the GET be pending
	if status, body := c.do(t, "POST", u, "1"); status != 200 {
		t.Errorf("POST close: %d %q", status, body)
	}
	r := <-got
	if r.status != 200 || r.body != "6" {
		t.Errorf("pending GET: %d %q, want 200 \"6\" (noop)", r.status, r.body)
	}
	if status, _ := c.do(t, "GET", u, ""); status != 400 {
		t.Errorf("GET after close: %d, want 400", status)
	}
}

func (c *checker) websocketClose(t *testing.T, prefix string) {
	conn := c.dial(t, c.wsURL(prefix, "EIO=4&transport=websocket"))
	readText(t, conn, 2*time.Second)
	write(t, conn, "1")
	expectClosed(t, conn, 2*time.Second, false)
}

// probe opens a websocket for sid and completes the upgrade.
func (c *checker) probe(t *testing.T, prefix, sid string) *websocket.Conn {
	t.Helper()
	conn := c.dial(t, c.wsURL(prefix, "EIO=4&transport=websocket&sid="+sid))
	write(t, conn, "2probe")
	if got := readText(t, conn, 2*time.Second); got != "3probe" {
		t.Fatalf("probe answer %q, want 3probe", got)
	}
	return conn
}

func (c *checker) upgrade(t *testing.T, prefix string) {
	sid := c.openPolling(t, prefix)
	conn := c.probe(t, prefix, sid)
	if status, body := c.do(t, "GET", c.url(prefix, "EIO=4&transport=polling&sid="+sid), ""); status != 200 || body != "6" {
		t.Errorf("GET during the upgrade: %d %q, want 200 \"6\" (noop)", status, body)
	}
	write(t, conn, "5")
	// The session lives on over websocket: it gets pings there.
	if got := readText(t, conn, 2*time.Second); got != "2" {
		t.Errorf("after the upgrade: %q, want ping", got)
	}
}

func (c *checker) afterUpgrade(t *testing.T, prefix string) {
	sid := c.openPolling(t, prefix)
	conn := c.dial(t, c.wsURL(prefix, "EIO=4&transport=websocket&sid="+sid))
	write(t, conn, "2probe", "5")
	if got := readText(t, conn, 2*time.Second); got != "3probe" {
		t.Fatalf("probe answer %q", got)
	}
	time.Sleep(50 * time.Millisecond)
	if status, body := c.do(t, "GET", c.url(prefix, "EIO=4&transport=polling&sid="+sid), ""); status != 400 {
		t.Errorf("polling GET after the upgrade: %d %q, want 400", status, body)
	}
	second, _, err := websocket.DefaultDialer.Dial(c.wsURL(prefix, "EIO=4&transport=websocket&sid="+sid), nil)
	if err == nil {
		expectClosed(t, second, 2*time.Second, false)
		second.Close()
	}
}

func (c *checker) pollingEcho(t *testing.T, payload string) {
	sid := c.openPolling(t, "/engine.io/")
	u := c.url("/engine.io/", "EIO=4&transport=polling&sid="+sid)
	if status, body := c.do(t, "POST", u, payload); status != 200 || body != "ok" {
		t.Fatalf("POST: %d %q, want 200 ok", status, body)
	}
	if status, body := c.do(t, "GET", u, ""); status != 200 || body != payload {
		t.Fatalf("GET: %d %q, want %q", status, body, payload)
	}
}

func (c *checker) pollingInvalid(t *testing.T) {
	sid := c.openPolling(t, "/engine.io/")
	u := c.url("/engine.io/", "EIO=4&transport=polling&sid="+sid)
	req, _ := http.NewRequest("POST", u, strings.NewReader("abc"))
	if res, err := c.http.Do(req); err == nil {
		res.Body.Close()
		if res.StatusCode != 400 {
			t.Errorf("POST invalid packet: %d, want 400", res.StatusCode)
		}
	}
	if status, _ := c.do(t, "GET", u, ""); status != 400 {
		t.Errorf("GET after the invalid packet: %d, want 400", status)
	}
}

func (c *checker) pollingDuplicateGet(t *testing.T) {
	sid := c.openPolling(t, "/engine.io/")
	u := c.url("/engine.io/", "EIO=4&transport=polling&sid="+sid)
	first := make(chan [2]any, 1)
	go func() {
		res, err := c.http.Get(u)
		if err != nil {
			first <- [2]any{0, err.Error()}
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		first <- [2]any{res.StatusCode, string(b)}
	}()
	time.Sleep(30 * time.Millisecond)
	if status, _ := c.do(t, "GET", u+"&t=burst", ""); status != 400 && status != 500 {
		t.Errorf("second GET: %d, want 400", status)
	}
	if r := <-first; r[0] != 200 || r[1] != "1" {
		t.Errorf("first GET: %v %q, want 200 \"1\" (close)", r[0], r[1])
	}
	if status, _ := c.do(t, "GET", u, ""); status != 400 {
		t.Errorf("GET afterwards: %d, want 400", status)
	}
}

func (c *checker) websocketEcho(t *testing.T) {
	conn := c.dial(t, c.wsURL("/engine.io/", "EIO=4&transport=websocket"))
	readText(t, conn, 2*time.Second)
	write(t, conn, "4hello")
	if got := readText(t, conn, 2*time.Second); got != "4hello" {
		t.Errorf("text echo %q", got)
	}
	write(t, conn, []byte{1, 2, 3, 4})
	if got, ok := read(t, conn, 2*time.Second).([]byte); !ok || !bytes.Equal(got, []byte{1, 2, 3, 4}) {
		t.Errorf("binary echo %v", got)
	}
}

func (c *checker) websocketInvalid(t *testing.T) {
	conn := c.dial(t, c.wsURL("/engine.io/", "EIO=4&transport=websocket"))
	readText(t, conn, 2*time.Second)
	write(t, conn, "abc")
	expectClosed(t, conn, 2*time.Second, false)
}

func (c *checker) echoAfterUpgrade(t *testing.T) {
	sid := c.openPolling(t, "/engine.io/")
	conn := c.probe(t, "/engine.io/", sid)
	write(t, conn, "5", "4hello")
	if got := readText(t, conn, 2*time.Second); got != "4hello" {
		t.Errorf("echo after the upgrade: %q", got)
	}
}

// sioOpen opens a Socket.IO websocket and reads the Engine.IO handshake.
func (c *checker) sioOpen(t *testing.T) *websocket.Conn {
	t.Helper()
	conn := c.dial(t, c.wsURL("/socket.io/", "EIO=4&transport=websocket"))
	readText(t, conn, 2*time.Second)
	return conn
}

// next returns the next frame that is not a ping, answering pings.
func next(t *testing.T, conn *websocket.Conn) any {
	t.Helper()
	for {
		v := read(t, conn, 2*time.Second)
		if s, ok := v.(string); ok && s == "2" {
			write(t, conn, "3")
			continue
		}
		return v
	}
}

func nextText(t *testing.T, conn *websocket.Conn) string {
	t.Helper()
	v := next(t, conn)
	s, ok := v.(string)
	if !ok {
		t.Fatalf("binary frame %v, want text", v)
	}
	return s
}

// checkConnectReply checks "<prefix>{"sid":...}" with sid the only key.
func checkConnectReply(t *testing.T, got, prefix string) {
	t.Helper()
	if !strings.HasPrefix(got, prefix) {
		t.Fatalf("connect reply %q, want prefix %q", got, prefix)
	}
	var h map[string]any
	if err := json.Unmarshal([]byte(got[len(prefix):]), &h); err != nil {
		t.Fatalf("connect reply %q: %v", got, err)
	}
	if sid, ok := h["sid"].(string); len(h) != 1 || !ok || sid == "" {
		t.Fatalf("connect reply %q: want exactly a string sid", got)
	}
}

// The connect reply and the "auth" event must be the very next frames, with no ping between:
// the published suite reads them that way, so a server that delays the event past a heartbeat
// fails it.
func (c *checker) sioConnect(t *testing.T, send, replyPrefix, auth string) {
	conn := c.sioOpen(t)
	write(t, conn, send)
	checkConnectReply(t, readText(t, conn, 2*time.Second), replyPrefix)
	if got := readText(t, conn, 2*time.Second); got != auth {
		t.Errorf("auth packet %q, want %q", got, auth)
	}
}

// sioConnected opens a websocket and connects to "/", reading the reply and the auth packet.
func (c *checker) sioConnected(t *testing.T) *websocket.Conn {
	t.Helper()
	conn := c.sioOpen(t)
	write(t, conn, "40")
	checkConnectReply(t, readText(t, conn, 2*time.Second), "40")
	if got := readText(t, conn, 2*time.Second); got != `42["auth",{}]` {
		t.Fatalf("auth packet %q", got)
	}
	return conn
}

func (c *checker) sioUnknownNamespace(t *testing.T) {
	conn := c.sioOpen(t)
	write(t, conn, "40/random")
	if got, want := nextText(t, conn), `44/random,{"message":"Invalid namespace"}`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func (c *checker) sioClosesOn(t *testing.T, connected bool, frame string) {
	var conn *websocket.Conn
	if connected {
		conn = c.sioConnected(t)
	} else {
		conn = c.sioOpen(t)
	}
	write(t, conn, frame)
	expectClosed(t, conn, 2*time.Second, true)
}

func (c *checker) sioConnectTimeout(t *testing.T) {
	conn := c.sioOpen(t)
	start := time.Now()
	expectClosed(t, conn, 4*time.Second, true) // pings answered: only the connect timeout closes it
	if el := time.Since(start); el < 700*time.Millisecond {
		t.Errorf("closed after %v, want about the 1000ms connect timeout", el)
	}
}

func (c *checker) sioDisconnectMain(t *testing.T) {
	conn := c.sioConnected(t)
	write(t, conn, "41")
	// Nothing is sent after a client's DISCONNECT but the heartbeat.
	if got := readText(t, conn, 2*time.Second); got != "2" {
		t.Errorf("after 41: %q, want only the ping", got)
	}
}

func (c *checker) sioCustomThenMain(t *testing.T) {
	conn := c.sioConnected(t)
	write(t, conn, "40/custom")
	checkConnectReply(t, nextText(t, conn), "40/custom,")
	if got := nextText(t, conn); got != `42/custom,["auth",{}]` {
		t.Fatalf("auth packet %q", got)
	}
	write(t, conn, "41/custom", `42["message","message to main namespace"]`)
	if got, want := nextText(t, conn), `42["message-back","message to main namespace"]`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func (c *checker) sioExchange(t *testing.T, send, want []any) {
	conn := c.sioConnected(t)
	write(t, conn, send...)
	for i, w := range want {
		got := next(t, conn)
		switch w := w.(type) {
		case string:
			if s, ok := got.(string); !ok || s != w {
				t.Errorf("frame %d: %v, want %q", i, got, w)
			}
		case []byte:
			if b, ok := got.([]byte); !ok || !bytes.Equal(b, w) {
				t.Errorf("frame %d: %v, want binary %v", i, got, w)
			}
		}
	}
}

func (c *checker) sioPollingConnect(t *testing.T) {
	sid := c.openPolling(t, "/socket.io/")
	u := c.url("/socket.io/", "EIO=4&transport=polling&sid="+sid)
	if status, body := c.do(t, "POST", u, `40{"token":"p"}`); status != 200 || body != "ok" {
		t.Fatalf("POST 40: %d %q", status, body)
	}
	var packets []string
	deadline := time.Now().Add(3 * time.Second)
	for len(packets) < 2 && time.Now().Before(deadline) {
		status, body := c.do(t, "GET", u, "")
		if status != 200 {
			t.Fatalf("GET: %d %q", status, body)
		}
		for _, p := range strings.Split(body, "\x1e") {
			if p == "2" {
				c.do(t, "POST", u, "3")
				continue
			}
			packets = append(packets, p)
		}
	}
	if len(packets) < 2 {
		t.Fatalf("got %q, want the connect reply and the auth packet", packets)
	}
	checkConnectReply(t, packets[0], "40")
	if packets[1] != `42["auth",{"token":"p"}]` {
		t.Errorf("auth packet %q", packets[1])
	}
}
