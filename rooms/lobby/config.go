package lobby

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/rooms"
)

// Config configures a Host. A nil *Config passed to NewHost means
// DefaultConfig(); in a Config, a zero field means that field's default,
// as each field says.
type Config struct {
	// Modes are the modes rooms can be made of. Required: NewHost fails
	// without a registry.
	Modes *game.Registry
	// Room tunes every room the host runs; its zero fields mean rooms'
	// defaults (rooms.Config).
	Room rooms.Config
	// Grace is how long a seat is kept after an unexpected disconnect.
	// Zero means 20 s.
	Grace time.Duration
	// RequestTimeout bounds how long a request waits for a room's reply;
	// past it the request answers INTERNAL. One the room had not begun
	// then has no effect; one it was running when the wait ended is
	// undone where it took or moved a seat (create, join, quickjoin,
	// rejoin) and completes otherwise. A disconnect's grace, a grace's
	// expiry and a kick already acked are not bounded by it. Zero means
	// 5 s.
	RequestTimeout time.Duration
	// RemoteTimeout bounds how long a request waits for another node of a
	// cluster; past it the request answers UNAVAILABLE. Zero means 10 s.
	RemoteTimeout time.Duration
	// EmptyTimeout is how long a room without any seat (seats in grace
	// count) lives before it is disposed. Zero means 30 s.
	EmptyTimeout time.Duration
	// LobbyInterval is the least time between two lobby:update events to
	// one watcher. Zero means 250 ms.
	LobbyInterval time.Duration
	// Limits bound what one client may ask of the lobby; its zero fields
	// mean the contract's defaults (Limits).
	Limits Limits
	// Verifier, when not nil, checks every handshake's auth.token; a
	// refused one gets CONNECT_ERROR {message: "unauthorized"}. Nil allows
	// anonymous play.
	Verifier TokenVerifier
	// Store is where the host registers its rooms and finds them for
	// lobby:list, lobby:watch and room:join. Nil means a store of this
	// host's rooms alone (NewMemStore).
	Store Store
	// NodeID names this host in a cluster (Cluster not nil): it prefixes
	// its seat tokens, so any node finds a seat's owner without asking.
	// Empty for a host alone.
	NodeID string
	// PublicURL is this node's origin as its players reach it
	// (scheme://host[:port]), the url of the Joined a remote request gets.
	PublicURL string
	// Cluster, when not nil, reaches the other nodes of a deployment; the
	// Store then holds every node's rooms. Nil: this host runs alone.
	Cluster Cluster
	// OnMatchEnd, when not nil, is called once for every match that ends
	// (its results went out to the players), on a goroutine of its own: an
	// application stores results there (leaderboards, history). A panic in
	// it is recovered and logged.
	OnMatchEnd func(MatchEnd)
	// Logger gets room failures. Nil means slog.Default().
	Logger *slog.Logger
}

// MatchEnd is what Config.OnMatchEnd learns of a match that ended.
type MatchEnd struct {
	// Room is the room as it was when the match ended (phase ended).
	Room *RoomInfo
	// Players are its seats then, in grace included (ascending id).
	Players []PlayerInfo
	// Results are the fields of room:event {type: "results"} (Game.Results).
	Results map[string]any
}

// The defaults of Config's durations (the game protocol's).
const (
	defaultGrace          = 20 * time.Second
	defaultRequestTimeout = 5 * time.Second
	defaultRemoteTimeout  = 10 * time.Second
	defaultEmptyTimeout   = 30 * time.Second
	defaultLobbyInterval  = 250 * time.Millisecond
)

// DefaultConfig returns the contract's defaults with an empty mode
// registry.
func DefaultConfig() Config {
	return Config{
		Modes: game.NewRegistry(), Room: rooms.DefaultConfig(), Limits: DefaultLimits(),
		Grace: defaultGrace, RequestTimeout: defaultRequestTimeout,
		EmptyTimeout: defaultEmptyTimeout, LobbyInterval: defaultLobbyInterval,
	}
}

// Validate reports a configuration a host cannot run, wrapping
// ErrBadConfig. Zero fields are valid: they mean the defaults.
func (c *Config) Validate() error {
	switch {
	case c.Modes == nil:
		return fmt.Errorf("%w: Modes is nil", ErrBadConfig)
	case c.Grace < 0 || c.RequestTimeout < 0 || c.RemoteTimeout < 0 || c.EmptyTimeout < 0 || c.LobbyInterval < 0:
		return fmt.Errorf("%w: negative duration", ErrBadConfig)
	}
	return c.Room.Validate()
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	for _, d := range []struct {
		field *time.Duration
		def   time.Duration
	}{
		{&c.Grace, defaultGrace}, {&c.RequestTimeout, defaultRequestTimeout}, {&c.RemoteTimeout, defaultRemoteTimeout},
		{&c.EmptyTimeout, defaultEmptyTimeout}, {&c.LobbyInterval, defaultLobbyInterval},
	} {
		if *d.field == 0 {
			*d.field = d.def
		}
	}
	c.Room = c.Room.WithDefaults()
	c.Limits = c.Limits.withDefaults()
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Room.Logger == nil {
		c.Room.Logger = c.Logger
	}
	return c
}
