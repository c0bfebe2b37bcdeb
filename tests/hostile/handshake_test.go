package hostile

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tickroom/tickroom/netio/socketio"
	"github.com/vmihailenco/msgpack/v5"
)

// TestOversizedAuth: a CONNECT whose auth is over 4 KB is answered CONNECT_ERROR
// {message: "bad auth"} with either parser; forty of a quarter megabyte each leave nothing
// behind; the connection may still connect with a sensible auth.
func TestOversizedAuth(t *testing.T) {
	tg := start(t, nil, nil)
	by := newBystanders(t, tg)

	w := dialWS(t, tg.addr, 0) // the text parser: JSON in text frames
	w.text(`40{"token":"` + strings.Repeat("x", 5000) + `"}`)
	if _, p := w.next(); string(p) != `44{"message":"bad auth"}` {
		t.Fatalf("text parser, 5 KB auth: %q", p)
	}
	before := liveHeap()
	big := `40{"token":"` + strings.Repeat("x", 250<<10) + `"}`
	for i := 0; i < 40; i++ {
		w.text(big)
		if _, p := w.next(); string(p) != `44{"message":"bad auth"}` {
			t.Fatalf("text parser, 250 KB auth: %q", p[:min(len(p), 100)])
		}
	}
	if grew := int64(liveHeap()) - int64(before); grew > 1<<20 {
		t.Fatalf("40 refused auths of 250 KB grew the heap by %s", mb(grew))
	}
	w.text(`40{"token":"ok"}`)
	if _, p := w.next(); !strings.HasPrefix(string(p), `40{"sid":"`) {
		t.Fatalf("a sensible auth after the refusals: %q", p)
	}

	m := dialWS(t, tg.addr, 0) // the msgpack parser: packets as msgpack maps in binary frames
	connect, _ := msgpack.Marshal(map[string]any{"type": 0, "nsp": "/", "data": map[string]any{"token": strings.Repeat("x", 5000)}})
	m.binary(connect)
	op, p := m.next()
	var reply struct {
		Type int               `msgpack:"type"`
		Nsp  string            `msgpack:"nsp"`
		Data map[string]string `msgpack:"data"`
	}
	if op != 2 || msgpack.Unmarshal(p, &reply) != nil || reply.Type != 4 || reply.Data["message"] != "bad auth" {
		t.Fatalf("msgpack parser, 5 KB auth: op %d %+v", op, reply)
	}
	if st := tg.srv.Stats(); st.BadAuth != 42 {
		t.Fatalf("stats %+v", st)
	}
	if n := tg.logs.count("auth too large"); n != 1 {
		t.Fatalf("%d log lines for 42 refusals, want 1", n)
	}
	by.check(t)
}

// TestPostTrickle: a polling POST whose body comes a byte every 2 s is refused once the
// ping timeout has passed (408) and its session is gone; twenty at once change nothing for
// the clients who send theirs promptly.
func TestPostTrickle(t *testing.T) {
	tg := start(t, func(c *socketio.Config) {
		c.Engine.PingInterval = 5 * time.Second
		c.Engine.PingTimeout = time.Second // PostTimeout defaults to it
	}, nil)
	by := newBystanders(t, tg)
	const attackers = 20
	var wg sync.WaitGroup
	errs := make(chan error, attackers)
	for i := 0; i < attackers; i++ {
		_, _, body := rawRequest(t, tg.addr, pollingHandshake())
		sid := sidOf(t, body)
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- trickle(tg.addr, sid)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if st := tg.srv.Stats().Engine; st.PostTimeouts != attackers {
		t.Fatalf("stats %+v", st)
	}
	if n := tg.logs.count("POST body too slow"); n != 1 {
		t.Fatalf("%d log lines for %d refusals, want 1", n, attackers)
	}
	by.check(t)
}

// trickle opens a POST for sid and sends its body a byte every 2 s; the server must refuse
// it with 408 within a few seconds, and the session must be gone.
func trickle(addr, sid string) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	body := `42["hello","world"]`
	fmt.Fprintf(c, "POST /socket.io/?EIO=4&transport=polling&sid=%s HTTP/1.1\r\nHost: game.example\r\n"+
		"Content-Type: text/plain;charset=UTF-8\r\nContent-Length: %d\r\n\r\n", sid, len(body))
	start := time.Now()
	done := make(chan struct{})
	go func() {
		for i := 0; i < len(body); i++ {
			if _, err := c.Write([]byte{body[i]}); err != nil {
				return
			}
			select {
			case <-done:
				return
			case <-time.After(2 * time.Second):
			}
		}
	}()
	defer close(done)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return fmt.Errorf("trickled POST: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestTimeout {
		return fmt.Errorf("trickled POST answered %d", res.StatusCode)
	}
	if d := time.Since(start); d > 5*time.Second {
		return fmt.Errorf("trickled POST refused after %v", d)
	}
	// The session went with it.
	g, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer g.Close()
	fmt.Fprintf(g, "GET /socket.io/?EIO=4&transport=polling&sid=%s HTTP/1.1\r\nHost: game.example\r\n\r\n", sid)
	g.SetReadDeadline(time.Now().Add(10 * time.Second))
	res, err = http.ReadResponse(bufio.NewReader(g), nil)
	if err != nil {
		return err
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 400 || string(b) != `{"code":1,"message":"Session ID unknown"}` {
		return fmt.Errorf("poll after the refusal: %d %q", res.StatusCode, b)
	}
	return nil
}

// TestOriginRefused: with an allowlist, a page from another origin gets 403 and Engine.IO's
// Forbidden body on both transports; the listed origin and clients sending no Origin (bots)
// get in.
func TestOriginRefused(t *testing.T) {
	tg := start(t, func(c *socketio.Config) { c.Engine.Origins = []string{"https://game.example"} }, nil)
	by := newBystanders(t, tg)
	const forbidden = `{"code":4,"message":"Forbidden"}`
	for _, origin := range []string{"https://evil.example", "null", "https://game.example.evil.example"} {
		o := "Origin: " + origin + "\r\n"
		code, _, body := rawRequest(t, tg.addr, pollingHandshake(o))
		wantJSONRefusal(t, "polling from "+origin, code, body, 403, forbidden)
		code, _, body = rawRequest(t, tg.addr, wsHandshake(o))
		wantJSONRefusal(t, "websocket from "+origin, code, body, 403, forbidden)
	}
	code, hdr, body := rawRequest(t, tg.addr, pollingHandshake("Origin: https://game.example\r\n"))
	if code != 200 || hdr.Get("Access-Control-Allow-Origin") != "https://game.example" {
		t.Fatalf("allowed origin, polling: %d %q %v", code, body, hdr)
	}
	dialWS(t, tg.addr, 0, "Origin: https://game.example\r\n")
	if st := tg.srv.Stats().Engine; st.RefusedOrigin != 6 {
		t.Fatalf("stats %+v", st)
	}
	by.check(t)
}
