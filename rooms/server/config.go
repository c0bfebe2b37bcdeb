package server

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/netio/socketio"
	"github.com/tickroom/tickroom/rooms/cluster"
	"github.com/tickroom/tickroom/rooms/lobby"
)

// Config configures a Server. A nil *Config passed to New means
// DefaultConfig(); in a Config, a zero field means that field's default, as
// each field says. Modes has no default: a server needs at least one.
type Config struct {
	// Addr is the public listener's address (host:port) for ListenAndServe;
	// Serve takes a listener instead and ignores it. "" means
	// "localhost:8080": this machine only (":8080" is every interface).
	Addr string
	// Modes are the game modes rooms can be made of, by their Name in
	// room:create. They are registered in order on the server's own
	// game.Registry: at least one, no two with one name.
	Modes []game.Mode
	// Lobby configures the room host (rooms/lobby): how long a dropped
	// player's seat is kept (Grace), the rooms' tuning and the view hash
	// (Room, Room.HashEvery), what one client may ask (Limits), the
	// handshake's token verifier (Verifier), where rooms are registered
	// (Store). Its zero fields mean the lobby's defaults, its nil Logger
	// means Logger. Leave Lobby.Modes nil or empty: Modes is where the modes
	// go, and a second list would only be a second place to look.
	Lobby lobby.Config
	// SocketIO configures the Socket.IO server (netio/socketio); the
	// handler serves it under SocketIO.Engine.Path ("/socket.io/"). Nil
	// means socketio.DefaultConfig(); its nil Logger means Logger. It is a
	// pointer because its zero value is not a configuration (see
	// socketio.Config): nil is the one way to say "the defaults".
	SocketIO *socketio.Config
	// Demo serves the arena demo page (client-js/demo) at "/". Off (the
	// default), "/" answers 404 like any path outside the server's routes:
	// the page plays the arena mode only, so a server of other modes has no
	// use for it.
	Demo bool
	// HTTP bounds what a client may make the public listener hold (Serve
	// and ListenAndServe; a Handler in your own http.Server is yours to
	// bound). Its zero fields mean the contract's defaults.
	HTTP HTTPLimits
	// Cluster, when not nil, makes this server one node of a cluster over
	// a NATS bus (rooms/cluster, docs/cluster.md): one lobby across every
	// node, seats routed to the room's node. Its URL and PublicURL are
	// required. Nil: the server runs alone. It replaces Lobby.Store and
	// Lobby.Cluster, which must then be nil.
	Cluster *cluster.Config
	// ShutdownTimeout bounds the graceful shutdown that follows the end of
	// Serve's context: closing the rooms, then the connections, then the
	// listener. Zero means 10 s.
	ShutdownTimeout time.Duration
	// Operations: the admin listener, drain, the Agones sidecar, readiness
	// and liveness (ops.go, docs/operations.md). Their zero values are: no
	// admin listener, a 30 s drain, no Agones, no more ready checks, a 10 s
	// stall bound.
	Ops Ops
	// Logger gets the server's records, and the lobby's and Socket.IO's
	// when their own Logger is nil. Nil means slog.Default().
	Logger *slog.Logger
}

// HTTPLimits are the public listener's HTTP limits (docs/operations.md,
// "Running it in public").
type HTTPLimits struct {
	// ReadHeaderTimeout bounds how long a request's headers may take. Zero
	// means 10 s.
	ReadHeaderTimeout time.Duration
	// IdleTimeout closes a keep-alive connection that sends no request for
	// that long. Zero means 120 s.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds a request's headers. Zero means 16 KB.
	MaxHeaderBytes int
}

// The defaults of Config's fields.
const (
	defaultAddr            = "localhost:8080"
	defaultShutdownTimeout = 10 * time.Second

	defaultReadHeaderTimeout = 10 * time.Second
	defaultIdleTimeout       = 120 * time.Second
	defaultMaxHeaderBytes    = 16 << 10
)

