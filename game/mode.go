package game

import "fmt"

// PlayerID names a seat in one room. The runtime assigns it and never reuses
// it within the room, so a mode can key its per-player state by it.
type PlayerID uint32

// EntityID names an entity of one World. World assigns ids from 1 upward and
// never reuses one, which is what lets a delta find removals by comparing
// two views instead of keeping tombstones.
type EntityID uint32

// AutoStart says when a room in phase waiting starts by itself.
type AutoStart uint8

const (
	// AutoStartManual: the host starts the room, or it starts when at least
	// MinPlayers are seated and all of them are ready.
	AutoStartManual AutoStart = iota
	// AutoStartWhenFull: the room starts as soon as MaxPlayers are seated
	// (the host can still start it earlier).
	AutoStartWhenFull
	// AutoStartImmediately: the room starts at once; the runtime uses it for
	// rooms made by room:quickjoin whatever the mode says.
	AutoStartImmediately
)

// Settings are one room's fixed parameters, returned by Mode.Configure.
type Settings struct {
	// MinPlayers is the fewest seated players room:start accepts.
	MinPlayers int
	// MaxPlayers is the room's seat count (the mode's default unless the
	// room:create options asked for another one).
	MaxPlayers int
	// MaxPlayersLimit is the largest MaxPlayers a room:create may ask for.
	MaxPlayersLimit int
	// TickRate is the simulation rate in Hz, 1..128; one Step is 1/TickRate s.
	TickRate int
	// SnapshotRate is the snapshot rate in Hz: 1..TickRate, and it must
	// divide TickRate so that snapshots fall on whole ticks.
	SnapshotRate int
	// JoinInProgress allows joining while the room is playing.
	JoinInProgress bool
	// MatchTicks is the match length in ticks; 0 means the mode ends the
	// match itself (Context.EndMatch) or never.
	MatchTicks uint64
	// AutoStart says when a waiting room starts by itself.
	AutoStart AutoStart
}

// Validate reports settings a runtime cannot run, wrapping ErrBadSettings.
func (s Settings) Validate() error {
	switch {
	case s.MinPlayers < 1:
		return fmt.Errorf("%w: MinPlayers %d < 1", ErrBadSettings, s.MinPlayers)
	case s.MaxPlayers < s.MinPlayers:
		return fmt.Errorf("%w: MaxPlayers %d < MinPlayers %d", ErrBadSettings, s.MaxPlayers, s.MinPlayers)
	case s.MaxPlayersLimit < s.MaxPlayers:
		return fmt.Errorf("%w: MaxPlayersLimit %d < MaxPlayers %d", ErrBadSettings, s.MaxPlayersLimit, s.MaxPlayers)
	case s.TickRate < 1 || s.TickRate > 128:
		return fmt.Errorf("%w: TickRate %d not in 1..128", ErrBadSettings, s.TickRate)
	case s.SnapshotRate < 1 || s.SnapshotRate > s.TickRate || s.TickRate%s.SnapshotRate != 0:
		return fmt.Errorf("%w: SnapshotRate %d must divide TickRate %d", ErrBadSettings, s.SnapshotRate, s.TickRate)
	case s.AutoStart > AutoStartImmediately:
		return fmt.Errorf("%w: unknown AutoStart %d", ErrBadSettings, s.AutoStart)
	}
	return nil
}

// SnapshotEvery is the number of ticks between two snapshots.
func (s Settings) SnapshotEvery() int {
	if s.SnapshotRate <= 0 {
		return 1
	}
	return s.TickRate / s.SnapshotRate
}

// Options are the room:create options as the client sent them. MaxPlayers
// is 0 when absent; Raw holds `options` (nil when absent), which only the
// mode interprets.
type Options struct {
	MaxPlayers int
	Raw        map[string]any
}

// Player is what a mode learns about a player taking a seat.
type Player struct {
	ID   PlayerID
	Name string
	Bot  bool
	// Subject is the verified account of the connection (the token
	// verifier's subject); empty when the server plays anonymously.
	Subject string
	// Meta is the join metadata the client sent with its join (the
	// request's playerMeta: at most 16 keys; string, number and boolean
	// values), nil when it sent none. CanJoin may refuse on it.
	Meta map[string]any
}

// Mode is a kind of game: a factory of matches plus its static description.
// A Mode value must be safe to call from many goroutines (the lobby calls
// Configure while rooms run); the Games it makes are not.
type Mode interface {
	// Name is the mode's name in room:create and RoomInfo.mode.
	Name() string
	// Configure validates room:create options and returns the room's
	// settings; an invalid option returns an error wrapping ErrBadOptions.
	Configure(opts Options) (Settings, error)
	// Schema describes the entity kinds and global fields; it must return
	// the same schema on every call and must not be modified afterwards.
	Schema() *Schema
	// New makes one match's game. Everything it needs comes in ctx, which
	// stays valid for the game's life.
	New(ctx *Context) Game
}

