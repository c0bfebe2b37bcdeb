// Command testnode is a gameserver cluster node for tests/cluster with one
// addition: POST /test/drain makes it drain and stay up (the lobby makes no
// new rooms, the other nodes hear of it, /readyz turns 503), where the
// operator's drain (SIGTERM, POST /admin/api/drain) would also end the
// process once its rooms are gone. Otherwise it is the server
// cmd/gameserver runs: the arena mode, a node of the cluster at -nats,
// listening on -addr with its admin listener on -admin-addr, printing
// "ADMIN <url>" and "LISTEN <url>", with cmd/gameserver's -public-url and
// -hash-every.
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

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/arena"
	"github.com/tickroom/tickroom/rooms/cluster"
	"github.com/tickroom/tickroom/rooms/server"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	bus := flag.String("nats", "", "the cluster's NATS server")
	publicURL := flag.String("public-url", "", "the origin players reach this node at (default http://<listen address>)")
	hashEvery := flag.Int("hash-every", 0, "put the view hash in every Nth snapshot (0: never)")
	adminAddr := flag.String("admin-addr", "127.0.0.1:0", "the admin listener (/readyz ...)")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Error("listen", "err", err)
		os.Exit(1)
	}
	cfg := server.DefaultConfig()
	cfg.Modes = []game.Mode{arena.Mode{}}
	cfg.Logger = log
	cfg.Lobby.Room.HashEvery = *hashEvery
	cc := cluster.DefaultConfig()
	cc.URL, cc.PublicURL = *bus, "http://"+ln.Addr().String()
	if *publicURL != "" {
		cc.PublicURL = *publicURL
	}
	cfg.Cluster = &cc
	srv, err := server.New(&cfg)
	if err != nil {
		log.Error("new", "err", err)
		os.Exit(1)
	}
	mux := http.NewServeMux()
	mux.Handle("/", srv.Handler())
	mux.HandleFunc("POST /test/drain", func(w http.ResponseWriter, _ *http.Request) {
		srv.Host().Drain()
		srv.Cluster().SetDraining(true)
		fmt.Fprintln(w, "draining")
	})
	// The admin routes on a listener of its own (the server serves them
	// itself only in Serve, and this node serves its handler in a mux).
	aln, err := net.Listen("tcp", *adminAddr)
	if err != nil {
		log.Error("admin listen", "err", err)
		os.Exit(1)
	}
	go func() { _ = http.Serve(aln, srv.AdminHandler()) }()
	fmt.Println("ADMIN http://" + aln.Addr().String() + "/")
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
