package main

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tickroom/tickroom/internal/testhost"
	"github.com/tickroom/tickroom/netio/client"
	"github.com/tickroom/tickroom/rooms/lobby"
	"github.com/tickroom/tickroom/rooms/server"
)

func TestParseConfig(t *testing.T) {
	env := map[string]string{"TICKROOM_ADDR": "127.0.0.1:9999"}
	c, err := parseConfig(nil, func(k string) string { return env[k] })
	if err != nil || c.Addr != "127.0.0.1:9999" {
		t.Fatalf("env: %+v %v", c, err)
	}
	c, err = parseConfig([]string{"-addr", "127.0.0.1:1", "-log-level", "debug"}, func(string) string { return "" })
	if err != nil || c.Addr != "127.0.0.1:1" || c.LogLevel != slog.LevelDebug {
		t.Fatalf("flags: %+v %v", c, err)
	}
	if _, err := parseConfig([]string{"-shutdown-timeout", "0s"}, func(string) string { return "" }); err == nil {
		t.Fatal("zero shutdown timeout accepted")
	}
	if _, err := parseConfig([]string{"-log-level", "loud"}, func(string) string { return "" }); err == nil {
		t.Fatal("bad log level accepted")
	}
	if _, err := parseConfig([]string{"-seat-grace", "0s"}, func(string) string { return "" }); err == nil {
		t.Fatal("zero seat grace accepted")
	}
	c, err = parseConfig([]string{"-seat-grace", "2s"}, func(string) string { return "" })
	if err != nil || c.SeatGrace != 2*time.Second || c.TokenSecret != "" {
		t.Fatalf("seat grace: %+v %v", c, err)
	}
	short := map[string]string{"TICKROOM_TOKEN_SECRET": "too short"}
	if _, err := parseConfig(nil, func(k string) string { return short[k] }); err == nil {
		t.Fatal("a short token secret accepted")
	}
}

// TestTokenSecret: with TICKROOM_TOKEN_SECRET set, the server refuses a connection without
// a token signed with that secret (CONNECT_ERROR unauthorized) and accepts one with.
func TestTokenSecret(t *testing.T) {
	secret := "0123456789abcdef0123456789abcdef"
	cfg, err := parseConfig([]string{"-addr", "127.0.0.1:0", "-admin-addr", ""}, func(k string) string {
		return map[string]string{"TICKROOM_TOKEN_SECRET": secret}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	url := serve(t, cfg)
	ctx := context.Background()
	opts := testhost.Options()
	dctx, dcancel := context.WithTimeout(ctx, 10*time.Second)
	defer dcancel()
	good := lobby.NewHMACVerifier([]byte(secret)).Sign(lobby.Identity{Subject: "u1"}, time.Now().Add(time.Hour))
	other := lobby.NewHMACVerifier([]byte("another secret, 32 bytes long..")).Sign(lobby.Identity{Subject: "u1"}, time.Now().Add(time.Hour))
	for _, tok := range []string{"", other} {
		s, err := client.Dial(dctx, url, map[string]any{"token": tok}, opts)
		if err == nil {
			s.Manager().Close()
			t.Fatalf("token %q connected", tok)
		}
		if !strings.Contains(err.Error(), "unauthorized") {
			t.Fatalf("token %q: %v, want unauthorized", tok, err)
		}
	}
	s, err := client.Dial(dctx, url, map[string]any{"token": good}, opts)
	if err != nil {
		t.Fatalf("a token signed with the secret: %v", err)
	}
	s.Manager().Close()
}

// TestRunServesAndShutsDown starts the server on a loopback port, checks the
// health endpoint and the Socket.IO handshake, then cancels and expects run
// to return cleanly.
func TestRunServesAndShutsDown(t *testing.T) {
	cfg := testConfig()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard, ready, nil) }()
	var addr net.Addr
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("run ended early: %v", err)
	}
	base := "http://" + addr.String()
	if body := get(t, base+"/healthz"); body != "ok\n" {
		t.Fatalf("healthz %q", body)
	}
	if body := get(t, base+"/socket.io/?EIO=4&transport=polling"); !strings.HasPrefix(body, `0{"sid":`) {
		t.Fatalf("handshake %q", body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not return after cancel")
	}
}

// testConfig is the defaults on loopback ports the system picks: the admin listener's
// default port may be another server's.
func testConfig() config {
	cfg := defaultConfig()
	cfg.Addr = "127.0.0.1:0"
	cfg.Ops.AdminAddr = "127.0.0.1:0"
	return cfg
}

