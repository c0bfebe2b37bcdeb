package rooms

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/tickroom/tickroom/game"
)

// command is a request to the room goroutine. A tick command (Do, and the
// seat methods built on it) runs inside the next tick, after
// World.BeginTick, so its changes are stamped with a tick no snapshot has
// covered yet; an immediate one (Call, Resync, Close) runs when received,
// between ticks.
type command struct {
	fn    func(*Tx) error
	now   bool
	reply chan error
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
func (c command) run(r *Room) {
	if !c.state.CompareAndSwap(cmdQueued, cmdRunning) {
		return // abandoned before it ran: no effect
	}
	tx := &Tx{r: r, tick: !c.now}
	err := c.fn(tx)
	if !c.state.CompareAndSwap(cmdRunning, cmdDone) {
		tx.rollback() // the caller gave up while fn ran: what it did must not stay
		tx.done = true
		return
	}
	tx.done = true
	c.reply <- err
}

// Tx is a tick command's handle on its room: the seat changes it makes
// through Tx take effect in the tick being built, and the caller's own
// bookkeeping runs in the same step, so no other command ever sees one
// without the other. A Tx is valid only while its command runs, on the
// room goroutine; Room.Do hands it out.
type Tx struct {
	r    *Room
	tick bool     // a tick command: seat changes allowed
	done bool     // the command has returned
	undo []func() // run in reverse when the caller gave up while the command ran
}

// ErrNotInTick: a seat change through a Tx outside a tick command (Call's
// function has no Tx; this guards a Tx kept past its command).
var ErrNotInTick = errors.New("rooms: seat change outside a tick command")

func (tx *Tx) check() error {
	if !tx.tick || tx.done {
		return ErrNotInTick
	}
	return nil
}

// Join seats player p with connection peer after the room's own checks
// (phase, free seats, not seated yet) and Game.CanJoin. The player's first
// snapshot is a full state. A nil peer reserves the seat for a connection
// that comes later through Return: the game sees Join, then Drop, as for a
// player who disconnected. Undone (the player leaves again) if the caller
// gives up.
func (tx *Tx) Join(p game.Player, peer Peer) (*Seat, error) {
	if err := tx.check(); err != nil {
		return nil, err
	}
	s, err := tx.r.join(p, peer)
	if err == nil {
		tx.OnUndo(func() { _ = tx.r.leave(p.ID) })
	}
	return s, err
}

// Leave gives up the seat of id (room:leave, kick, grace expiry).
func (tx *Tx) Leave(id game.PlayerID) error {
	if err := tx.check(); err != nil {
		return err
	}
	return tx.r.leave(id)
}

// Drop detaches the connection of id after an unexpected disconnect; the
// seat is kept (Game.Drop) until Return or Leave.
func (tx *Tx) Drop(id game.PlayerID) error {
	if err := tx.check(); err != nil {
		return err
	}
	return tx.r.drop(id)
}

// Return attaches a new connection to the seat of id (room:rejoin). A seat
// still attached to another connection is taken over: the old one gets
// room:closed {reason: "rejoined"}. The next snapshot is a full state.
func (tx *Tx) Return(id game.PlayerID, peer Peer) error {
	if err := tx.check(); err != nil {
		return err
	}
	return tx.r.ret(id, peer)
}

// Start moves the room from waiting to playing (ErrLocked outside waiting,
// ErrTooFewPlayers below the mode's minimum).
func (tx *Tx) Start() error {
	if err := tx.check(); err != nil {
		return err
	}
	return tx.r.startMatch()
}

// OnUndo registers fn to run, on the room goroutine and in reverse order
// of registration, if the command's caller gave up while it ran: the
// caller then never learns of its effects, so they must not stay.
func (tx *Tx) OnUndo(fn func()) { tx.undo = append(tx.undo, fn) }

func (tx *Tx) rollback() {
	for i := len(tx.undo) - 1; i >= 0; i-- {
		tx.undo[i]()
	}
}

// Do runs fn inside the room's next tick, on the room goroutine, and waits
// for its result. Seat changes go through the Tx; everything else fn does
// (a caller's bookkeeping, events to players) happens in the same step. If
// ctx ends first the command has no effect: the room skips it, or, when it
// was already running and succeeded, runs what it registered with
// Tx.OnUndo. Once the room has ended there are no more ticks and fn runs
// when received. fn must not wait for anything but the room's own state.
func (r *Room) Do(ctx context.Context, fn func(*Tx) error) error {
	return r.submit(ctx, false, fn)
}

// Call runs fn on the room goroutine between ticks, when received, and
// waits for its result; it is how an owner of per-room state (the lobby)
// reads and changes that state without a lock. fn must not change seats
// (use Do) nor wait. If ctx ends first fn is skipped, or, if it was
// running, finishes.
func (r *Room) Call(ctx context.Context, fn func() error) error {
	return r.submit(ctx, true, func(*Tx) error { return fn() })
}

// submit hands fn to the room goroutine and waits for its result, bounded
// by ctx and the room stopping (ErrClosed).
func (r *Room) submit(ctx context.Context, now bool, fn func(*Tx) error) error {
	c := command{fn: fn, now: now, reply: make(chan error, 1), state: new(atomic.Int32)}
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

// Message hands room:message m to the game's handler for its type, on the
// room goroutine between ticks, when received, and calls answer there with
// the handler's reply: a type the game has no handler for is
// game.ErrNoHandler, a handler's error a *RefusedError, m.From not seated
// ErrNotSeated. The events the handler sends go out after answer, so an
// answer that acknowledges a request reaches the sender before anything
// the request caused. The handler's changes to the World belong to the
// next tick (they reach the next snapshot), and it runs before that tick's
// lifecycle commands and inputs. Message returns what the room itself
// answered: ctx's error or ErrClosed when answer was not called, and ctx's
// error also when ctx ended while the handler ran (answer was or will be
// called then too: a caller answers once).
func (r *Room) Message(ctx context.Context, m game.Message, answer func(reply any, err error)) error {
	return r.Call(ctx, func() error {
		if r.seatOf(m.From) == nil {
			answer(nil, ErrNotSeated)
			return nil
		}
		if !r.gctx.Messages.Has(m.Type) {
			answer(nil, game.ErrNoHandler)
			return nil
		}
		if r.world.Tick() == r.tick {
			r.world.BeginTick(r.tick + 1) // the tick being built
		}
		var reply any
		var err error
		r.holdEvents(func() { reply, err = r.gctx.Messages.Dispatch(m) }, func() {
			if err != nil {
				answer(nil, &RefusedError{Reason: err.Error()})
			} else {
				answer(reply, nil)
			}
		})
		return nil
	})
}

// DoAnswered is Do for a request whose answer must reach its sender
// before anything the step causes: fn runs inside the next tick with the
// events it (and the mode code it calls) sends held, then answer runs with
// fn's error, on the room goroutine, then the held events go out. answer is
// not called when the command never ran (DoAnswered's own error: ctx's, or
// ErrClosed); it may be called when ctx ended while the step ran.
func (r *Room) DoAnswered(ctx context.Context, fn func(*Tx) error, answer func(error)) error {
	return r.Do(ctx, func(tx *Tx) error {
		var err error
		r.holdEvents(func() { err = fn(tx) }, func() { answer(err) })
		return err
	})
}

// holdEvents runs fn with the events it sends held, then answer, then
// sends the held events.
func (r *Room) holdEvents(fn, answer func()) {
	r.holding = true
	fn()
	r.holding = false
	answer()
	for _, h := range r.held {
		_ = h.peer.Send(h.ev)
	}
	clear(r.held)
	r.held = r.held[:0]
}
