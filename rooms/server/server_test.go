package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/internal/testhost"
	"github.com/tickroom/tickroom/netio/client"
	"github.com/tickroom/tickroom/rooms/lobby"
	"github.com/tickroom/tickroom/rooms/server"
)

// newServer is a server of the counter mode with change's changes, its log discarded; it is
// shut down when the test ends.
func newServer(t *testing.T, change func(c *server.Config)) *server.Server {
	t.Helper()
	cfg := server.DefaultConfig()
	cfg.Modes = []game.Mode{counter{}}
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if change != nil {
		change(&cfg)
	}
	srv, err := server.New(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // for the tests that neither serve nor shut down
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return srv
}

// serve runs srv.Serve on a loopback port until the test ends (or the returned cancel) and
// returns its base URL and Serve's result.
func serve(t *testing.T, srv *server.Server) (string, context.CancelFunc, <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done, ended := make(chan error, 1), make(chan struct{})
	go func() { done <- srv.Serve(ctx, ln); close(ended) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-ended:
		case <-time.After(15 * time.Second):
			t.Error("Serve did not return after cancel")
		}
	})
	return "http://" + ln.Addr().String(), cancel, done
}

// waitAddr waits for srv.Addr, which Serve sets as it starts.
func waitAddr(t *testing.T, srv *server.Server) net.Addr {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for srv.Addr() == nil {
		if time.Now().After(deadline) {
			t.Fatal("no Addr: Serve did not start")
		}
		time.Sleep(5 * time.Millisecond)
	}
	return srv.Addr()
}

// fetch GETs url and returns the response with its body read.
func fetch(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return res, body
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, body := fetch(t, url)
	return res.StatusCode, string(body)
}

// player is one connection seated in a new counter room; events gets its room:closed reasons
// and its disconnect, in the order they arrive.
type player struct {
	s      *client.Socket
	events chan string
}

func join(t *testing.T, url string) *player {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s := testhost.Dial(t, url, nil)
	p := &player{s: s, events: make(chan string, 4)}
	s.On("room:closed", func(args client.Args, _ client.Ack) {
		var ev struct {
			Reason string `msgpack:"reason"`
		}
		_ = args.Decode(0, &ev)
		p.events <- "room:closed " + ev.Reason
	})
	s.OnDisconnect(func(string) { p.events <- "disconnect" })
	ack, err := s.EmitWithAckContext(ctx, "room:create", map[string]any{"mode": "counter"})
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		OK bool `msgpack:"ok"`
	}
	if err := ack.Decode(0, &res); err != nil || !res.OK {
		t.Fatalf("room:create: %v %+v", err, res)
	}
	return p
}

