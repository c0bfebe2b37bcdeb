package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/arena"
	"github.com/tickroom/tickroom/game/tag"
	"github.com/tickroom/tickroom/netio/engineio"
	"github.com/tickroom/tickroom/netio/socketio"
	"github.com/tickroom/tickroom/rooms/cluster"
	"github.com/tickroom/tickroom/rooms/lobby"
	"github.com/tickroom/tickroom/rooms/server"
)

// config is the binary's configuration; flags override the environment.
type config struct {
	Addr            string
	ShutdownTimeout time.Duration
	LogLevel        slog.Level
	// HashEvery puts the view hash in every HashEvery-th snapshot (0: never);
	// tests and bots turn it on to check their mirrors.
	HashEvery int
	// SeatGrace is how long a dropped player's seat waits for room:rejoin.
	SeatGrace time.Duration
	// TokenSecret, when set (env TICKROOM_TOKEN_SECRET, at least 32 bytes),
	// turns on the HMAC token verifier (lobby.HMACVerifier): every connection
	// needs auth.token signed with it. Empty: anonymous play.
	TokenSecret string
	// CPUProfile, when set, is a file that receives a CPU profile of the
	// whole run (written at shutdown).
	CPUProfile string
	// Limits bound what one client may ask of the lobby (zero fields: the
	// contract's defaults; negative: off).
	Limits lobby.Limits
	// SocketIO is the Socket.IO server's configuration: its path, heartbeat,
	// payload size, and the transport limits (connections per address and in
	// all, trusted proxies, origins, outbox bytes, auth size).
	SocketIO socketio.Config
	// HTTP bounds the public listener's requests and keep-alive connections.
	HTTP server.HTTPLimits
	// NATS, when set, makes this server a node of a cluster over that NATS
	// bus (docs/cluster.md); PublicURL is the origin its players reach it
	// at, by default http:// and the address it listens on (which must then
	// name one interface).
	NATS, PublicURL string
	// NATSReplicas is the number of copies of the cluster's buckets (3 on
	// a three-server NATS cluster).
	NATSReplicas int
	// Ops: the admin listener, its token, the drain and Agones.
	Ops opsConfig
}

// opsConfig is how the server is operated (docs/operations.md).
type opsConfig struct {
	// AdminAddr is the admin listener's address; "" turns it off.
	AdminAddr string
	// AdminToken (env TICKROOM_ADMIN_TOKEN only: a flag would show it in
	// ps) is required on every admin route when set; a non-loopback
	// AdminAddr needs one.
	AdminToken string
	// DrainTimeout is how long a drain waits for rooms to end; 0 closes
	// them at once.
	DrainTimeout time.Duration
	// Agones reports to the Agones SDK sidecar; on when -agones is given or
	// AGONES_SDK_HTTP_PORT is set (Agones sets it in a GameServer's pod).
	Agones bool
	// Probe, when set, makes the binary a probe instead of a server: it
	// asks that path of the admin listener and exits 0 on 200, 1 otherwise
	// (for Kubernetes exec probes: the token stays in the environment).
	Probe string
}

// minTokenSecret is the shortest TICKROOM_TOKEN_SECRET accepted.
const minTokenSecret = 32

// defaultConfig is the server's defaults (server.DefaultConfig).
func defaultConfig() config {
	d := server.DefaultConfig()
	return config{
		Addr: d.Addr, ShutdownTimeout: d.ShutdownTimeout, LogLevel: slog.LevelInfo, SeatGrace: d.Lobby.Grace, SocketIO: *d.SocketIO,
		Ops: opsConfig{AdminAddr: defaultAdminAddr, DrainTimeout: defaultDrainTimeout},
	}
}

// The operations defaults of the contract (docs/operations.md).
const (
	defaultAdminAddr    = "127.0.0.1:9090"
	defaultDrainTimeout = 30 * time.Second
)

