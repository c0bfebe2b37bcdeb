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
	"github.com/tickroom/tickroom/internal/metric"
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
	opts     Options       // static
	log      *slog.Logger  // static
	rate     uint64        // static: TickRate
	every    uint64        // static: ticks per snapshot

	cmds  chan command     // to the room goroutine
	fail  chan *PanicError // a mode panic caught outside the room goroutine (DecodeInput)
	done  chan struct{}    // closed when Run returns
	ran   atomic.Bool      // Run was called
	phase atomic.Uint32    // a Phase; written by the room goroutine
	stats counters         // atomics, from every goroutine
	// tickTimes is how long the room goroutine worked per timer wake-up
	// that ran ticks (the steps and the snapshot).
	tickTimes *metric.Histogram

	// Owned by the room goroutine.
	world       *game.World
	gctx        *game.Context // the game's: its message handlers and timers
	game        game.Game
	appendView  game.ViewAppender // game's, when it has one
	seats       []*seatState      // ascending player id
	pending     []command         // tick commands for the next tick
	start       time.Time         // slot 0 of the schedule
	slot        uint64            // schedule slot of the last tick
	tick        uint64            // the World's tick: steps run, from 1
	startTick   uint64            // tick of Start, 0 while waiting
	endReq      bool              // EndMatch was called during this tick
	endedAt     time.Time         // when the phase became ended
	closeReason CloseReason       // set to stop the loop after the current step
	snapshots   uint64            // snapshot boundaries so far (for HashEvery)
	scratch     snapshotScratch
	inputs      []queuedInput // reused by drainInputs
	holding     bool          // a message handler runs: events wait in held
	held        []heldEvent
	floodLog    floodLog // rate of the flood disconnect warning
}

// Options are what one room needs beyond its mode and the host-wide
// Config. A nil *Options, like its zero value, means none of them.
type Options struct {
	// FirstTick, when within one tick period after Run starts, is when the
	// first tick runs (Phases spreads a host's rooms over the period); zero
	// (or a time outside that period) means one period after Run starts.
	FirstTick time.Time
	// OnClose, when not nil, is called on the room goroutine when the room
	// closes for good, just before room:closed {reason} goes to its
	// players: an owner lets the connections go there, so a client that
	// acts on room:closed finds itself out of the room. It must return at
	// once.
	OnClose func(reason CloseReason)
	// OnEnd, when not nil, is called on the room goroutine when the match
	// ends, after the final snapshot and room:event {type: "results"} went
	// out, with the results. It must return at once and never wait for the
	// room (it runs on it).
	OnEnd func(results map[string]any)
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
	seat    *Seat // static
	peer    Peer
	written atomic.Uint64 // tick of the last snapshot written (writer goroutine)
	broken  atomic.Bool   // a delta was written over a baseline the client did not hold
	stats   *counters
}

// SnapshotWritten implements Written: it records that the snapshot of
// tick, a delta against base, has been written. It runs on whichever
// goroutine wrote it: the Peer's writer, or the room's own on a direct write.
func (c *conn) SnapshotWritten(tick, base uint64) {
	c.seat.snaps.Add(1)
	if base != 0 && base != c.written.Load() {
		c.broken.Store(true)
		c.stats.viols.Add(1)
	}
	c.written.Store(tick)
	c.stats.written.Add(1)
}

