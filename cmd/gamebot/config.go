package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/tickroom/tickroom/game/arena"
	"github.com/tickroom/tickroom/netio/client"
)

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("gamebot: invalid configuration")

// Behaviour is how a bot makes its inputs.
type Behaviour string

// The behaviours. Inputs are the mode's, as its schema declares them (Joined.schema.inputs).
const (
	// BehaviourStrategy plays the mode's own strategy (modeStrategies: the arena's steers to
	// the nearest orb), or wander in a mode without one.
	BehaviourStrategy Behaviour = "strategy"
	// BehaviourSeek is BehaviourStrategy by its former name, from when gamebot played the
	// arena only.
	BehaviourSeek Behaviour = "seek"
	// BehaviourIdle holds every input at rest: numbers at the point of their range nearest
	// 0, bools false.
	BehaviourIdle Behaviour = "idle"
	// BehaviourWander draws every input anew within its declared range about once a second.
	BehaviourWander Behaviour = "wander"
)

// RoomPolicy is how bots find rooms.
type RoomPolicy string

// The room policies.
const (
	// RoomsQuickjoin seats every bot with room:quickjoin; the server picks the rooms and
	// their size, and starts each when the mode's minimum of players is seated. A bot whose
	// match ends takes a seat again.
	RoomsQuickjoin RoomPolicy = "quickjoin"
	// RoomsPrivate splits the bots into groups of RoomSize: the first of each group creates
	// a private room, the others join it by its code, and when they all have the first
	// starts it.
	RoomsPrivate RoomPolicy = "private"
)

// DefaultRoomSize is the default of --room-size: the arena's default seat count, which its
// quickjoin rooms have.
const DefaultRoomSize = 10

// Config is one run. Start from DefaultConfig.
type Config struct {
	URL string // server base URL
	// URLs, when set, are several servers (the nodes of a cluster) the bots are spread over:
	// bot i connects to URLs[i % len(URLs)]. URL is then not used.
	URLs       []string
	Bots       int           // bots to run
	Mode       string        // game mode
	RoomSize   int           // players per private room; quickjoin rooms have the server's size
	Duration   time.Duration // from the start of the run to the stop of every bot
	Ramp       float64       // bots started per second
	Behaviour  Behaviour     // how bots make their inputs
	InputRate  int           // inputs per second per bot; 0 sends none
	Transport  client.Transport
	Parser     client.Parser
	NamePrefix string     // bot names are NamePrefix + index
	Rooms      RoomPolicy // how bots find rooms
	JSON       bool       // print the report as JSON instead of a table
	Seed       uint64     // seeds the bots' random choices; bots differ by index

	// Strategies are the mode strategies by mode name (modeStrategies by default).
	Strategies map[string]newStrategy

	// Thresholds: breaking one makes the run fail. MaxDesyncs, MaxBadSnapshots and
	// MaxErrors are on by default, at zero, and MaxSnapshotGap at 3 s: a run passes only when
	// every snapshot applied and matched its hash, snapshots kept coming and no bot erred,
	// unless the flags turn a threshold off. MaxP99 and MaxOverruns are off by default.
	MaxP99     time.Duration // input-to-ack p99; 0 means no limit
	MaxDesyncs int           // hash mismatches; negative means no limit
	// MaxBadSnapshots bounds the snapshots that did not decode, came out of order or did
	// not apply; negative means no limit.
	MaxBadSnapshots int
	MaxErrors       int // errors plus unexpected disconnects; negative means no limit
	// MaxSnapshotGap bounds the longest a seated bot goes without a snapshot (in a room not
	// ended); 0 means no limit.
	MaxSnapshotGap time.Duration
	// MaxOverruns bounds the server's dropped tick steps during the run (read from the
	// server's /stats); negative means no limit.
	MaxOverruns int

	// CPUProfile and MemProfile, when set, are files for a pprof CPU profile of the run and
	// a heap profile at nine tenths of the duration (every bot still playing): to see what the bots themselves cost.
	CPUProfile, MemProfile string

	// GCPercent is the Go collector's target (GOGC) for the bot process, set when the run
	// starts; 0 leaves the runtime's own (the GOGC environment variable, else 100). Without
	// --gogc, a GOGC in the environment stands. Bots
	// allocate little that lives long, and a thousand of them hold a small heap, so a higher
	// target trades a few megabytes of memory for collections that cost a share of every
	// bot's CPU; the load scripts compare the bots' CPU with the server's.
	GCPercent int

	// StatusEvery is the period of the status line; 0 turns it off.
	StatusEvery time.Duration
	// ConnectTimeout bounds one bot's connect, and JoinTimeout its join request.
	ConnectTimeout time.Duration
	JoinTimeout    time.Duration
}