func parseConfig(args []string, getenv func(string) string) (config, error) {
	c := defaultConfig()
	// The secrets come from the environment only: a flag would show them in ps.
	c.TokenSecret = getenv("TICKROOM_TOKEN_SECRET")
	c.Ops.AdminToken = getenv("TICKROOM_ADMIN_TOKEN")
	c.Ops.Agones = getenv("AGONES_SDK_HTTP_PORT") != ""
	fs, level := flagSet(&c)
	// Every flag can also come from the environment, as TICKROOM_ and its
	// name in upper case with _ for - (TICKROOM_MAX_ROOMS); a flag given on
	// the command line wins.
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name == "probe" { // a server given it by its environment would never serve
			return
		}
		name := envName(f.Name)
		f.Usage += " (env " + name + ")"
		if v := getenv(name); v != "" && envErr == nil {
			if err := fs.Set(f.Name, v); err != nil {
				envErr = fmt.Errorf("gameserver: %s: %w", name, err)
			}
		}
	})
	if envErr != nil {
		return c, envErr
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if err := c.LogLevel.UnmarshalText([]byte(*level)); err != nil {
		return c, fmt.Errorf("gameserver: -log-level: %w", err)
	}
	return c, c.check()
}

// flagSet binds every flag to c's fields; the returned string is
// -log-level's value.
func flagSet(c *config) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("gameserver", flag.ContinueOnError)
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "how long a graceful shutdown may take")
	level := fs.String("log-level", "info", "debug, info, warn or error")
	fs.IntVar(&c.HashEvery, "hash-every", c.HashEvery, "put the view hash in every Nth snapshot (0: never)")
	fs.DurationVar(&c.SeatGrace, "seat-grace", c.SeatGrace, "how long a dropped player's seat is kept for room:rejoin")
	fs.StringVar(&c.CPUProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file")
	fs.StringVar(&c.NATS, "nats", "", "NATS server(s) of the cluster bus, e.g. nats://127.0.0.1:4222 (empty: run alone)")
	fs.StringVar(&c.PublicURL, "public-url", "", "with -nats: the origin players reach this node at, e.g. https://eu1.example.com (default http://<listen address>)")
	fs.IntVar(&c.NATSReplicas, "nats-replicas", 1, "with -nats: copies of the cluster's KV buckets on the NATS servers (1 to 5)")
	l, dl := &c.Limits, lobby.DefaultLimits()
	fs.IntVar(&l.MaxRooms, "max-rooms", dl.MaxRooms, "most rooms this server runs; room:create beyond answers UNAVAILABLE (negative: no limit)")
	fs.Float64Var(&l.SeatRate, "seat-rate", dl.SeatRate, "seat requests (create, join, quickjoin, rejoin) a second per connection (negative: no limit)")
	fs.Float64Var(&l.SeatBurst, "seat-burst", dl.SeatBurst, "burst of seat requests per connection")
	fs.Float64Var(&l.FailedJoinCost, "failed-join-cost", dl.FailedJoinCost, "seat request tokens a join with a wrong password or room costs")
	fs.IntVar(&l.WrongPasswords, "wrong-passwords", dl.WrongPasswords, "wrong passwords one room takes a minute from all connections (negative: no limit)")
	fs.IntVar(&l.MaxPayload, "max-payload", dl.MaxPayload, "largest request payload in bytes; larger ones are BAD_REQUEST (negative: no limit)")
	fs.Float64Var(&l.ChatRate, "chat-rate", dl.ChatRate, "chat messages a second per connection (negative: no limit)")
	fs.Float64Var(&l.ChatBurst, "chat-burst", dl.ChatBurst, "burst of chat messages per connection")
	socketIOFlags(fs, &c.SocketIO)
	h := &c.HTTP
	fs.DurationVar(&h.ReadHeaderTimeout, "read-header-timeout", 10*time.Second, "how long a request's headers may take")
	fs.DurationVar(&h.IdleTimeout, "idle-timeout", 120*time.Second, "how long an idle keep-alive connection is kept")
	fs.IntVar(&h.MaxHeaderBytes, "max-header-bytes", 16<<10, "largest request headers in bytes")
	opsFlags(fs, &c.Ops)
	return fs, level
}

// check reports flag values the server cannot run with.
func (c *config) check() error {
	if c.HashEvery < 0 {
		return errors.New("gameserver: -hash-every must not be negative")
	}
	if c.SeatGrace <= 0 {
		return errors.New("gameserver: -seat-grace must be positive")
	}
	if c.TokenSecret != "" && len(c.TokenSecret) < minTokenSecret {
		return fmt.Errorf("gameserver: TICKROOM_TOKEN_SECRET must be at least %d bytes", minTokenSecret)
	}
	if c.ShutdownTimeout <= 0 {
		return errors.New("gameserver: -shutdown-timeout must be positive")
	}
	if c.PublicURL != "" && c.NATS == "" {
		return errors.New("gameserver: -public-url needs -nats")
	}
	if c.Ops.DrainTimeout < 0 {
		return errors.New("gameserver: -drain-timeout must not be negative")
	}
	return nil
}

