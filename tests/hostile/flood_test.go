package hostile

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tickroom/tickroom/netio/socketio"
)

// waitSessions waits until the server holds n sessions.
func waitSessions(t *testing.T, tg *target, n int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for tg.srv.Engine().SessionCount() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions after %v, want %d", tg.srv.Engine().SessionCount(), within, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestHandshakeFlood: 5,000 polling handshakes, each with a 12 KB header, never followed
// by a poll, an upgrade or a CONNECT. Each costs the server a few KB while it lives (the
// header is not kept), and every one is reaped at pingInterval + pingTimeout, its memory
// returned.
func TestHandshakeFlood(t *testing.T) {
	tg := start(t, func(c *socketio.Config) {
		c.Engine.PingInterval = 3 * time.Second // reaped 5 s after its handshake
		c.Engine.PingTimeout = 2 * time.Second
	}, nil)
	by := newBystanders(t, tg)
	before := liveHeap()
	const flood, workers = 5000, 25
	pad := "X-Pad: " + strings.Repeat("p", 12<<10) + "\r\n"
	req := pollingHandshake(pad)
	var done atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := handshakes(tg.addr, req, flood/workers, &done); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	took := time.Since(start)
	alive := tg.srv.Engine().SessionCount() - len(by)
	during := liveHeap()
	perSession := (int64(during) - int64(before)) / int64(max(alive, 1))
	t.Logf("%d handshakes in %v; %d alive: heap +%s, %d bytes a session", done.Load(), took.Round(time.Millisecond),
		alive, mb(int64(during)-int64(before)), perSession)
	if alive < flood/2 {
		t.Fatalf("only %d of %d sessions alive when measured (the flood took %v)", alive, flood, took)
	}
	// A session is its struct, its timers, a bounded copy of the request and the Socket.IO
	// connection state: a few KB. Keeping the 12 KB header would be four times this.
	if perSession > 4<<10 {
		t.Fatalf("%d bytes of heap a never-used session", perSession)
	}
	waitSessions(t, tg, len(by), 15*time.Second)
	after := liveHeap()
	t.Logf("all reaped %v after the flood; heap %+d bytes over the start", time.Since(start).Round(time.Millisecond), int64(after)-int64(before))
	if grew := int64(after) - int64(before); grew > 1<<20 {
		t.Fatalf("the heap kept %s after every session was reaped", mb(grew))
	}
	if st := tg.srv.Stats().Engine; st.Conns != len(by) {
		t.Fatalf("%d slots held after the reaping, want %d", st.Conns, len(by))
	}
	by.check(t)
}

// handshakes sends n polling handshakes on one keep-alive connection, reading each answer.
func handshakes(addr, req string, n int, done *atomic.Int64) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	br := bufio.NewReader(c)
	for i := 0; i < n; i++ {
		c.SetDeadline(time.Now().Add(20 * time.Second))
		if _, err := io.WriteString(c, req); err != nil {
			return err
		}
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.HasPrefix(string(body), "0{") {
			return fmt.Errorf("handshake: %d %q", res.StatusCode, body)
		}
		done.Add(1)
	}
	return nil
}

// TestWebSocketHandshakeFlood: websocket sessions opened and left silent (no pong, no
// CONNECT) are reaped at pingInterval + pingTimeout too, goroutines included.
func TestWebSocketHandshakeFlood(t *testing.T) {
	tg := start(t, func(c *socketio.Config) {
		c.Engine.PingInterval = 1500 * time.Millisecond
		c.Engine.PingTimeout = time.Second
	}, nil)
	by := newBystanders(t, tg)
	goroutines := runtime.NumGoroutine()
	const flood = 500
	for i := 0; i < flood; i++ {
		dialWS(t, tg.addr, 0)
	}
	if n := runtime.NumGoroutine() - goroutines; n < flood {
		t.Fatalf("%d more goroutines with %d websockets open, want at least a reader each", n, flood)
	}
	waitSessions(t, tg, len(by), 10*time.Second)
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > goroutines+5 { // net/http's own may linger a moment
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines after the reaping, %d before the flood", runtime.NumGoroutine(), goroutines)
		}
		time.Sleep(20 * time.Millisecond)
	}
	by.check(t)
}

// TestConnectTimeoutReaps: a client that keeps its Engine.IO session alive (it answers
// every ping) but never joins a namespace is closed at ConnectTimeout.
func TestConnectTimeoutReaps(t *testing.T) {
	tg := start(t, func(c *socketio.Config) {
		c.Engine.PingInterval = 300 * time.Millisecond
		c.ConnectTimeout = time.Second
	}, nil)
	by := newBystanders(t, tg)
	const idlers = 50
	var wg sync.WaitGroup
	for i := 0; i < idlers; i++ {
		w := dialWS(t, tg.addr, 0)
		wg.Add(1)
		go func() { // answers pings until the server ends it
			defer wg.Done()
			for {
				op, p, err := w.tryRead(10 * time.Second)
				if err != nil || op == 8 {
					return
				}
				if op == 1 && string(p) == "2" {
					w.c.Write(frame(1, []byte("3")))
				}
			}
		}()
	}
	start := time.Now()
	wg.Wait()
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("idle connections lasted %v", d)
	}
	waitSessions(t, tg, len(by), 5*time.Second)
	if st := tg.srv.Stats(); st.ConnectTimeouts != idlers {
		t.Fatalf("stats %+v", st)
	}
	by.check(t)
}