// DefaultConfig returns the defaults of the flags.
func DefaultConfig() Config {
	return Config{
		URL:             "http://localhost:8080",
		Bots:            10,
		Mode:            arena.Name,
		RoomSize:        DefaultRoomSize,
		Duration:        60 * time.Second,
		Ramp:            200,
		Behaviour:       BehaviourStrategy,
		InputRate:       20,
		Transport:       client.TransportWebSocket,
		Parser:          client.ParserMsgpack,
		NamePrefix:      "bot-",
		Rooms:           RoomsQuickjoin,
		Seed:            1,
		Strategies:      modeStrategies(),
		MaxP99:          0,
		MaxDesyncs:      0,
		MaxBadSnapshots: 0,
		MaxErrors:       0,
		MaxSnapshotGap:  3 * time.Second,
		MaxOverruns:     -1,
		GCPercent:       DefaultGCPercent,
		StatusEvery:     time.Second,
		ConnectTimeout:  20 * time.Second,
		JoinTimeout:     20 * time.Second,
	}
}

// Validate reports the first invalid field, wrapped in ErrConfig.
func (c *Config) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrConfig}, args...)...)
	}
	for _, s := range c.urls() {
		if u, err := url.Parse(s); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad("--url %q must be an http(s) URL with a host", s)
		}
	}
	switch {
	case c.Bots <= 0:
		return bad("--bots must be positive")
	case c.Mode == "":
		return bad("--mode is required")
	case c.RoomSize < 1 || c.RoomSize > maxRoomSize:
		return bad("--room-size must be in 1..%d", maxRoomSize)
	case c.Rooms == RoomsQuickjoin && c.RoomSize != DefaultRoomSize:
		return bad("--room-size %d needs --rooms private: quickjoin rooms have the server's size", c.RoomSize)
	case c.Duration <= 0:
		return bad("--duration must be positive")
	case c.Ramp <= 0:
		return bad("--ramp must be positive")
	case c.Behaviour != BehaviourStrategy && c.Behaviour != BehaviourSeek && c.Behaviour != BehaviourIdle &&
		c.Behaviour != BehaviourWander:
		return bad("--behaviour %q must be strategy, idle or wander", c.Behaviour)
	case c.InputRate < 0 || c.InputRate > 60:
		return bad("--input-rate must be in 0..60 (the server's sustained limit)")
	case c.Transport > client.TransportPolling:
		return bad("unknown transport %v", c.Transport)
	case c.Parser > client.ParserText:
		return bad("unknown parser %v", c.Parser)
	case c.Rooms != RoomsQuickjoin && c.Rooms != RoomsPrivate:
		return bad("--rooms %q must be quickjoin or private", c.Rooms)
	case c.MaxP99 < 0 || c.MaxSnapshotGap < 0:
		return bad("--max-p99 and --max-snapshot-gap must not be negative")
	case c.GCPercent < 0:
		return bad("--gogc must not be negative")
	case c.StatusEvery < 0 || c.ConnectTimeout <= 0 || c.JoinTimeout <= 0:
		return bad("timeouts must be positive")
	}
	return nil
}

// DefaultGCPercent is the default of --gogc.
const DefaultGCPercent = 400

// urls are the servers the bots connect to: URLs, or URL alone.
func (c *Config) urls() []string {
	if len(c.URLs) > 0 {
		return c.URLs
	}
	return []string{c.URL}
}

// maxRoomSize bounds --room-size: a sanity limit; the mode's own limit is the server's to say.
const maxRoomSize = 1000

