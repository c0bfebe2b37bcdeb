package rooms

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync/atomic"
	"time"

	"github.com/tickroom/tickroom/game"
)

// Phase is a room's phase in the game protocol.
type Phase uint32

// The phases, in the only order a room goes through them.
const (
	PhaseWaiting Phase = iota
	PhasePlaying
	PhaseEnded
)

// String returns the phase's name in RoomInfo.phase.
func (p Phase) String() string {
	switch p {
	case PhaseWaiting:
		return "waiting"
	case PhasePlaying:
		return "playing"
	case PhaseEnded:
		return "ended"
	}
	return fmt.Sprintf("Phase(%d)", uint32(p))
}

// ErrTooFewPlayers: Start with fewer than MinPlayers seated (BAD_REQUEST).
var ErrTooFewPlayers = errors.New("rooms: too few players to start")

// Room is one match of a mode run by one goroutine (Run). Every other
// goroutine talks to it through methods that send the room a command and
// wait for its reply, bounded by their context and by the room stopping;
// Seat.PushInput and Stats do not wait at all.
type Room struct {
	id       string        // static
	mode     game.Mode     // static
	settings game.Settings // static
	seed     uint64        // static
	cfg      Config        // static
	log      *slog.Logger  // static
	rate     uint64        // static: TickRate
	// firstTick, when set before Run, is when the first tick runs (the host
	// spreads its rooms' ticks over the period); zero means one period
	// after Run starts.
	firstTick time.Time
	every     uint64 // static: ticks per snapshot

	cmds  chan command     // to the room goroutine
	fail  chan *PanicError // a mode panic caught outside the room goroutine (DecodeInput)
	done  chan struct{}    // closed when Run returns
	ran   atomic.Bool      // Run was called
	phase atomic.Uint32    // a Phase; written by the room goroutine
	stats counters         // atomics, from every goroutine
	onEnd func()           // static (set before Run): called on the room goroutine when a match ends; must not block

	// Owned by the room goroutine.
	world       *game.World
	game        game.Game
	appendView  game.ViewAppender // game's, when it has one
	seats       []*seatState      // ascending player id
	pending     []command         // lifecycle commands for the next tick
	start       time.Time         // slot 0 of the schedule
	slot        uint64            // schedule slot of the last tick
	tick        uint64            // the World's tick: steps run, from 1
	startTick   uint64            // tick of Start, 0 while waiting
	endReq      bool              // EndMatch was called during this tick
	endedAt     time.Time         // when the phase became ended
	closeReason string            // set to stop the loop after the current step
	snapshots   uint64            // snapshot boundaries so far (for HashEvery)
	scratch     snapshotScratch
	inputs      []queuedInput // reused by drainInputs
}

// command is a request to the room goroutine. Lifecycle commands run inside
// the next tick, after World.BeginTick, so their changes are stamped with a
// tick no snapshot has covered yet; immediate ones run when received.
type command struct {
	fn    func() error
	now   bool
	reply chan error
	// undo, when not nil, reverses a successful fn whose caller gave up while it ran
	// (a join the host never recorded must not leave a player in the game).
	undo  func()
	state *atomic.Int32 // cmdQueued, cmdRunning, cmdDone or cmdAbandoned
}

// The life of a command: the room takes a queued one (running) and finishes it (done); a
// caller that stops waiting marks it abandoned, and the room then skips it, or undoes it if
// it was running.
const (
	cmdQueued int32 = iota
	cmdRunning
	cmdDone
	cmdAbandoned
)

// run runs c on the room goroutine unless its caller gave up first, and replies.
func (c command) run() {
	if !c.state.CompareAndSwap(cmdQueued, cmdRunning) {
		return // abandoned before it ran: no effect
	}
	err := c.fn()
	if !c.state.CompareAndSwap(cmdRunning, cmdDone) {
		if err == nil && c.undo != nil {
			c.undo()
		}
		return
	}
	c.reply <- err
}

// seatState is the room goroutine's side of a seat.
type seatState struct {
	seat        *Seat
	player      game.Player
	conn        *conn      // nil while the player is dropped
	lastApplied uint64     // highest applied input seq
	minBase     uint64     // baselines below this tick are not trusted: full state
	sent        []sentView // views of offered snapshots not yet superseded by a write, ascending tick
}

// sentView is the view a snapshot offered at tick was encoded for.
type sentView struct {
	tick uint64
	view []game.EntityID
}

// conn is one connection of a seat: its Peer and what its writer reported.
// A Return makes a new conn, so late reports of the old one change nothing.
type conn struct {
	peer    Peer
	written atomic.Uint64 // tick of the last snapshot written (writer goroutine)
	broken  atomic.Bool   // a delta was written over a baseline the client did not hold
	stats   *counters
}

