package tag

import (
	"fmt"

	"github.com/tickroom/tickroom/game"
)

// Name is the mode's name in room:create.
const Name = "tag"

// The game's constants.
const (
	WorldSize         = 1000 // units per side; coordinates are -500..+500
	PlayerRadius      = 16   // units
	Speed             = 150  // units per second
	ItSpeedNum        = 11   // "it" runs 11/10 as fast, or nobody would be caught
	ItSpeedDen        = 10
	TickRate          = 20
	SnapshotRate      = 10
	RoundSeconds      = 60
	MinRoundSeconds   = 5
	MaxRoundSeconds   = 600
	NoTagBackTicks    = TickRate     // a tagged player may not tag back for 1 s
	TauntCooldown     = 2 * TickRate // ticks between two taunts of one player
	MaxTauntRunes     = 40
	DefaultMaxPlayers = 8
	MaxPlayersLimit   = 16
)

// Entity kinds and their fields, in schema order.
const (
	KindPlayer = 0

	PlayerX       = 0 // float, quantum 1/8
	PlayerY       = 1 // float, quantum 1/8
	PlayerPID     = 2 // int: the game.PlayerID
	PlayerName    = 3 // string
	PlayerIt      = 4 // bool: this player is "it"
	PlayerItTicks = 5 // int: ticks spent as "it"
	PlayerTaunts  = 6 // int: taunts sent
)

// Global fields.
const (
	GlobalPhase   = 0 // int: PhaseWaiting, PhasePlaying or PhaseEnded
	GlobalIt      = 1 // int: the PlayerID of "it", 0 before the start
	GlobalEndTick = 2 // int: the tick the round ends at, 0 before the start
)

// Phases as carried in GlobalPhase.
const (
	PhaseWaiting = 0
	PhasePlaying = 1
	PhaseEnded   = 2
)

var schema = &game.Schema{
	Kinds: []game.EntityKind{{Name: "player", Fields: []game.Field{
		{Name: "x", Kind: game.KindFloat, Quantum: 1.0 / 8},
		{Name: "y", Kind: game.KindFloat, Quantum: 1.0 / 8},
		{Name: "pid", Kind: game.KindInt},
		{Name: "name", Kind: game.KindString},
		{Name: "it", Kind: game.KindBool},
		{Name: "itTicks", Kind: game.KindInt},
		{Name: "taunts", Kind: game.KindInt},
	}}},
	Globals: []game.Field{
		{Name: "phase", Kind: game.KindInt},
		{Name: "it", Kind: game.KindInt},
		{Name: "endTick", Kind: game.KindInt},
	},
	Inputs: []game.InputField{
		{Name: "x", Kind: game.KindFloat, Min: -1, Max: 1},
		{Name: "y", Kind: game.KindFloat, Min: -1, Max: 1},
	},
}

// Mode is the tag mode; its zero value is ready to register.
type Mode struct{}

var _ game.Mode = Mode{}

// Name returns "tag".
func (Mode) Name() string { return Name }

// Schema returns the players and the globals.
func (Mode) Schema() *game.Schema { return schema }

// Configure accepts maxPlayers 2..16 (default 8) and, in options, an
// optional roundSeconds (an integer 5..600, default 60).
func (Mode) Configure(opts game.Options) (game.Settings, error) {
	s := game.Settings{
		MinPlayers:      2,
		MaxPlayers:      DefaultMaxPlayers,
		MaxPlayersLimit: MaxPlayersLimit,
		TickRate:        TickRate,
		SnapshotRate:    SnapshotRate,
		JoinInProgress:  true,
		MatchTicks:      RoundSeconds * TickRate,
	}
	if opts.MaxPlayers != 0 {
		if opts.MaxPlayers < 2 || opts.MaxPlayers > MaxPlayersLimit {
			return s, fmt.Errorf("%w: maxPlayers %d not in 2..%d", game.ErrBadOptions, opts.MaxPlayers, MaxPlayersLimit)
		}
		s.MaxPlayers = opts.MaxPlayers
	}
	if v, ok := opts.Raw["roundSeconds"]; ok && v != nil {
		secs, ok := game.WholeNumber(v)
		if !ok || secs < MinRoundSeconds || secs > MaxRoundSeconds {
			return s, fmt.Errorf("%w: roundSeconds must be an integer in %d..%d", game.ErrBadOptions, MinRoundSeconds, MaxRoundSeconds)
		}
		s.MatchTicks = uint64(secs) * TickRate
	}
	return s, nil
}

// New makes a round: no players yet, phase waiting, the taunt handler.
func (Mode) New(ctx *game.Context) game.Game {
	g := &tagGame{ctx: ctx, w: ctx.World}
	ctx.Messages.Handle("taunt", g.taunt)
	g.w.SetGlobalInt(GlobalPhase, PhaseWaiting)
	return g
}