// Context is what the runtime gives a Game: its state and its ways out.
type Context struct {
	// World holds the game's visible state, change-tracked for snapshots.
	World *World
	// Rand is the room's seeded random source; the only randomness a
	// deterministic game may use.
	Rand *Rand
	// Settings are the room's settings from Mode.Configure.
	Settings Settings
	// Emit queues a reliable, ordered room:event {type: eventType, ...fields}
	// for everyone in the room. Nil in tests that do not care.
	Emit func(eventType string, fields map[string]any)
	// EmitTo queues room:event {type: eventType, ...fields} for one player
	// only. Nil in tests that do not care.
	EmitTo func(to PlayerID, eventType string, fields map[string]any)
	// EmitExcept queues room:event {type: eventType, ...fields} for every
	// player but those in except. Nil in tests that do not care.
	EmitExcept func(except []PlayerID, eventType string, fields map[string]any)
	// EndMatch asks the runtime to end the match after the current tick;
	// it then calls Results. Nil in tests that do not care.
	EndMatch func()
	// Messages is where the game registers its room:message handlers
	// (Messages.Handle, in Mode.New). A type without a handler answers
	// BAD_REQUEST.
	Messages Messages
	// Timers are the game's tick-based timers (Timers.After, Every); the
	// runtime fires them each tick after the inputs, before Step.
	Timers Timers
}

// Game is one match of a mode, driven by one goroutine. Within a tick the
// runtime calls, in order: World.BeginTick, the lifecycle calls in the
// order they arrived, Input (seq order per player), the due Timers, Step;
// then it reads views for the snapshot. room:message handlers run between
// ticks, when a message arrives; their changes belong to the next tick.
// Every method that changes state is called after BeginTick of the tick the
// change belongs to, so the World stamps it with the right tick. Start is
// the hook of a match starting; MatchEnder and Disposer the hooks of its
// end and of the room closing.
type Game interface {
	// CanJoin returns nil, or why p may not take a seat now (an error
	// wrapping ErrRoomFull, ErrNotJoinable, or a mode's own).
	CanJoin(p Player) error
	// Join seats p; CanJoin(p) returned nil just before.
	Join(p Player)
	// Leave frees the seat of id: room:leave, kick, or grace expiry.
	Leave(id PlayerID)
	// Drop marks id disconnected unexpectedly; the seat is kept.
	Drop(id PlayerID)
	// Return marks id connected again after a Drop (rejoin within grace).
	Return(id PlayerID)
	// Start moves the match from waiting to playing.
	Start()
	// DecodeInput validates one `input` payload, given as the canonical
	// msgpack encoding of its map (seq included or not: modes ignore it),
	// into the value later passed to Input. An error (wrapping ErrBadInput)
	// means malformed: the runtime drops and counts it. It must neither read
	// nor change the game's state, so the runtime may call it on any
	// goroutine (such as a connection's reader) outside the tick.
	DecodeInput(raw []byte) (any, error)
	// Input applies one decoded input of player id.
	Input(id PlayerID, in any)
	// Step advances the game one fixed step of 1/TickRate seconds.
	Step()
	// View calls visit for every entity player id sees, in any order.
	View(id PlayerID, visit func(EntityID))
	// Results returns the fields of the room:event {type: "results", ...}
	// sent at the end of the match.
	Results() map[string]any
}

// MatchEnder is implemented by a Game that wants to know its match ended:
// the runtime calls MatchEnded right after the results went out, with
// them. The room stays in phase ended for a while (rooms.Config
// EndedLinger) before it closes.
type MatchEnder interface {
	MatchEnded(results map[string]any)
}

// Disposer is implemented by a Game that must let go of something when its
// room closes for good: the match ended and lingered, the room emptied, the
// server shut down, or the room failed. reason is room:closed's ("ended",
// "shutdown", "error"). It is the Game's last call.
type Disposer interface {
	Dispose(reason string)
}

// ViewAppender is implemented by a Game that can build a view as a slice
// more cheaply than through View's callback (without a call and a branch
// per entity seen). AppendView appends to dst exactly the entities View
// would visit, in the same order, and returns the extended slice; it may
// write into dst's capacity beyond the returned length. The runtime uses
// it instead of View when the Game has it.
type ViewAppender interface {
	AppendView(dst []EntityID, id PlayerID) []EntityID
}
