package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
)

// TestClusterFlags: -nats and -public-url (or TICKROOM_NATS and
// TICKROOM_PUBLIC_URL) make the server a cluster node; without -nats it
// runs alone, and a public URL alone is a mistake.
func TestClusterFlags(t *testing.T) {
	env := map[string]string{"TICKROOM_NATS": "nats://127.0.0.1:4222", "TICKROOM_PUBLIC_URL": "https://eu1.example.com"}
	c, err := parseConfig(nil, func(k string) string { return env[k] })
	if err != nil || c.NATS != env["TICKROOM_NATS"] || c.PublicURL != env["TICKROOM_PUBLIC_URL"] {
		t.Fatalf("env: %+v %v", c, err)
	}
	sc := serverConfig(c, slog.Default())
	if sc.Cluster == nil || sc.Cluster.URL != c.NATS || sc.Cluster.PublicURL != c.PublicURL {
		t.Fatalf("server config: %+v", sc.Cluster)
	}
	c, err = parseConfig(nil, func(string) string { return "" })
	if err != nil || serverConfig(c, slog.Default()).Cluster != nil {
		t.Fatalf("alone: %+v %v", c, err)
	}
	if _, err := parseConfig([]string{"-public-url", "http://a.example"}, func(string) string { return "" }); err == nil {
		t.Fatal("-public-url without -nats accepted")
	}
	// A public URL that is not an origin stops the server before it serves.
	c, _ = parseConfig([]string{"-addr", "127.0.0.1:0", "-nats", "nats://127.0.0.1:1", "-public-url", "http://a.example/path"}, func(string) string { return "" })
	err = run(context.Background(), c, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "PublicURL") {
		t.Fatalf("bad public URL: %v", err)
	}
	// Listening on every interface, the address is no URL for players.
	c, _ = parseConfig([]string{"-addr", ":0", "-nats", "nats://127.0.0.1:1"}, func(string) string { return "" })
	err = run(context.Background(), c, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "-public-url") {
		t.Fatalf("no public URL on every interface: %v", err)
	}
	c, _ = parseConfig([]string{"-nats", "nats://127.0.0.1:1", "-nats-replicas", "3"}, func(string) string { return "" })
	if r := serverConfig(c, slog.Default()).Cluster.Replicas; r != 3 {
		t.Fatalf("replicas %d", r)
	}
}