// wrote records that the snapshot of tick, a delta against base, has been
// written; it runs on the Peer's writer goroutine.
func (c *conn) wrote(tick, base uint64) {
	if base != 0 && base != c.written.Load() {
		c.broken.Store(true)
		c.stats.viols.Add(1)
	}
	c.written.Store(tick)
	c.stats.written.Add(1)
}

// NewRoom makes a room of mode with the settings from mode.Configure, the
// RNG seed and cfg (nil means DefaultConfig()). The game itself is made by
// Run, on the room goroutine.
func NewRoom(id string, mode game.Mode, settings game.Settings, seed uint64, cfg *Config) (*Room, error) {
	c := DefaultConfig()
	if cfg != nil {
		c = *cfg
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if err := settings.Validate(); err != nil {
		return nil, err
	}
	log := c.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Room{
		id: id, mode: mode, settings: settings, seed: seed, cfg: c, log: log,
		rate: uint64(settings.TickRate), every: uint64(settings.SnapshotEvery()),
		cmds: make(chan command, 16), fail: make(chan *PanicError, 1), done: make(chan struct{}),
	}, nil
}

// ID returns the room id.
func (r *Room) ID() string { return r.id }

// Settings returns the room's settings.
func (r *Room) Settings() game.Settings { return r.settings }

// Phase returns the room's current phase.
func (r *Room) Phase() Phase { return Phase(r.phase.Load()) }

// Stats returns the room's counters.
func (r *Room) Stats() Stats { return r.stats.load() }

// Done is closed when Run has returned.
func (r *Room) Done() <-chan struct{} { return r.done }

// do sends fn to the room goroutine and waits for its result. If ctx ends
// first, the command has no effect: the room skips it, or, when it was
// already running, runs undo (when not nil) after a successful fn. Only a
// command without undo that was running when ctx ended may take effect.
func (r *Room) do(ctx context.Context, now bool, fn func() error) error {
	return r.doUndo(ctx, now, fn, nil)
}

func (r *Room) doUndo(ctx context.Context, now bool, fn func() error, undo func()) error {
	c := command{fn: fn, now: now, reply: make(chan error, 1), undo: undo, state: new(atomic.Int32)}
	select {
	case r.cmds <- c:
	case <-ctx.Done():
		return ctx.Err()
	case <-r.done:
		return ErrClosed
	}
	select {
	case err := <-c.reply:
		return err
	case <-ctx.Done():
		if c.state.CompareAndSwap(cmdQueued, cmdAbandoned) || c.state.CompareAndSwap(cmdRunning, cmdAbandoned) {
			return ctx.Err()
		}
		return <-c.reply // done: the reply is on its way
	case <-r.done:
		select {
		case err := <-c.reply:
			return err
		default:
			return ErrClosed
		}
	}
}

// Join seats player p with connection peer at the next tick, after the
// room's own checks (phase, free seats, not seated yet) and Game.CanJoin.
// The player's first snapshot is a full state.
func (r *Room) Join(ctx context.Context, p game.Player, peer Peer) (*Seat, error) {
	var seat *Seat
	err := r.doUndo(ctx, false, func() error {
		s, err := r.join(p, peer)
		seat = s
		return err
	}, func() { _ = r.leave(p.ID) })
	if err != nil {
		return nil, err
	}
	return seat, nil
}

// Leave gives up the seat of id (room:leave, kick, grace expiry).
func (r *Room) Leave(ctx context.Context, id game.PlayerID) error {
	return r.do(ctx, false, func() error { return r.leave(id) })
}

// Drop detaches the connection of id after an unexpected disconnect; the
// seat is kept (Game.Drop) until Return or Leave.
func (r *Room) Drop(ctx context.Context, id game.PlayerID) error {
	return r.do(ctx, false, func() error { return r.drop(id) })
}

// Return attaches a new connection to the seat of id (room:rejoin). A seat
// still attached to another connection is taken over: the old one gets
// room:closed {reason: "rejoined"}. The next snapshot is a full state.
func (r *Room) Return(ctx context.Context, id game.PlayerID, peer Peer) error {
	return r.do(ctx, false, func() error { return r.ret(id, peer) })
}

// Resync makes the next snapshots of id full states until one is written
// (room:resync).
func (r *Room) Resync(ctx context.Context, id game.PlayerID) error {
	return r.do(ctx, true, func() error {
		st := r.seatOf(id)
		if st == nil {
			return ErrNotSeated
		}
		st.minBase = r.tick + 1
		return nil
	})
}

// Start moves the room from waiting to playing (room:start, auto start).
func (r *Room) Start(ctx context.Context) error {
	return r.do(ctx, false, r.startMatch)
}

// Close stops the room: every seated connection gets room:closed {reason}
// and Run returns. Closing a stopped room returns ErrClosed.
func (r *Room) Close(ctx context.Context, reason string) error {
	return r.do(ctx, true, func() error {
		r.closeReason = reason
		return nil
	})
}

// seatOf returns the seat of id or nil.
func (r *Room) seatOf(id game.PlayerID) *seatState {
	i, ok := slices.BinarySearchFunc(r.seats, id, cmpSeat)
	if !ok {
		return nil
	}
	return r.seats[i]
}

func cmpSeat(s *seatState, id game.PlayerID) int {
	switch {
	case s.player.ID < id:
		return -1
	case s.player.ID > id:
		return 1
	}
	return 0
}

func (r *Room) join(p game.Player, peer Peer) (*Seat, error) {
	switch {
	case r.Phase() == PhaseEnded:
		return nil, fmt.Errorf("%w: %w", ErrLocked, game.ErrNotJoinable)
	case r.Phase() == PhasePlaying && !r.settings.JoinInProgress:
		return nil, fmt.Errorf("%w: %w", ErrLocked, game.ErrNotJoinable)
	case r.seatOf(p.ID) != nil:
		return nil, ErrAlreadySeated
	case len(r.seats) >= r.settings.MaxPlayers:
		return nil, fmt.Errorf("%w: %w", ErrRoomFull, game.ErrRoomFull)
	}
	if err := r.game.CanJoin(p); err != nil {
		return nil, err
	}
	r.game.Join(p)
	st := &seatState{seat: newSeat(r, p.ID, r.game.DecodeInput), player: p, conn: r.newConn(peer)}
	i, _ := slices.BinarySearchFunc(r.seats, p.ID, cmpSeat)
	r.seats = slices.Insert(r.seats, i, st)
	return st.seat, nil
}

func (r *Room) newConn(peer Peer) *conn {
	if peer == nil {
		return nil
	}
	return &conn{peer: peer, stats: &r.stats}
}

func (r *Room) leave(id game.PlayerID) error {
	i, ok := slices.BinarySearchFunc(r.seats, id, cmpSeat)
	if !ok {
		return ErrNotSeated
	}
	st := r.seats[i]
	st.seat.left.Store(true)
	r.forget(st)
	r.seats = slices.Delete(r.seats, i, i+1)
	if r.Phase() != PhaseEnded {
		r.game.Leave(id)
	}
	return nil
}

func (r *Room) drop(id game.PlayerID) error {
	st := r.seatOf(id)
	if st == nil {
		return ErrNotSeated
	}
	if st.conn == nil {
		return nil
	}
	r.forget(st)
	st.conn = nil
	if r.Phase() != PhaseEnded {
		r.game.Drop(id)
	}
	return nil
}

func (r *Room) ret(id game.PlayerID, peer Peer) error {
	st := r.seatOf(id)
	if st == nil {
		return ErrNotSeated
	}
	wasDropped := st.conn == nil
	if !wasDropped {
		_ = st.conn.peer.Event("room:closed", map[string]any{"reason": "rejoined"})
	}
	r.forget(st)
	st.conn = r.newConn(peer)
	if wasDropped && r.Phase() != PhaseEnded {
		r.game.Return(id)
	}
	return nil
}

// forget drops what the room kept about the seat's current connection.
func (r *Room) forget(st *seatState) {
	for _, sv := range st.sent {
		r.scratch.recycle(sv.view)
	}
	st.sent = st.sent[:0]
}

func (r *Room) startMatch() error {
	if r.Phase() != PhaseWaiting {
		return ErrLocked
	}
	if len(r.seats) < r.settings.MinPlayers {
		return ErrTooFewPlayers
	}
	r.game.Start()
	r.phase.Store(uint32(PhasePlaying))
	r.startTick = r.tick
	return nil
}

// broadcast queues a reliable event to every attached connection.
func (r *Room) broadcast(name string, arg any) {
	for _, st := range r.seats {
		if st.conn != nil {
			_ = st.conn.peer.Event(name, arg)
		}
	}
}

// emit is Context.Emit: room:event {type, ...fields}.
func (r *Room) emit(eventType string, fields map[string]any) {
	m := make(map[string]any, len(fields)+1)
	for k, v := range fields {
		m[k] = v
	}
	m["type"] = eventType
	r.broadcast("room:event", m)
}

// failFromOutside hands a panic caught on another goroutine to the room
// goroutine, which closes the room. Never blocks: one failure is enough.
func (r *Room) failFromOutside(e *PanicError) {
	select {
	case r.fail <- e:
	default:
	}
}
