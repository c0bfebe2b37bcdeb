package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/internal/testhost"
	"github.com/tickroom/tickroom/internal/testscrape"
	"github.com/tickroom/tickroom/rooms/server"
)

// opsServer is a served server of the counter and stall modes with a loopback admin listener;
// it returns the public and admin base URLs.
func opsServer(t *testing.T, change func(c *server.Config)) (srv *server.Server, public, admin string) {
	t.Helper()
	srv = newServer(t, func(c *server.Config) {
		c.Modes = append(c.Modes, stallMode{newStall(t)})
		c.Ops.AdminAddr = "127.0.0.1:0"
		if change != nil {
			change(c)
		}
	})
	addr, err := srv.ListenAdmin()
	if err != nil {
		t.Fatal(err)
	}
	public, _, _ = serve(t, srv)
	return srv, public, "http://" + addr.String()
}

// call does one request with an optional bearer token and returns the status and body.
func call(t *testing.T, method, url, token string, hdr ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Host" {
			req.Host = hdr[i+1]
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	res, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// TestAdminAuth: with an admin address that is not loopback, New refuses to run without a
// token, and every admin route refuses a missing or wrong token (401) and answers the right
// one; /metrics included.
func TestAdminAuth(t *testing.T) {
	_, err := server.New(&server.Config{Modes: []game.Mode{counter{}}, Ops: server.Ops{AdminAddr: ":0"}})
	if !errors.Is(err, server.ErrBadConfig) {
		t.Fatalf("a non-loopback admin address without a token: %v, want ErrBadConfig", err)
	}
	const token = "a-long-enough-admin-token"
	srv, public, _ := opsServer(t, func(c *server.Config) {
		c.Ops.AdminAddr = ":0" // every interface; the test only talks to loopback
		c.Ops.AdminToken = token
	})
	p := join(t, public)
	_ = p
	room := onlyRoom(t, srv)
	port := srv.AdminAddr().String()[strings.LastIndex(srv.AdminAddr().String(), ":"):]
	admin := "http://127.0.0.1" + port
	routes := []struct {
		method, path string
		want         int
	}{
		{"GET", "/metrics", 200},
		{"GET", "/livez", 200},
		{"GET", "/readyz", 200},
		{"GET", "/debug/pprof/", 200},
		{"GET", "/debug/pprof/goroutine?debug=1", 200},
		{"GET", "/admin/", 200},
		{"GET", "/admin/monitor.js", 200},
		{"GET", "/admin/api/overview", 200},
		{"GET", "/admin/api/rooms", 200},
		{"GET", "/admin/api/rooms/" + room, 200},
		{"POST", "/admin/api/rooms/no-such-room/close", 404},
		{"POST", "/admin/api/rooms/" + room + "/close", 200},
		{"POST", "/admin/api/drain", 202},
	}
	for _, r := range routes {
		for _, bad := range []string{"", "wrong-token", token + "x"} {
			if code, _ := call(t, r.method, admin+r.path, bad); code != http.StatusUnauthorized {
				t.Errorf("%s %s with token %q: %d, want 401", r.method, r.path, bad, code)
			}
		}
		if code, body := call(t, r.method, admin+r.path, token); code != r.want {
			t.Errorf("%s %s with the token: %d %q, want %d", r.method, r.path, code, trim(body), r.want)
		}
	}
	if !srv.Draining() {
		t.Fatal("the authorized drain did not start a drain")
	}
}

// TestAdminGuards: without a token (a loopback listener) a request must be addressed to
// localhost (a rebound DNS name is refused) and a browser POST must be same-origin.
func TestAdminGuards(t *testing.T) {
	_, _, admin := opsServer(t, nil)
	if code, _ := call(t, "GET", admin+"/readyz", "", "Host", "evil.example:9090"); code != http.StatusForbidden {
		t.Errorf("a foreign Host: %d, want 403", code)
	}
	if code, _ := call(t, "GET", admin+"/readyz", "", "Host", "localhost:9090"); code != http.StatusOK {
		t.Errorf("Host localhost: %d, want 200", code)
	}
	if code, _ := call(t, "POST", admin+"/admin/api/rooms/x/close", "", "Origin", "http://evil.example"); code != http.StatusForbidden {
		t.Errorf("a cross-origin POST: %d, want 403", code)
	}
	host := strings.TrimPrefix(admin, "http://")
	if code, _ := call(t, "POST", admin+"/admin/api/rooms/x/close", "", "Origin", "http://"+host); code != http.StatusNotFound {
		t.Errorf("a same-origin POST: %d, want 404 (no such room)", code)
	}
}

// TestAdminAPI: the room list and a room's detail show a seated player (its RTT once a ping
// came back), and the close route closes the room with room:closed {reason: "shutdown"}.
func TestAdminAPI(t *testing.T) {
	srv, public, admin := opsServer(t, func(c *server.Config) {
		c.SocketIO.Engine.PingInterval = 200 * time.Millisecond
	})
	p := join(t, public)
	id := onlyRoom(t, srv)
	var list struct {
		Rooms []struct {
			ID, Mode, Phase string
			Players         int
			TickP99         float64
			Stats           struct{ Ticks uint64 }
		}
	}
	decode(t, admin+"/admin/api/rooms", &list)
	if len(list.Rooms) != 1 || list.Rooms[0].ID != id || list.Rooms[0].Mode != "counter" || list.Rooms[0].Players != 1 {
		t.Fatalf("rooms: %+v", list)
	}
	var detail struct {
		Room    struct{ ID string }
		Players []struct {
			Name       string
			Connected  bool
			Host       bool
			RTTSeconds float64 `json:"rttSeconds"`
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		decode(t, admin+"/admin/api/rooms/"+id, &detail)
		if len(detail.Players) == 1 && detail.Players[0].RTTSeconds > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("detail: %+v, want one player with an RTT", detail)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if pl := detail.Players[0]; !pl.Connected || !pl.Host || detail.Room.ID != id {
		t.Fatalf("detail: %+v", detail)
	}
	if code, _ := call(t, "GET", admin+"/admin/api/rooms/nope", ""); code != http.StatusNotFound {
		t.Fatalf("an unknown room: %d, want 404", code)
	}
	if code, body := call(t, "POST", admin+"/admin/api/rooms/"+id+"/close", ""); code != http.StatusOK {
		t.Fatalf("close: %d %s", code, body)
	}
	p.expect(t, "room:closed shutdown")
}

// TestMetricsFamilies: /metrics is the Prometheus text format with every tickroom_ metric of
// docs/operations.md, the Go runtime's and the process' metrics, and nothing else.
func TestMetricsFamilies(t *testing.T) {
	srv, public, admin := opsServer(t, nil)
	join(t, public)
	onlyRoom(t, srv)
	runtime.GC() // go_gc_heap_live_bytes is as of the last GC: 0 before the first
	fams := testscrape.Get(t, admin+"/metrics", "")
	for deadline := time.Now().Add(5 * time.Second); fams.Sum("tickroom_tick_duration_seconds") == 0; {
		if time.Now().After(deadline) {
			t.Fatal("no tick observed in tickroom_tick_duration_seconds")
		}
		time.Sleep(20 * time.Millisecond)
		fams = testscrape.Get(t, admin+"/metrics", "")
	}
	for _, name := range []string{
		"tickroom_rooms", "tickroom_rooms_stalled", "tickroom_players", "tickroom_connections", "tickroom_draining",
		"tickroom_ready", "tickroom_connections_refused_total", "tickroom_disconnects_total", "tickroom_bytes_sent_total",
		"tickroom_bytes_received_total", "tickroom_ticks_total", "tickroom_tick_overruns_total",
		"tickroom_tick_catchup_steps_total", "tickroom_tick_duration_seconds", "tickroom_snapshots_sent_total",
		"tickroom_snapshots_offered_total", "tickroom_snapshots_skipped_total", "tickroom_snapshots_full_total",
		"tickroom_snapshot_bytes_total", "tickroom_snapshot_encodes_total", "tickroom_snapshot_baseline_violations_total",
		"tickroom_inputs_total", "tickroom_input_flood_disconnects_total", "tickroom_requests_total",
		"tickroom_requests_dropped_total", "tickroom_request_duration_seconds", "tickroom_lobby_refusals_total",
		"tickroom_panics_recovered_total", "go_goroutines", "go_memstats_alloc_bytes", "go_gc_heap_live_bytes",
		"process_cpu_seconds_total",
	} {
		if !fams.Has(name) {
			t.Errorf("no %s", name)
		}
	}
	for name := range fams {
		if !strings.HasPrefix(name, "tickroom_") && !strings.HasPrefix(name, "go_") && !strings.HasPrefix(name, "process_") {
			t.Errorf("a metric of no collector of the server's: %s", name)
		}
	}
	if n := fams.Sum("go_gc_heap_live_bytes"); n <= 0 {
		t.Errorf("go_gc_heap_live_bytes = %v, want the live heap after a GC, above 0", n)
	}
	if n := fams.Sum("tickroom_rooms", "mode", "counter"); n != 1 {
		t.Errorf("tickroom_rooms{mode=counter} = %v, want 1", n)
	}
	if n := fams.Sum("tickroom_rooms", "mode", "stall", "phase", "waiting"); n != 0 || len(fams.LabelValues("tickroom_rooms", "mode")) != 6 {
		t.Errorf("every mode x phase series, at 0 when empty: %v", fams.LabelValues("tickroom_rooms", "mode"))
	}
	if n := fams.Sum("tickroom_requests_total", "event", "room:create", "code", "OK"); n != 1 {
		t.Errorf("room:create OK = %v, want 1", n)
	}
	if h := fams.Histogram("tickroom_tick_duration_seconds"); h == nil || h.GetSampleCount() == 0 || len(h.GetBucket()) < 10 {
		t.Errorf("tick duration histogram: %v", h)
	}
	if fams.Sum("tickroom_connections", "transport", "websocket") != 1 || fams.Sum("tickroom_players", "state", "connected") != 1 {
		t.Error("one websocket connection, one connected player")
	}
}

// TestDrainDeadline: a drain turns /readyz 503 at once and refuses new rooms (UNAVAILABLE);
// at the deadline the room left closes with room:closed {reason: "shutdown"} and Serve
// returns nil.
func TestDrainDeadline(t *testing.T) {
	srv := newServer(t, func(c *server.Config) {
		c.Ops.AdminAddr = "127.0.0.1:0"
		c.Ops.DrainTimeout = 1500 * time.Millisecond
	})
	addr, err := srv.ListenAdmin()
	if err != nil {
		t.Fatal(err)
	}
	admin := "http://" + addr.String()
	public, _, done := serve(t, srv)
	p := join(t, public)
	if code, _ := call(t, "GET", admin+"/readyz", ""); code != 200 {
		t.Fatalf("readyz before the drain: %d", code)
	}
	start := time.Now()
	if code, _ := call(t, "POST", admin+"/admin/api/drain", ""); code != http.StatusAccepted {
		t.Fatalf("drain: %d", code)
	}
	if code, body := call(t, "GET", admin+"/readyz", ""); code != http.StatusServiceUnavailable || !strings.Contains(body, "draining") {
		t.Fatalf("readyz while draining: %d %q", code, body)
	}
	if code := create(t, public); code != "UNAVAILABLE" {
		t.Fatalf("room:create while draining: %s, want UNAVAILABLE", code)
	}
	p.expect(t, "room:closed shutdown", "disconnect")
	if d := time.Since(start); d < time.Second {
		t.Fatalf("the room closed %v after the drain began, before its deadline", d)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve after the drain: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after the drain")
	}
}

// TestLivezStall: /livez turns 503 once every room that should tick has not ticked for
// StallAfter, and 200 again when they tick; the stalled room shows in the API and metrics.
func TestLivezStall(t *testing.T) {
	var st *stall
	srv, public, admin := opsServer(t, func(c *server.Config) {
		c.Ops.StallAfter = 500 * time.Millisecond
		st = c.Modes[len(c.Modes)-1].(stallMode).st
	})
	if code, _ := call(t, "GET", admin+"/livez", ""); code != 200 {
		t.Fatalf("livez with no room: %d", code)
	}
	joinMode(t, public, "stall")
	onlyRoom(t, srv)
	st.block()
	waitStatus(t, admin+"/livez", http.StatusServiceUnavailable, 10*time.Second)
	if code, body := call(t, "GET", admin+"/livez", ""); !strings.Contains(body, "no room ticked") {
		t.Fatalf("livez: %d %q", code, body)
	}
	if n := testscrape.Get(t, admin+"/metrics", "").Sum("tickroom_rooms_stalled"); n != 1 {
		t.Fatalf("tickroom_rooms_stalled = %v, want 1", n)
	}
	st.unblock()
	waitStatus(t, admin+"/livez", http.StatusOK, 10*time.Second)
}

// onlyRoom waits for the server's one room and returns its id.
func onlyRoom(t *testing.T, srv *server.Server) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if st := srv.Host().RoomStatuses(); len(st) == 1 && st[0].Stats.Ticks > 0 {
			return st[0].Info.ID
		}
		if time.Now().After(deadline) {
			t.Fatal("no room")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func decode(t *testing.T, url string, v any) {
	t.Helper()
	code, body := call(t, "GET", url, "")
	if code != 200 {
		t.Fatalf("GET %s: %d %s", url, code, body)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

func waitStatus(t *testing.T, url string, want int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		code, _ := call(t, "GET", url, "")
		if code == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: %d, want %d within %v", url, code, want, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func trim(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

// stall lets a test stop a room's ticks: while blocked, Step waits.
type stall struct {
	mu      sync.Mutex
	gate    chan struct{} // closed while not blocked
	blocked atomic.Bool
}

func newStall(t *testing.T) *stall {
	s := &stall{gate: make(chan struct{})}
	close(s.gate)
	t.Cleanup(s.unblock) // a blocked room would hold up the shutdown
	return s
}

func (s *stall) block() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.blocked.CompareAndSwap(false, true) {
		s.gate = make(chan struct{})
	}
}

func (s *stall) unblock() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.blocked.CompareAndSwap(true, false) {
		close(s.gate)
	}
}

func (s *stall) wait() {
	s.mu.Lock()
	g := s.gate
	s.mu.Unlock()
	<-g
}

// stallMode is the counter mode whose Step waits while its stall is blocked.
type stallMode struct{ st *stall }

func (stallMode) Name() string                                    { return "stall" }
func (stallMode) Schema() *game.Schema                            { return counterSchema }
func (stallMode) Configure(o game.Options) (game.Settings, error) { return counter{}.Configure(o) }
func (m stallMode) New(c *game.Context) game.Game {
	return &stallGame{counterGame: counter{}.New(c).(*counterGame), st: m.st}
}

type stallGame struct {
	*counterGame
	st *stall
}

func (g *stallGame) Step() { g.st.wait() }

// joinMode makes a room of mode and seats a player in it.
func joinMode(t *testing.T, url, mode string) {
	t.Helper()
	if code := createMode(t, url, mode); code != "" {
		t.Fatalf("room:create %s: %s", mode, code)
	}
}

// create asks for a counter room from a new connection and returns the error code ("" for ok).
func create(t *testing.T, url string) string { return createMode(t, url, "counter") }

func createMode(t *testing.T, url, mode string) string {
	t.Helper()
	s := testhost.Dial(t, url, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ack, err := s.EmitWithAckContext(ctx, "room:create", map[string]any{"mode": mode})
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		OK    bool `msgpack:"ok"`
		Error struct {
			Code string `msgpack:"code"`
		} `msgpack:"error"`
	}
	if err := ack.Decode(0, &res); err != nil {
		t.Fatal(err)
	}
	if res.OK {
		return ""
	}
	return res.Error.Code
}

// BenchmarkMetricsScrape is one /metrics scrape of a server with 50 running rooms: what a
// Prometheus scrape costs the server (docs/operations.md, "What metrics cost").
func BenchmarkMetricsScrape(b *testing.B) {
	cfg := server.DefaultConfig()
	cfg.Modes = []game.Mode{counter{}}
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.Ops.AdminAddr = "127.0.0.1:0"
	srv, err := server.New(&cfg)
	if err != nil {
		b.Fatal(err)
	}
	addr, err := srv.ListenAdmin()
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	defer func() { cancel(); <-done }()
	for range 50 {
		s := testhost.Dial(b, "http://"+ln.Addr().String(), nil)
		if _, err := s.EmitWithAckContext(ctx, "room:create", map[string]any{"mode": "counter"}); err != nil {
			b.Fatal(err)
		}
	}
	c := &http.Client{}
	url := "http://" + addr.String() + "/metrics"
	b.ReportAllocs()
	for b.Loop() {
		res, err := c.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
}