// expect fails the test unless the player's next events are want, in order.
func (p *player) expect(t *testing.T, want ...string) {
	t.Helper()
	for _, w := range want {
		select {
		case got := <-p.events:
			if got != w {
				t.Fatalf("event %q, want %q", got, w)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no %q", w)
		}
	}
}

// TestRoutes: /healthz, /stats and the Socket.IO handshake are served; "/" is the demo only
// when Config.Demo is on.
func TestRoutes(t *testing.T) {
	for _, demo := range []bool{false, true} {
		srv := newServer(t, func(c *server.Config) { c.Demo = demo })
		base, _, _ := serve(t, srv)
		if code, body := get(t, base+"/healthz"); code != 200 || body != "ok\n" {
			t.Errorf("healthz: %d %q", code, body)
		}
		code, body := get(t, base+"/stats")
		var st lobby.HostStats
		if err := json.Unmarshal([]byte(body), &st); code != 200 || err != nil || st.Rooms != 0 {
			t.Errorf("stats: %d %q %v", code, body, err)
		}
		if code, body := get(t, base+"/socket.io/?EIO=4&transport=polling"); code != 200 || !strings.HasPrefix(body, `0{"sid":`) {
			t.Errorf("handshake: %d %q", code, body)
		}
		code, body = get(t, base+"/")
		if served := code == 200 && strings.Contains(body, `<script type="importmap">`); served != demo {
			t.Errorf("demo %v: GET / is %d %.40q", demo, code, body)
		}
		if demo {
			continue
		}
		if code, _ := get(t, base+"/app.js"); code != 404 {
			t.Errorf("demo off: GET /app.js is %d", code)
		}
	}
}

// TestSocketIOPath: Socket.IO is served where SocketIO.Engine.Path says, and only there.
func TestSocketIOPath(t *testing.T) {
	srv := newServer(t, func(c *server.Config) { c.SocketIO.Engine.Path = "/game" })
	base, _, _ := serve(t, srv)
	if code, body := get(t, base+"/game/?EIO=4&transport=polling"); code != 200 || !strings.HasPrefix(body, `0{"sid":`) {
		t.Errorf("handshake at /game/: %d %q", code, body)
	}
	if code, _ := get(t, base+"/socket.io/?EIO=4&transport=polling"); code != 404 {
		t.Errorf("handshake at /socket.io/: %d, want 404", code)
	}
}

// TestServeShutdown: when Serve's context ends, the player hears room:closed {reason:
// "shutdown"} before its connection closes, Serve returns nil, and the server does not serve
// again.
func TestServeShutdown(t *testing.T) {
	srv := newServer(t, nil)
	if srv.Addr() != nil {
		t.Fatalf("Addr before Serve: %v", srv.Addr())
	}
	base, cancel, done := serve(t, srv)
	if got := "http://" + waitAddr(t, srv).String(); got != base {
		t.Fatalf("Addr %s, want %s", got, base)
	}
	p := join(t, base)
	if n := srv.Host().Rooms(); n != 1 {
		t.Fatalf("Host().Rooms() = %d, want 1", n)
	}
	cancel()
	p.expect(t, "room:closed shutdown", "disconnect")
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Serve did not return")
	}
	if n := srv.Host().Rooms(); n != 0 {
		t.Errorf("%d rooms after shutdown", n)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(context.Background(), ln); !errors.Is(err, server.ErrServed) {
		t.Errorf("a second Serve: %v, want ErrServed", err)
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Error("a refused Serve left its listener open")
	}
}

// TestHandlerShutdown: a server mounted through Handler in another http.Server closes its
// rooms on Shutdown, and cannot Serve after it.
func TestHandlerShutdown(t *testing.T) {
	srv := newServer(t, nil)
	mux := http.NewServeMux()
	mux.Handle("/", srv.Handler())
	mux.HandleFunc("/mine", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "mine") })
	hs := httptest.NewServer(mux)
	defer hs.Close()
	if code, body := get(t, hs.URL+"/mine"); code != 200 || body != "mine" {
		t.Fatalf("the user's route: %d %q", code, body)
	}
	p := join(t, hs.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	p.expect(t, "room:closed shutdown", "disconnect")
	if err := srv.Shutdown(ctx); err != nil {
		t.Errorf("a second Shutdown: %v", err)
	}
	if err := srv.ListenAndServe(context.Background()); !errors.Is(err, server.ErrServed) {
		t.Errorf("ListenAndServe after Shutdown: %v, want ErrServed", err)
	}
	inUse, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer inUse.Close()
	srv = newServer(t, func(c *server.Config) { c.Addr = inUse.Addr().String() })
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := srv.ListenAndServe(context.Background()); !errors.Is(err, server.ErrServed) {
		t.Errorf("ListenAndServe after Shutdown, on an address in use: %v, want ErrServed", err)
	}
}

// TestListenAndServe: it listens on Config.Addr, reports the address, and returns nil after
// the context ends; on an address in use it returns the listen error.
func TestListenAndServe(t *testing.T) {
	srv := newServer(t, func(c *server.Config) { c.Addr = "127.0.0.1:0" })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.ListenAndServe(ctx) }()
	if code, body := get(t, "http://"+waitAddr(t, srv).String()+"/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("healthz: %d %q", code, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("ListenAndServe: %v", err)
	}

	inUse, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer inUse.Close()
	busy := inUse.Addr().String()
	srv = newServer(t, func(c *server.Config) { c.Addr = busy })
	if err := srv.ListenAndServe(context.Background()); err == nil || errors.Is(err, server.ErrServed) {
		t.Errorf("ListenAndServe on %s in use: %v", busy, err)
	}
}

// failingListener fails its first Accept.
type failingListener struct{ net.Listener }

var errAccept = errors.New("accept failed")

func (failingListener) Accept() (net.Conn, error) { return nil, errAccept }

// TestServeListenerFails: a listener that fails ends Serve with its error, and the rooms are
// shut down all the same (the room here is made through Handler on another listener).
func TestServeListenerFails(t *testing.T) {
	srv := newServer(t, nil)
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	p := join(t, hs.URL)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(context.Background(), failingListener{ln}); !errors.Is(err, errAccept) {
		t.Fatalf("Serve: %v, want %v", err, errAccept)
	}
	p.expect(t, "room:closed shutdown", "disconnect")
	if err := srv.Serve(context.Background(), ln); !errors.Is(err, server.ErrServed) {
		t.Errorf("Serve after a failed Serve: %v, want ErrServed", err)
	}
}