// NewRoom makes a room of mode with the settings from mode.Configure, the
// RNG seed, the host-wide cfg (nil means DefaultConfig()) and the room's
// own opts (nil means none). The game itself is made by Run, on the room
// goroutine.
func NewRoom(id string, mode game.Mode, settings game.Settings, seed uint64, cfg *Config, opts *Options) (*Room, error) {
	var c Config
	if cfg != nil {
		c = *cfg
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c = c.WithDefaults()
	if err := settings.Validate(); err != nil {
		return nil, err
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	log := c.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Room{
		id: id, mode: mode, settings: settings, seed: seed, cfg: c, opts: o, log: log,
		rate: uint64(settings.TickRate), every: uint64(settings.SnapshotEvery()),
		cmds: make(chan command, 16), fail: make(chan *PanicError, 1), done: make(chan struct{}),
		tickTimes: metric.NewHistogram(metric.DurationBounds()),
	}, nil
}

// ID returns the room id.
func (r *Room) ID() string { return r.id }

// Mode returns the room's mode (its Name and Schema are what clients are
// told of).
func (r *Room) Mode() game.Mode { return r.mode }

// Settings returns the room's settings.
func (r *Room) Settings() game.Settings { return r.settings }

// Phase returns the room's current phase.
func (r *Room) Phase() Phase { return Phase(r.phase.Load()) }

// Stats returns the room's counters.
func (r *Room) Stats() Stats { return r.stats.load() }

// TickTimes is how long the room's tick work took, per timer wake-up that
// ran ticks (steps and snapshot), in seconds.
func (r *Room) TickTimes() metric.Snapshot { return r.tickTimes.Snapshot() }

// Done is closed when Run has returned.
func (r *Room) Done() <-chan struct{} { return r.done }

// Join seats player p with connection peer at the next tick (see
// Tx.Join). If ctx ends first the join has no effect.
func (r *Room) Join(ctx context.Context, p game.Player, peer Peer) (*Seat, error) {
	var seat *Seat
	err := r.Do(ctx, func(tx *Tx) error {
		s, err := tx.Join(p, peer)
		seat = s
		return err
	})
	if err != nil {
		return nil, err
	}
	return seat, nil
}

// Leave gives up the seat of id at the next tick (see Tx.Leave).
func (r *Room) Leave(ctx context.Context, id game.PlayerID) error {
	return r.Do(ctx, func(tx *Tx) error { return tx.Leave(id) })
}

// Drop detaches the connection of id at the next tick (see Tx.Drop).
func (r *Room) Drop(ctx context.Context, id game.PlayerID) error {
	return r.Do(ctx, func(tx *Tx) error { return tx.Drop(id) })
}

// Return attaches a new connection to the seat of id at the next tick (see
// Tx.Return).
func (r *Room) Return(ctx context.Context, id game.PlayerID, peer Peer) error {
	return r.Do(ctx, func(tx *Tx) error { return tx.Return(id, peer) })
}

// Resync makes the next snapshots of id full states until one is written
// (room:resync).
func (r *Room) Resync(ctx context.Context, id game.PlayerID) error {
	return r.Call(ctx, func() error {
		st := r.seatOf(id)
		if st == nil {
			return ErrNotSeated
		}
		st.minBase = r.tick + 1
		return nil
	})
}

// Start moves the room from waiting to playing at the next tick (see
// Tx.Start).
func (r *Room) Start(ctx context.Context) error {
	return r.Do(ctx, func(tx *Tx) error { return tx.Start() })
}

// Close stops the room: every seated connection gets room:closed {reason}
// and Run returns. Closing a stopped room returns ErrClosed.
func (r *Room) Close(ctx context.Context, reason CloseReason) error {
	return r.Call(ctx, func() error {
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
	switch err := r.game.CanJoin(p); {
	case errors.Is(err, game.ErrRoomFull):
		return nil, fmt.Errorf("%w: %w", ErrRoomFull, err)
	case errors.Is(err, game.ErrNotJoinable):
		return nil, fmt.Errorf("%w: %w", ErrLocked, err)
	case err != nil:
		return nil, &RefusedError{Reason: err.Error()} // the mode's own reason (REFUSED)
	}
	r.game.Join(p)
	if peer == nil {
		r.game.Drop(p.ID) // a seat reserved for a connection still to come waits like a dropped one
	}
	seat := newSeat(r, p.ID, r.game.DecodeInput)
	st := &seatState{seat: seat, player: p, conn: r.newConn(seat, peer)}
	i, _ := slices.BinarySearchFunc(r.seats, p.ID, cmpSeat)
	r.seats = slices.Insert(r.seats, i, st)
	return st.seat, nil
}

func (r *Room) newConn(seat *Seat, peer Peer) *conn {
	if peer == nil {
		return nil
	}
	return &conn{seat: seat, peer: peer, stats: &r.stats}
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
		_ = st.conn.peer.Send(NewEvent(EventClosed, Closed{Reason: CloseRejoined}))
	}
	r.forget(st)
	st.conn = r.newConn(st.seat, peer)
	st.seat.restartFlood() // the new connection is judged on its own inputs
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

// broadcast queues a reliable event to every attached connection; it is
// encoded once for all of them.
func (r *Room) broadcast(ev *Event) {
	for _, st := range r.seats {
		if st.conn != nil {
			r.send(st.conn.peer, ev)
		}
	}
}

// send queues ev on peer, or holds it while a message handler runs: its
// events go out after the message's answer (Room.Message).
func (r *Room) send(peer Peer, ev *Event) {
	if r.holding {
		r.held = append(r.held, heldEvent{peer, ev})
		return
	}
	_ = peer.Send(ev)
}

// heldEvent is an event held until a message's answer is out.
type heldEvent struct {
	peer Peer
	ev   *Event
}

// emit is Context.Emit: room:event {type, ...fields}.
func (r *Room) emit(eventType string, fields map[string]any) {
	r.broadcast(NewEvent(EventRoom, roomEvent(eventType, fields)))
}

// emitTo is Context.EmitTo: room:event to one player.
func (r *Room) emitTo(to game.PlayerID, eventType string, fields map[string]any) {
	if st := r.seatOf(to); st != nil && st.conn != nil {
		r.send(st.conn.peer, NewEvent(EventRoom, roomEvent(eventType, fields)))
	}
}

// emitExcept is Context.EmitExcept: room:event to every player but some.
func (r *Room) emitExcept(except []game.PlayerID, eventType string, fields map[string]any) {
	ev := NewEvent(EventRoom, roomEvent(eventType, fields))
	for _, st := range r.seats {
		if st.conn != nil && !slices.Contains(except, st.player.ID) {
			r.send(st.conn.peer, ev)
		}
	}
}

// roomEvent is room:event's argument: the mode's fields and its type.
func roomEvent(eventType string, fields map[string]any) map[string]any {
	m := make(map[string]any, len(fields)+1)
	for k, v := range fields {
		m[k] = v
	}
	m["type"] = eventType
	return m
}

// failFromOutside hands a panic caught on another goroutine to the room
// goroutine, which closes the room. Never blocks: one failure is enough.
func (r *Room) failFromOutside(e *PanicError) {
	select {
	case r.fail <- e:
	default:
	}
}
