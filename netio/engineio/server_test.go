package engineio

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func TestConfigValidate(t *testing.T) {
	c := DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(*Config){
		"path":      func(c *Config) { c.Path = "x" },
		"interval":  func(c *Config) { c.PingInterval = 0 },
		"transport": func(c *Config) { c.Transports = []string{"flash"} },
		"outbox":    func(c *Config) { c.OutboxSize = 0 },
		"cors":      func(c *Config) { c.CORS = &CORSConfig{} },
	} {
		c := DefaultConfig()
		mod(&c)
		if err := c.Validate(); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: %v", name, err)
		}
		if _, err := NewServer(&c, nil); err == nil {
			t.Errorf("%s: NewServer accepted", name)
		}
	}
}

func TestHandshakePolling(t *testing.T) {
	e := newEnv(t, nil)
	code, body, hdr := e.do("GET", "EIO=4&transport=polling", "", nil)
	if code != 200 || hdr.Get("Content-Type") != "text/plain; charset=UTF-8" || hdr.Get("Cache-Control") != "no-store" {
		t.Fatalf("%d %v", code, hdr)
	}
	if hdr.Get("Access-Control-Allow-Origin") != "" {
		t.Fatal("CORS header without CORS config")
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(body[1:]), &m); err != nil || body[0] != '0' {
		t.Fatalf("%q %v", body, err)
	}
	if len(m) != 5 {
		t.Fatalf("keys: %v", m)
	}
	sid, _ := m["sid"].(string)
	if len(sid) != 20 || strings.ContainsAny(sid, "+/=") {
		t.Fatalf("sid %q", sid)
	}
	ups, _ := m["upgrades"].([]any)
	if len(ups) != 1 || ups[0] != "websocket" || m["pingInterval"] != 2000.0 || m["pingTimeout"] != 2000.0 || m["maxPayload"] != 1e6 {
		t.Fatalf("fields %v", m)
	}
	h := e.nextSession()
	if h.s.ID() != sid || h.s.Transport() != TransportPolling || h.s.Request().URL.Query().Get("EIO") != "4" {
		t.Fatal("session accessors")
	}
	if e.srv.SessionCount() != 1 {
		t.Fatal("count")
	}
}

func TestHandshakeFieldsWithoutUpgrades(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.AllowUpgrades = false })
	_, body, _ := e.do("GET", "EIO=4&transport=polling", "", nil)
	if !strings.Contains(body, `"upgrades":[]`) {
		t.Fatal(body)
	}
	e2 := newEnv(t, func(c *Config) { c.Transports = []string{TransportPolling} })
	_, body, _ = e2.do("GET", "EIO=4&transport=polling", "", nil)
	if !strings.Contains(body, `"upgrades":[]`) {
		t.Fatal(body)
	}
}