// opsFlags binds the operations options to flags.
func opsFlags(fs *flag.FlagSet, c *opsConfig) {
	fs.StringVar(&c.AdminAddr, "admin-addr", c.AdminAddr, "the admin listener (/metrics, /livez, /readyz, /debug/pprof/, /admin/); empty: none; not on loopback it needs TICKROOM_ADMIN_TOKEN")
	fs.DurationVar(&c.DrainTimeout, "drain-timeout", c.DrainTimeout, "how long a drain (SIGTERM, POST /admin/api/drain) lets rooms end before closing them; 0: close them at once")
	fs.BoolVar(&c.Agones, "agones", c.Agones, "report to the Agones SDK sidecar (on by itself when AGONES_SDK_HTTP_PORT is set)")
	fs.StringVar(&c.Probe, "probe", "", "probe instead of serving: GET this path (/livez, /readyz) of the admin listener, exit 0 on 200")
}

// socketIOFlags binds the Socket.IO server's options a user of the Node
// server sets, and the transport limits, to flags.
func socketIOFlags(fs *flag.FlagSet, c *socketio.Config) {
	e := &c.Engine
	fs.StringVar(&e.Path, "path", e.Path, "the Socket.IO endpoint's path (the client's `path` option)")
	fs.DurationVar(&e.PingInterval, "ping-interval", e.PingInterval, "time between the server's pings")
	fs.DurationVar(&e.PingTimeout, "ping-timeout", e.PingTimeout, "how long a client has to answer a ping (also the polling POST deadline)")
	fs.Int64Var(&e.MaxHTTPBufferSize, "max-http-buffer-size", e.MaxHTTPBufferSize, "largest message and polling body in bytes (maxHttpBufferSize)")
	fs.IntVar(&e.MaxConnsPerIP, "max-conns-per-ip", engineio.DefaultMaxConnsPerIP, "connections one client address may hold; beyond: HTTP 429; loopback is exempt (negative: no limit)")
	fs.IntVar(&e.MaxConns, "max-conns", engineio.DefaultMaxConns, "connections this server holds; beyond: HTTP 503 (negative: no limit)")
	fs.Func("trusted-proxies", "comma-separated networks (CIDR) of reverse proxies whose X-Forwarded-For names the client", func(v string) error {
		e.TrustedProxies = nil
		for _, p := range splitList(v) {
			pfx, err := netip.ParsePrefix(p)
			if err != nil {
				return err
			}
			e.TrustedProxies = append(e.TrustedProxies, pfx)
		}
		return nil
	})
	fs.Func("origins", "comma-separated origins (scheme://host[:port]) allowed to connect; others get 403 (default: any)", func(v string) error {
		e.Origins = splitList(v)
		return nil
	})
	fs.IntVar(&e.MaxOutboxBytes, "outbox-bytes", engineio.DefaultMaxOutboxBytes, "bytes queued for one connection before it is closed as a slow client (negative: no limit)")
	fs.IntVar(&c.MaxAuthBytes, "max-auth-bytes", socketio.DefaultMaxAuthBytes, "largest handshake auth in bytes; larger: CONNECT_ERROR bad auth (negative: no limit)")
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// envName is the environment variable of a flag: TICKROOM_ and the flag's
// name in upper case, - as _.
func envName(flagName string) string {
	return "TICKROOM_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func main() {
	cfg, err := parseConfig(os.Args[1:], os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if cfg.Ops.Probe != "" {
		os.Exit(probe(cfg, os.Stdout))
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	// The first SIGTERM or SIGINT drains; a second one skips the rest of the
	// wait: the rooms close at once (their players still get room:closed).
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	drain := make(chan struct{})
	go func() {
		sig := <-sigs
		log.Info("gameserver: draining; signal again to close the rooms now", "signal", sig.String(), "drain_timeout", cfg.Ops.DrainTimeout)
		close(drain)
		sig = <-sigs
		log.Info("gameserver: closing the rooms now", "signal", sig.String())
		cancel()
	}()
	if cfg.CPUProfile != "" {
		f, err := os.Create(cfg.CPUProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			log.Error("gameserver: -cpuprofile", "err", err)
			os.Exit(1)
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	if err := run(ctx, cfg, log, os.Stdout, nil, drain); err != nil {
		log.Error("gameserver stopped", "err", err)
		cancel()
		os.Exit(1)
	}
}

// run serves until the drain that the closing of drain starts ends, or ctx
// is done (then it shuts down at once, within cfg.ShutdownTimeout). ready,
// when not nil, receives the bound address once listening.
func run(ctx context.Context, cfg config, log *slog.Logger, stdout io.Writer, ready chan<- net.Addr, drain <-chan struct{}) error {
	// Listen first: a cluster node's default public URL is the address it
	// listens on, port 0 included.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	sc := serverConfig(cfg, log)
	if sc.Cluster != nil && sc.Cluster.PublicURL == "" {
		a, _ := ln.Addr().(*net.TCPAddr)
		if a == nil || a.IP.IsUnspecified() {
			ln.Close()
			return errors.New("gameserver: -public-url is required with -nats when listening on every interface")
		}
		sc.Cluster.PublicURL = "http://" + ln.Addr().String()
	}
	srv, err := server.New(sc)
	if err != nil {
		ln.Close()
		return err
	}
	if cfg.TokenSecret != "" {
		log.Info("gameserver: token verifier on: connections need auth.token")
	}
	if node := srv.Cluster(); node != nil {
		log.Info("gameserver: cluster node", "node", node.ID(), "public-url", node.PublicURL(), "nats", cfg.NATS)
	}
	admin, err := srv.ListenAdmin()
	if err != nil {
		ln.Close()
		return errors.Join(err, srv.Shutdown(ctx))
	}
	url := "http://" + ln.Addr().String() + "/"
	log.Info("gameserver listening", "addr", url)
	// Machine-readable lines on stdout, for scripts and tests that start the
	// server on port 0: the admin listener's, then the public one's.
	if admin != nil {
		fmt.Fprintln(stdout, "ADMIN http://"+admin.String()+"/")
	}
	fmt.Fprintln(stdout, "LISTEN "+url)
	if ready != nil {
		ready <- ln.Addr()
	}
	return serveDrain(ctx, srv, ln, drain)
}

// serveDrain serves srv on ln until ctx is done or the drain that the
// closing of drain starts has ended.
func serveDrain(ctx context.Context, srv *server.Server, ln net.Listener, drain <-chan struct{}) error {
	served := make(chan struct{})
	defer close(served)
	go func() {
		select {
		case <-drain:
			srv.Drain()
		case <-served:
		}
	}()
	err := srv.Serve(ctx, ln)
	if errors.Is(err, server.ErrServed) && srv.Draining() {
		return nil // a signal right after the LISTEN line: drained, with nothing to wait for, before Serve began
	}
	return err
}

// serverConfig is the server of cfg: the bundled modes, the demo page, and
// the lobby as the flags say.
func serverConfig(cfg config, log *slog.Logger) *server.Config {
	sc := server.DefaultConfig()
	sc.Addr = cfg.Addr
	sc.Modes = []game.Mode{arena.Mode{}, tag.Mode{}} // the bundled modes
	sc.Demo = true
	sc.ShutdownTimeout = cfg.ShutdownTimeout
	sc.Logger = log
	sc.Lobby.Room.HashEvery = cfg.HashEvery
	sc.Lobby.Grace = cfg.SeatGrace
	sc.Lobby.Limits = cfg.Limits
	sio := cfg.SocketIO
	sc.SocketIO = &sio
	sc.HTTP = cfg.HTTP
	if cfg.TokenSecret != "" {
		sc.Lobby.Verifier = lobby.NewHMACVerifier([]byte(cfg.TokenSecret))
	}
	if cfg.NATS != "" {
		cc := cluster.DefaultConfig()
		cc.URL, cc.PublicURL, cc.Replicas, cc.Logger = cfg.NATS, cfg.PublicURL, cfg.NATSReplicas, log
		sc.Cluster = &cc
	}
	sc.Ops.AdminAddr = cfg.Ops.AdminAddr
	sc.Ops.AdminToken = cfg.Ops.AdminToken
	sc.Ops.DrainTimeout = cfg.Ops.DrainTimeout
	if sc.Ops.DrainTimeout == 0 {
		sc.Ops.DrainTimeout = -1 // -drain-timeout 0: no wait
	}
	sc.Ops.Agones.Enabled = cfg.Ops.Agones
	return &sc
}
