package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
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
}

// TestRunServesAndShutsDown starts the server on a loopback port, checks the
// health endpoint and the Socket.IO handshake, then cancels and expects run
// to return cleanly.
func TestRunServesAndShutsDown(t *testing.T) {
	cfg := defaultConfig()
	cfg.Addr = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard, ready) }()
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

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