// DefaultConfig returns the defaults with no modes: the lobby's and
// Socket.IO's defaults, the demo off. Add modes to Modes before New.
func DefaultConfig() Config {
	sio := socketio.DefaultConfig()
	lc := lobby.DefaultConfig()
	lc.Modes = nil // Config.Modes is where modes go
	return Config{Addr: defaultAddr, Lobby: lc, SocketIO: &sio, ShutdownTimeout: defaultShutdownTimeout}
}

// Validate reports a configuration the server cannot run, wrapping
// ErrBadConfig. Zero fields are valid: they mean the defaults.
func (c *Config) Validate() error {
	_, err := c.registry()
	if err != nil {
		return err
	}
	switch {
	case c.Lobby.Modes != nil && len(c.Lobby.Modes.Names()) > 0:
		return fmt.Errorf("%w: Lobby.Modes is set: put the modes in Modes", ErrBadConfig)
	case c.ShutdownTimeout < 0:
		return fmt.Errorf("%w: ShutdownTimeout %v < 0", ErrBadConfig, c.ShutdownTimeout)
	case c.HTTP.ReadHeaderTimeout < 0 || c.HTTP.IdleTimeout < 0 || c.HTTP.MaxHeaderBytes < 0:
		return fmt.Errorf("%w: HTTP limits must not be negative", ErrBadConfig)
	}
	if err := c.Ops.validate(); err != nil {
		return fmt.Errorf("%w: Ops: %w", ErrBadConfig, err)
	}
	lc := c.Lobby
	lc.Modes = game.NewRegistry() // the lobby requires one; its content was checked above
	if err := lc.Validate(); err != nil {
		return fmt.Errorf("%w: Lobby: %w", ErrBadConfig, err)
	}
	if err := c.validateCluster(); err != nil {
		return err
	}
	if c.SocketIO != nil {
		if err := c.SocketIO.Validate(); err != nil {
			return fmt.Errorf("%w: SocketIO: %w", ErrBadConfig, err)
		}
		if socketIOPath(c.SocketIO) == "/" {
			return fmt.Errorf("%w: SocketIO.Engine.Path is \"/\": the server's other routes need it", ErrBadConfig)
		}
	}
	return nil
}

// registry registers Modes on a new registry: a duplicate name, a bad
// name or schema, a nil mode is an error.
func (c *Config) registry() (*game.Registry, error) {
	if len(c.Modes) == 0 {
		return nil, fmt.Errorf("%w: no Modes", ErrBadConfig)
	}
	reg := game.NewRegistry()
	for i, m := range c.Modes {
		if err := reg.Register(m); err != nil {
			return nil, fmt.Errorf("%w: Modes[%d]: %w", ErrBadConfig, i, err)
		}
	}
	return reg, nil
}

// withDefaults returns c with its zero fields set to their defaults and the
// loggers passed down; the lobby fills its own zero fields in NewHost.
func (c Config) withDefaults() Config {
	if c.Addr == "" {
		c.Addr = defaultAddr
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = defaultShutdownTimeout
	}
	if c.HTTP.ReadHeaderTimeout == 0 {
		c.HTTP.ReadHeaderTimeout = defaultReadHeaderTimeout
	}
	if c.HTTP.IdleTimeout == 0 {
		c.HTTP.IdleTimeout = defaultIdleTimeout
	}
	if c.HTTP.MaxHeaderBytes == 0 {
		c.HTTP.MaxHeaderBytes = defaultMaxHeaderBytes
	}
	c.Ops = c.Ops.withDefaults()
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Lobby.Logger == nil {
		c.Lobby.Logger = c.Logger
	}
	sio := socketio.DefaultConfig()
	if c.SocketIO != nil {
		sio = *c.SocketIO // a copy: the caller's Config is not changed
	}
	if sio.Logger == nil {
		sio.Logger = c.Logger
	}
	c.SocketIO = &sio
	return c
}

// socketIOPath is the mux pattern of the Socket.IO endpoint: its path with
// exactly one trailing slash, as Engine.IO normalises it.
func socketIOPath(c *socketio.Config) string {
	return strings.TrimRight(c.Engine.Path, "/") + "/"
}