// get is GET url's body.
func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestStats: /stats reports the rooms, their seats and the summed counters, gone rooms
// included.
func TestStats(t *testing.T) {
	cfg := testConfig()
	base := serve(t, cfg)
	ctx := context.Background()
	stats := func() lobby.HostStats {
		t.Helper()
		var st lobby.HostStats
		if err := json.Unmarshal([]byte(get(t, base+"/stats")), &st); err != nil {
			t.Fatal(err)
		}
		return st
	}
	if st := stats(); st.Rooms != 0 || st.Seats != 0 || st.Totals.Ticks != 0 {
		t.Fatalf("a fresh server: %+v", st)
	}
	s := testhost.Dial(t, base, nil)
	dctx, dcancel := context.WithTimeout(ctx, 10*time.Second)
	defer dcancel()
	if _, err := s.EmitWithAckContext(dctx, "room:create", map[string]any{"mode": "arena"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		st := stats()
		if st.Rooms == 1 && st.Seats == 1 && st.Connected == 1 && st.Totals.Ticks > 0 && st.Totals.SnapshotsWritten > 0 {
			if st.Totals.Overruns != 0 {
				t.Fatalf("overruns on an idle server: %+v", st)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after room:create: %+v", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// serve runs the server with cfg until the test ends and returns its base URL.
func serve(t *testing.T, cfg config) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard, ready, nil) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	select {
	case addr := <-ready:
		return "http://" + addr.String()
	case err := <-done:
		done <- err // for the cleanup
		t.Fatalf("run ended early: %v", err)
		return ""
	}
}

// TestLimitFlags: the transport and HTTP limits and the Socket.IO options come from flags and
// from TICKROOM_ variables, and reach the server: a 20 KB header gets 431.
func TestLimitFlags(t *testing.T) {
	env := map[string]string{"TICKROOM_MAX_CONNS_PER_IP": "7", "TICKROOM_ORIGINS": "https://a.example, https://b.example"}
	c, err := parseConfig([]string{"-trusted-proxies", "10.0.0.0/8,192.168.1.1/32", "-ping-interval", "5s", "-path", "/game/",
		"-max-header-bytes", "8192", "-outbox-bytes", "-1"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	e := c.SocketIO.Engine
	if e.MaxConnsPerIP != 7 || len(e.Origins) != 2 || e.Origins[1] != "https://b.example" || len(e.TrustedProxies) != 2 ||
		e.TrustedProxies[1].String() != "192.168.1.1/32" || e.PingInterval != 5*time.Second || e.Path != "/game/" ||
		c.HTTP.MaxHeaderBytes != 8192 || e.MaxOutboxBytes != -1 {
		t.Fatalf("flags: %+v %+v", e, c.HTTP)
	}
	if _, err := parseConfig([]string{"-trusted-proxies", "10.0.0.1"}, func(string) string { return "" }); err == nil {
		t.Fatal("a trusted proxy that is not a CIDR accepted")
	}
	cfg, err := parseConfig([]string{"-addr", "127.0.0.1:0", "-admin-addr", "127.0.0.1:0"}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	url := serve(t, cfg)
	req, _ := http.NewRequest("GET", url+"/healthz", nil)
	req.Header.Set("X-Big", strings.Repeat("x", 20<<10))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("a 20 KB header: %d, want 431", res.StatusCode)
	}
}

// TestOpsFlags: the admin listener, its token (from the environment only), the drain timeout
// and Agones come from flags and the environment; a non-loopback admin address without a
// token does not start.
func TestOpsFlags(t *testing.T) {
	none := func(string) string { return "" }
	c, err := parseConfig(nil, none)
	if err != nil || c.Ops.AdminAddr != "127.0.0.1:9090" || c.Ops.DrainTimeout != 30*time.Second || c.Ops.Agones || c.Ops.AdminToken != "" {
		t.Fatalf("defaults: %+v %v", c.Ops, err)
	}
	env := map[string]string{"TICKROOM_ADMIN_TOKEN": "t0k3n", "AGONES_SDK_HTTP_PORT": "9358", "TICKROOM_DRAIN_TIMEOUT": "5s"}
	c, err = parseConfig([]string{"-admin-addr", ":9091"}, func(k string) string { return env[k] })
	if err != nil || c.Ops.AdminAddr != ":9091" || c.Ops.AdminToken != "t0k3n" || !c.Ops.Agones || c.Ops.DrainTimeout != 5*time.Second {
		t.Fatalf("flags and env: %+v %v", c.Ops, err)
	}
	if sc := serverConfig(c, nil); sc.Ops.AdminToken != "t0k3n" || !sc.Ops.Agones.Enabled || sc.Ops.DrainTimeout != 5*time.Second {
		t.Fatalf("server config: %+v", sc.Ops)
	}
	c, err = parseConfig([]string{"-drain-timeout", "0s", "-agones"}, none)
	if err != nil || !c.Ops.Agones || serverConfig(c, nil).Ops.DrainTimeout >= 0 {
		t.Fatalf("-drain-timeout 0 is no wait: %+v %v", c.Ops, err)
	}
	if _, err := parseConfig([]string{"-drain-timeout", "-1s"}, none); err == nil {
		t.Fatal("a negative drain timeout accepted")
	}
	if c, _ := parseConfig(nil, func(k string) string { return map[string]string{"TICKROOM_PROBE": "/livez"}[k] }); c.Ops.Probe != "" {
		t.Fatal("-probe taken from the environment: a server given it would never serve")
	}
	c, err = parseConfig([]string{"-addr", "127.0.0.1:0", "-admin-addr", ":0"}, none)
	if err != nil {
		t.Fatal(err)
	}
	err = run(context.Background(), c, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "AdminToken") {
		t.Fatalf("a non-loopback admin address without a token: %v", err)
	}
}

// TestProbe: -probe asks the admin listener with the token of the environment: 0 on 200, 1
// on anything else (a wrong token, a path that fails, no listener).
func TestProbe(t *testing.T) {
	cfg := testConfig()
	cfg.Ops.AdminAddr = ":0"
	cfg.Ops.AdminToken = "probe-token"
	var out strings.Builder
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), &out, ready, nil) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	<-ready
	admin := strings.TrimSuffix(strings.TrimPrefix(strings.SplitN(out.String(), "\n", 2)[0], "ADMIN http://"), "/")
	if admin == "" || !strings.HasPrefix(out.String(), "ADMIN ") {
		t.Fatalf("no ADMIN line: %q", out.String())
	}
	_, port, _ := net.SplitHostPort(admin)
	probeCfg := cfg
	probeCfg.Ops.AdminAddr = ":" + port
	for _, c := range []struct {
		path, token string
		want        int
	}{
		{"/readyz", "probe-token", 0},
		{"livez", "probe-token", 0},
		{"/readyz", "wrong", 1},
		{"/no-such-path", "probe-token", 1},
	} {
		probeCfg.Ops.Probe, probeCfg.Ops.AdminToken = c.path, c.token
		var msg strings.Builder
		if got := probe(probeCfg, &msg); got != c.want {
			t.Errorf("probe %s with %q: %d (%s), want %d", c.path, c.token, got, msg.String(), c.want)
		}
	}
	probeCfg.Ops.AdminAddr = ""
	if got := probe(probeCfg, io.Discard); got != 1 {
		t.Errorf("probe without an admin listener: %d, want 1", got)
	}
}

// TestFlagsDocumented: docs/operations.md's flag table has a row for every flag, with its
// environment variable, and no row for a flag that does not exist.
func TestFlagsDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	c := defaultConfig()
	fs, _ := flagSet(&c)
	rows := map[string]string{} // flag -> its row
	for _, line := range strings.Split(string(doc), "\n") {
		if name, ok := strings.CutPrefix(line, "| `-"); ok {
			name, _, _ = strings.Cut(name, "`")
			rows[name] = line
		}
	}
	fs.VisitAll(func(f *flag.Flag) {
		row, ok := rows[f.Name]
		switch {
		case !ok:
			t.Errorf("docs/operations.md has no row for -%s", f.Name)
		case f.Name != "probe" && !strings.Contains(row, "| `"+envName(f.Name)+"` |"):
			t.Errorf("docs/operations.md's row for -%s does not name %s: %s", f.Name, envName(f.Name), row)
		}
		delete(rows, f.Name)
	})
	for name := range rows {
		t.Errorf("docs/operations.md has a row for -%s, which is no flag", name)
	}
}

// TestDrainBeforeServe: a drain that ends before Serve begins (a SIGTERM right after the
// LISTEN line, with nothing to wait for) ends the run cleanly, not with ErrServed.
func TestDrainBeforeServe(t *testing.T) {
	srv, err := server.New(serverConfig(testConfig(), slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Drain()
	if err := srv.Shutdown(context.Background()); err != nil { // waits for the drain's own
		t.Fatal(err)
	}
	if err := serveDrain(context.Background(), srv, ln, nil); err != nil {
		t.Fatalf("serve after the drain ended: %v", err)
	}
}
