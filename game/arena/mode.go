package arena

import (
	"fmt"

	"github.com/tickroom/tickroom/game"
)

// Name is the mode's name in room:create.
const Name = "arena"

// The arena settings of the game protocol.
const (
	WorldSize            = 2000 // units per side; coordinates are -1000..+1000
	ViewRadius           = 800  // units around the player's own circle
	OrbCount             = 200
	Speed                = 200  // units per second
	BoostNum, BoostDen   = 3, 2 // boost multiplies speed by 1.5
	BoostSeconds         = 1
	BoostCooldownSeconds = 3 // counted from the end of a boost
	TickRate             = 20
	MatchSeconds         = 300
	DefaultMaxPlayers    = 10
	MaxPlayersLimit      = 32
	PlayerRadius         = 20  // units, at score 0
	MaxPlayerRadius      = 100 // units
	OrbRadius            = 6   // units
	MaxMatchSeconds      = 3600
)

// Entity kinds and their fields, in schema order.
const (
	KindPlayer = 0
	KindOrb    = 1
)

// Fields of a player entity.
const (
	PlayerX     = 0 // float, quantum 1/8
	PlayerY     = 1 // float, quantum 1/8
	PlayerR     = 2 // float, quantum 1/8: radius
	PlayerScore = 3 // int
	PlayerBoost = 4 // bool: boosting now
	PlayerPID   = 5 // int: the game.PlayerID, so a client finds its own circle
	PlayerName  = 6 // string
)

// Fields of an orb entity.
const (
	OrbX     = 0 // float, quantum 1/8
	OrbY     = 1 // float, quantum 1/8
	OrbValue = 2 // int: points for eating it
)

// Global fields.
const (
	GlobalPhase   = 0 // int: PhaseWaiting, PhasePlaying or PhaseEnded
	GlobalEndTick = 1 // int: the tick the match ends at, 0 before the start
)

// Phases as carried in GlobalPhase.
const (
	PhaseWaiting = 0
	PhasePlaying = 1
	PhaseEnded   = 2
)

const posQuantum = 1.0 / 8

var schema = &game.Schema{
	Kinds: []game.EntityKind{
		{Name: "player", Fields: []game.Field{
			{Name: "x", Kind: game.KindFloat, Quantum: posQuantum},
			{Name: "y", Kind: game.KindFloat, Quantum: posQuantum},
			{Name: "r", Kind: game.KindFloat, Quantum: posQuantum},
			{Name: "score", Kind: game.KindInt},
			{Name: "boost", Kind: game.KindBool},
			{Name: "pid", Kind: game.KindInt},
			{Name: "name", Kind: game.KindString},
		}},
		{Name: "orb", Fields: []game.Field{
			{Name: "x", Kind: game.KindFloat, Quantum: posQuantum},
			{Name: "y", Kind: game.KindFloat, Quantum: posQuantum},
			{Name: "v", Kind: game.KindInt},
		}},
	},
	Globals: []game.Field{
		{Name: "phase", Kind: game.KindInt},
		{Name: "endTick", Kind: game.KindInt},
	},
	// input {seq, x, y, boost?} (input.go): a direction and a boost.
	Inputs: []game.InputField{
		{Name: "x", Kind: game.KindFloat, Min: -1, Max: 1},
		{Name: "y", Kind: game.KindFloat, Min: -1, Max: 1},
		{Name: "boost", Kind: game.KindBool},
	},
}

// Mode is the arena mode; its zero value is ready to register.
type Mode struct{}

var _ game.Mode = Mode{}

// Name returns "arena".
func (Mode) Name() string { return Name }

// Schema returns the arena's entity kinds and globals.
func (Mode) Schema() *game.Schema { return schema }

// Configure accepts maxPlayers 1..32 (default 10) and, in options, an
// optional matchSeconds (an integer 1..3600, default 300) for short test
// matches. Other option keys are ignored.
func (Mode) Configure(opts game.Options) (game.Settings, error) {
	s := game.Settings{
		MinPlayers:      1,
		MaxPlayers:      DefaultMaxPlayers,
		MaxPlayersLimit: MaxPlayersLimit,
		TickRate:        TickRate,
		SnapshotRate:    TickRate,
		JoinInProgress:  true,
		MatchTicks:      MatchSeconds * TickRate,
		AutoStart:       game.AutoStartManual,
	}
	if opts.MaxPlayers != 0 {
		if opts.MaxPlayers < 1 || opts.MaxPlayers > MaxPlayersLimit {
			return s, fmt.Errorf("%w: maxPlayers %d not in 1..%d", game.ErrBadOptions, opts.MaxPlayers, MaxPlayersLimit)
		}
		s.MaxPlayers = opts.MaxPlayers
	}
	if v, ok := opts.Raw["matchSeconds"]; ok && v != nil {
		secs, ok := game.WholeNumber(v)
		if !ok || secs < 1 || secs > MaxMatchSeconds {
			return s, fmt.Errorf("%w: matchSeconds must be an integer in 1..%d", game.ErrBadOptions, MaxMatchSeconds)
		}
		s.MatchTicks = uint64(secs) * TickRate
	}
	return s, nil
}

// New starts a match: 200 orbs at random places, phase waiting.
func (Mode) New(ctx *game.Context) game.Game {
	return newGame(ctx)
}
