// Command testnode is a gameserver cluster node for tests/cluster with one
// addition: POST /test/drain drains its host (lobby.Host.Drain), as the
// operator's drain will once the server offers one. Otherwise it is the
// server cmd/gameserver runs: the arena mode, a node of the cluster at
// -nats, listening on -addr, printing "LISTEN <url>", with cmd/gameserver's
// -public-url and -hash-every.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/tickroom/tickroom"
	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/arena"
	"github.com/tickroom/tickroom/rooms/cluster"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	bus := flag.String("nats", "", "the cluster's NATS server")
	publicURL := flag.String("public-url", "", "the origin players reach this node at (default http://<listen address>)")
	hashEvery := flag.Int("hash-every", 0, "put the view hash in every Nth snapshot (0: never)")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Error("listen", "err", err)
		os.Exit(1)
	}
	cfg := tickroom.DefaultConfig()
	cfg.Modes = []game.Mode{arena.Mode{}}
	cfg.Logger = log
	cfg.Lobby.Room.HashEvery = *hashEvery
	cc := cluster.DefaultConfig()
	cc.URL, cc.PublicURL = *bus, "http://"+ln.Addr().String()
	if *publicURL != "" {
		cc.PublicURL = *publicURL
	}
	cfg.Cluster = &cc
	srv, err := tickroom.New(&cfg)
	if err != nil {
		log.Error("new", "err", err)
		os.Exit(1)
	}
	mux := http.NewServeMux()
	mux.Handle("/", srv.Handler())
	mux.HandleFunc("POST /test/drain", func(w http.ResponseWriter, _ *http.Request) {
		srv.Host().Drain()
		fmt.Fprintln(w, "draining")
	})
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hs := &http.Server{Handler: mux}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		_ = srv.Shutdown(sctx)
		_ = hs.Shutdown(sctx)
	}()
	fmt.Println("LISTEN http://" + ln.Addr().String())
	if err := hs.Serve(ln); err != nil && err != http.ErrServerClosed {
		log.Error("serve", "err", err)
		os.Exit(1)
	}
	<-ctx.Done()
}