func TestHandshakeWebSocket(t *testing.T) {
	e := newEnv(t, nil)
	c, _, err := websocket.DefaultDialer.Dial(e.wsURL+"?EIO=4&transport=websocket", http.Header{"Origin": {"http://elsewhere.example"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, data := readWS(t, c)
	want := `"upgrades":[],"pingInterval":2000,"pingTimeout":2000,"maxPayload":1000000}`
	if !strings.HasPrefix(string(data), `0{"sid":"`) || !strings.HasSuffix(string(data), want) {
		t.Fatalf("%s", data)
	}
	h := e.nextSession()
	if h.s.Transport() != TransportWebSocket {
		t.Fatal("transport")
	}
}

func TestPathPrefix(t *testing.T) {
	e := newEnv(t, nil)
	res, err := e.client.Get(e.hs.URL + "/other/?EIO=4&transport=polling")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 404 {
		t.Fatal(res.StatusCode)
	}
}

type refusal struct{ msg string }

func (r refusal) Error() string { return r.msg }

func TestRequestErrors(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.AllowRequest = func(r *http.Request) error {
			switch r.URL.Query().Get("deny") {
			case "":
				return nil
			case "empty":
				return refusal{}
			}
			return refusal{"go away"}
		}
	})
	hw := e.healthy()
	sid, _ := e.handshake()
	cases := []struct {
		name, method, query string
		status              int
		code                ErrorCode
		msg                 string
	}{
		{"EIO=3", "GET", "EIO=3&transport=polling", 400, 5, "Unsupported protocol version"},
		{"no EIO", "GET", "transport=polling", 400, 5, "Unsupported protocol version"},
		{"unknown transport", "GET", "EIO=4&transport=flash", 400, 0, "Transport unknown"},
		{"no transport", "GET", "EIO=4", 400, 0, "Transport unknown"},
		{"transport before EIO", "GET", "EIO=3&transport=flash", 400, 0, "Transport unknown"},
		{"unknown sid", "GET", "EIO=4&transport=polling&sid=nope", 400, 1, "Session ID unknown"},
		{"POST handshake", "POST", "EIO=4&transport=polling", 400, 2, "Bad handshake method"},
		{"websocket without upgrade", "GET", "EIO=4&transport=websocket", 400, 3, "Bad request"},
		{"forbidden", "GET", "EIO=4&transport=polling&deny=1", 403, 4, "go away"},
		{"forbidden empty", "GET", "EIO=4&transport=polling&deny=empty", 403, 4, "Forbidden"},
		{"forbidden before EIO", "GET", "EIO=3&transport=polling&deny=1", 403, 4, "go away"},
		{"sid wrong transport", "GET", "EIO=4&transport=websocket&sid=" + sid, 400, 3, "Bad request"},
		{"sid wrong EIO", "GET", "EIO=3&transport=polling&sid=" + sid, 400, 3, "Bad request"},
		{"sid PUT", "PUT", "EIO=4&transport=polling&sid=" + sid, 400, 3, "Bad request"},
	}
	for _, c := range cases {
		status, body, hdr := e.do(c.method, c.query, "", nil)
		var re RequestError
		if err := json.Unmarshal([]byte(body), &re); err != nil || status != c.status || re.Code != c.code || re.Message != c.msg || hdr.Get("Content-Type") != "application/json" {
			t.Errorf("%s: %d %q %v", c.name, status, body, hdr.Get("Content-Type"))
		}
	}
	// Origin with a control character (the reference's INVALID_ORIGIN); net/http clients
	// refuse to send one, so the check is tested directly.
	if !invalidHeaderValue("http://a\x01b") || invalidHeaderValue("http://a.example\tx") {
		t.Fatal("invalidHeaderValue")
	}
	// Refused websocket handshakes are answered like the reference's abortUpgrade.
	_, res, err := websocket.DefaultDialer.Dial(e.wsURL+"?EIO=4&transport=websocket&deny=1", nil)
	if err == nil || res == nil || res.StatusCode != 400 {
		t.Fatalf("websocket refusal: %v %v", err, res)
	}
	_, res, err = websocket.DefaultDialer.Dial(e.wsURL+"?EIO=3&transport=websocket", nil)
	if err == nil || res == nil || res.StatusCode != 400 {
		t.Fatalf("websocket EIO=3: %v %v", err, res)
	}
	// The polling session is untouched by the refused requests with its sid.
	if code, body := e.post(sid, "4ping-me"); code != 200 || body != "ok" {
		t.Fatalf("post %d %q", code, body)
	}
	if code, body := e.get(sid); code != 200 || body != "4ping-me" {
		t.Fatalf("get %d %q", code, body)
	}
	hw.check(t)
}

func TestCORS(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.CORS = &CORSConfig{Origins: []string{"https://good.example"}, Credentials: true, MaxAge: time.Minute}
	})
	_, _, hdr := e.do("GET", "EIO=4&transport=polling", "", map[string]string{"Origin": "https://good.example"})
	if hdr.Get("Access-Control-Allow-Origin") != "https://good.example" || hdr.Get("Access-Control-Allow-Credentials") != "true" || !strings.Contains(strings.Join(hdr.Values("Vary"), ","), "Origin") {
		t.Fatalf("allowed origin: %v", hdr)
	}
	_, _, hdr = e.do("GET", "EIO=4&transport=polling", "", map[string]string{"Origin": "https://evil.example"})
	if hdr.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("foreign origin allowed: %v", hdr)
	}
	status, _, hdr := e.do("OPTIONS", "EIO=4&transport=polling", "", map[string]string{
		"Origin": "https://good.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
	if status != 204 || hdr.Get("Access-Control-Allow-Methods") != defaultCORSMethods || hdr.Get("Access-Control-Allow-Headers") != "content-type" || hdr.Get("Access-Control-Max-Age") != "60" {
		t.Fatalf("preflight %d %v", status, hdr)
	}
	star := newEnv(t, func(c *Config) { c.CORS = &CORSConfig{Origins: []string{"*"}} })
	_, _, hdr = star.do("GET", "EIO=4&transport=polling", "", map[string]string{"Origin": "https://any.example"})
	if hdr.Get("Access-Control-Allow-Origin") != "*" || hdr.Get("Access-Control-Allow-Credentials") != "" {
		t.Fatalf("star: %v", hdr)
	}
}

func TestServerClose(t *testing.T) {
	base := runtimeGoroutines()
	e := newEnv(t, nil)
	wsConn, _, wh := e.dialWS()
	sid, ph := e.handshake()
	sid2, ph2 := e.handshake()
	done := make(chan string, 1)
	go func() { _, body := e.get(sid2); done <- body }()
	waitFor(t, "pending poll", func() bool { ph2.s.mu.Lock(); defer ph2.s.mu.Unlock(); return ph2.s.pollActive })
	e.srv.Close()
	for _, h := range []*testSess{wh, ph, ph2} {
		if ev := h.waitClose(t); ev.reason != ReasonServerShuttingDown || !errors.Is(ev.err, ErrServerClosed) {
			t.Fatalf("reason %v", ev)
		}
	}
	if body := <-done; body != "1" {
		t.Fatalf("pending poll got %q", body)
	}
	expectWSClosed(t, wsConn)
	if code, _ := e.get(sid); code != 503 {
		t.Fatalf("after close: %d", code)
	}
	status, _, _ := e.do("GET", "EIO=4&transport=polling", "", nil)
	if status != 503 || e.srv.SessionCount() != 0 {
		t.Fatalf("handshake after close: %d, %d sessions", status, e.srv.SessionCount())
	}
	e.hs.Close()
	e.client.CloseIdleConnections()
	wsConn.Close()
	waitGoroutines(t, base)
}