// parseConfig reads the flags into a validated Config.
func parseConfig(args []string, stderr io.Writer) (Config, error) {
	c := DefaultConfig()
	fs := flag.NewFlagSet("gamebot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.URL, "url", c.URL, "server base URL")
	urls := fs.String("urls", "", "comma-separated server base URLs (a cluster's nodes) to spread the bots over, instead of --url")
	fs.IntVar(&c.Bots, "bots", c.Bots, "number of bots")
	fs.StringVar(&c.Mode, "mode", c.Mode, "game mode")
	fs.IntVar(&c.RoomSize, "room-size", c.RoomSize, "players per room (with --rooms private); the host starts it when all have joined")
	fs.DurationVar(&c.Duration, "duration", c.Duration, "run length, from the start to the stop of every bot")
	fs.Float64Var(&c.Ramp, "ramp", c.Ramp, "bots started per second")
	behaviour := fs.String("behaviour", string(c.Behaviour), "strategy (the mode's own, else wander; seek is its former name), idle, or wander (random within the declared input ranges)")
	fs.IntVar(&c.InputRate, "input-rate", c.InputRate, "inputs per second per bot (0: none)")
	transport := fs.String("transport", "websocket", "websocket, polling or upgrade")
	parser := fs.String("parser", "msgpack", "msgpack or text")
	fs.StringVar(&c.NamePrefix, "name-prefix", c.NamePrefix, "bot name prefix (the index follows)")
	rooms := fs.String("rooms", string(c.Rooms), "quickjoin or private")
	fs.BoolVar(&c.JSON, "json", c.JSON, "print the report as JSON")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "seed of the bots' random choices")
	fs.DurationVar(&c.MaxP99, "max-p99", c.MaxP99, "fail when the input-to-ack p99 is above this (0: no limit)")
	fs.IntVar(&c.MaxDesyncs, "max-desyncs", c.MaxDesyncs, "fail when desyncs are above this (-1: no limit)")
	fs.IntVar(&c.MaxBadSnapshots, "max-bad-snapshots", c.MaxBadSnapshots, "fail when more snapshots than this did not decode, came out of order or did not apply (-1: no limit)")
	fs.IntVar(&c.MaxErrors, "max-errors", c.MaxErrors, "fail when errors plus unexpected disconnects are above this (-1: no limit)")
	fs.DurationVar(&c.MaxSnapshotGap, "max-snapshot-gap", c.MaxSnapshotGap, "fail when a seated bot went longer than this without a snapshot (0: no limit)")
	fs.IntVar(&c.MaxOverruns, "max-overruns", c.MaxOverruns, "fail when the server dropped more tick steps than this during the run, from its /stats (-1: no limit)")
	fs.StringVar(&c.CPUProfile, "cpuprofile", "", "write a CPU profile of the run to this file")
	fs.StringVar(&c.MemProfile, "memprofile", "", "write a heap profile at 9/10 of the duration to this file")
	fs.IntVar(&c.GCPercent, "gogc", c.GCPercent, "the Go GC target percent of the bot process (0: the runtime's; without this flag a GOGC environment variable stands)")
	fs.DurationVar(&c.StatusEvery, "status-every", c.StatusEvery, "status line period on stderr (0: off)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("%w: unexpected arguments %q", ErrConfig, fs.Args())
	}
	if *urls != "" {
		set := false
		fs.Visit(func(f *flag.Flag) { set = set || f.Name == "url" })
		if set {
			return c, fmt.Errorf("%w: give --url or --urls, not both", ErrConfig)
		}
		for _, u := range strings.Split(*urls, ",") {
			c.URLs = append(c.URLs, strings.TrimSpace(u))
		}
	}
	gogcSet := false
	fs.Visit(func(f *flag.Flag) { gogcSet = gogcSet || f.Name == "gogc" })
	if !gogcSet && os.Getenv("GOGC") != "" {
		c.GCPercent = 0 // the environment's GOGC stands unless --gogc is given
	}
	c.Behaviour = Behaviour(*behaviour)
	c.Rooms = RoomPolicy(*rooms)
	switch strings.ToLower(*transport) {
	case "websocket":
		c.Transport = client.TransportWebSocket
	case "polling":
		c.Transport = client.TransportPolling
	case "upgrade":
		c.Transport = client.TransportUpgrade
	default:
		return c, fmt.Errorf("%w: --transport %q must be websocket, polling or upgrade", ErrConfig, *transport)
	}
	switch strings.ToLower(*parser) {
	case "msgpack":
		c.Parser = client.ParserMsgpack
	case "text":
		c.Parser = client.ParserText
	default:
		return c, fmt.Errorf("%w: --parser %q must be msgpack or text", ErrConfig, *parser)
	}
	return c, c.Validate()
}
