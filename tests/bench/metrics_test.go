package bench

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/arena"
	"github.com/tickroom/tickroom/rooms/server"
)

// BenchmarkArenaLoadMetrics is BenchmarkArenaLoad against the whole tickroom server (its
// admin listener, metrics registry and monitor included) with /metrics scraped once a second
// (scrape=on) or never (scrape=off): what serving metrics costs the standard workload. The
// counters the scrape reads are kept either way (netio's and the rooms' atomics); a scrape
// reads them, it adds nothing to a tick or a write. Compare server-cpu-ns/player-tick of the
// two (docs/operations.md, "What metrics cost").
func BenchmarkArenaLoadMetrics(b *testing.B) {
	for _, scrape := range []bool{false, true} {
		name := "scrape=off"
		if scrape {
			name = "scrape=on"
		}
		b.Run(name, func(b *testing.B) {
			arenaLoad(b, func(tb testing.TB) string { return newOpsServer(tb, scrape) })
		})
	}
}

// newOpsServer serves a tickroom server of the arena mode with a loopback admin listener
// until the benchmark ends; with scrape, a goroutine GETs its /metrics once a second.
func newOpsServer(tb testing.TB, scrape bool) (wsURL string) {
	tb.Helper()
	cfg := server.DefaultConfig()
	cfg.Modes = []game.Mode{arena.Mode{}}
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.Ops.AdminAddr = "127.0.0.1:0"
	srv, err := server.New(&cfg)
	if err != nil {
		tb.Fatal(err)
	}
	admin, err := srv.ListenAdmin()
	if err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	stop := make(chan struct{})
	scraped := make(chan struct{})
	go func() {
		defer close(scraped)
		if !scrape {
			return
		}
		c := &http.Client{Timeout: 5 * time.Second}
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				if res, err := c.Get("http://" + admin.String() + "/metrics"); err == nil {
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
			case <-stop:
				return
			}
		}
	}()
	tb.Cleanup(func() {
		close(stop)
		<-scraped
		cancel()
		if err := <-served; err != nil {
			tb.Errorf("Serve: %v", err)
		}
	})
	return "ws://" + ln.Addr().String() + "/socket.io/?EIO=4&transport=websocket"
}
