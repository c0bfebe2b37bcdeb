package rooms

import (
	"context"
	"errors"
	"runtime/debug"
	"slices"
	"time"

	"github.com/tickroom/tickroom/game"
)

// Run is the room goroutine: it makes the game, then runs ticks on a fixed
// schedule (tick n at start + n/TickRate) and the commands sent by other
// goroutines, until Close, the end of the match (EndedLinger after it), ctx
// (room:closed {reason: "shutdown"}) or a panic in mode code (room:closed
// {reason: "error"}, the stack logged, a *PanicError returned). Run may be
// called once.
func (r *Room) Run(ctx context.Context) error {
	if !r.ran.CompareAndSwap(false, true) {
		return errors.New("rooms: Run called twice")
	}
	defer close(r.done)
	if perr := r.guard(r.init); perr != nil {
		return r.failed(perr)
	}
	r.start = time.Now()
	period, ft := time.Second/time.Duration(r.rate), r.opts.FirstTick
	if ft.After(r.start) && ft.Sub(r.start) <= period {
		r.start = ft.Add(-period) // slot 1, the first tick, is due at FirstTick
	}
	timer := time.NewTimer(r.slotTime(1).Sub(time.Now()))
	defer timer.Stop()
	for {
		var perr *PanicError
		select {
		case <-ctx.Done():
			r.closeReason = CloseShutdown
		case perr = <-r.fail:
		case c := <-r.cmds:
			perr = r.guard(func() { r.accept(c) })
		case <-timer.C:
			perr = r.guard(r.onTimer)
			timer.Reset(r.nextWake().Sub(time.Now()))
		}
		if perr != nil {
			return r.failed(perr)
		}
		if r.closeReason != "" {
			r.closeAll(r.closeReason)
			return nil
		}
	}
}

func (r *Room) init() {
	r.world = game.NewWorld(r.mode.Schema())
	r.gctx = &game.Context{
		World:      r.world,
		Rand:       game.NewRand(r.seed),
		Settings:   r.settings,
		Emit:       r.emit,
		EmitTo:     r.emitTo,
		EmitExcept: r.emitExcept,
		EndMatch:   func() { r.endReq = true },
	}
	r.game = r.mode.New(r.gctx)
	r.appendView, _ = r.game.(game.ViewAppender)
}

// guard runs fn and turns a panic into a *PanicError.
func (r *Room) guard(fn func()) (perr *PanicError) {
	defer func() {
		if v := recover(); v != nil {
			perr = &PanicError{Room: r.id, Value: v, Stack: debug.Stack()}
		}
	}()
	fn()
	return nil
}

// failed closes the room after a panic: the stack goes to the log, every
// connection gets room:closed {reason: "error"}.
func (r *Room) failed(perr *PanicError) error {
	r.stats.panics.Add(1)
	r.holding, r.held = false, nil // a message handler that panicked: its events die with the room
	r.log.Error("rooms: panic in room, closing it", "room", r.id, "panic", perr.Value, "stack", string(perr.Stack))
	// closeAll only calls Peers; a panicking Peer must not take the
	// process down either.
	if p2 := r.guard(func() { r.closeAll(CloseError) }); p2 != nil {
		r.log.Error("rooms: panic while closing room", "room", r.id, "panic", p2.Value)
	}
	return perr
}

// closeAll tells every connection the room is gone and ends every seat.
func (r *Room) closeAll(reason CloseReason) {
	r.phase.Store(uint32(PhaseEnded))
	if r.opts.OnClose != nil {
		r.opts.OnClose(reason)
	}
	r.broadcast(NewEvent(EventClosed, Closed{Reason: reason}))
	for _, st := range r.seats {
		st.seat.left.Store(true)
	}
	if r.gctx == nil {
		return // the game was never made (New panicked)
	}
	r.gctx.Timers.Clear()
	if d, ok := r.game.(game.Disposer); ok {
		d.Dispose(string(reason))
	}
}

// accept runs an immediate command now and queues a lifecycle command for
// the next tick; once the room has ended there are no more ticks, so
// everything runs now.
func (r *Room) accept(c command) {
	if c.now || r.Phase() == PhaseEnded {
		c.run(r)
		return
	}
	r.pending = append(r.pending, c)
}

// slotTime is when schedule slot n is due; integer arithmetic keeps every
// slot exact, so the schedule never drifts.
func (r *Room) slotTime(n uint64) time.Time {
	return r.start.Add(time.Duration(n/r.rate)*time.Second + time.Duration(n%r.rate)*time.Second/time.Duration(r.rate))
}

// dueSlot returns the last slot due at now (at least r.slot).
func (r *Room) dueSlot(now time.Time) uint64 {
	e := now.Sub(r.start)
	if e < 0 {
		return r.slot
	}
	n := uint64(e/time.Second)*r.rate + uint64(e%time.Second)*r.rate/uint64(time.Second)
	for !r.slotTime(n + 1).After(now) {
		n++
	}
	for n > r.slot && r.slotTime(n).After(now) {
		n--
	}
	return max(n, r.slot)
}

// nextWake is when the timer should fire next.
func (r *Room) nextWake() time.Time {
	if r.Phase() == PhaseEnded {
		return r.endedAt.Add(r.cfg.EndedLinger)
	}
	return r.slotTime(r.slot + 1)
}

// onTimer runs the steps that are due: one normally, up to 1+MaxCatchUp
// after a stall (the rest dropped and counted as overruns), then one
// snapshot if a snapshot boundary was crossed.
func (r *Room) onTimer() {
	now := time.Now()
	if r.Phase() == PhaseEnded {
		if !now.Before(r.endedAt.Add(r.cfg.EndedLinger)) {
			r.closeReason = CloseEnded
		}
		return
	}
	due := r.dueSlot(now) - r.slot
	if due == 0 {
		return
	}
	defer func() { r.tickTimes.ObserveDuration(time.Since(now)) }()
	steps := min(due, 1+uint64(r.cfg.MaxCatchUp))
	r.slot += due
	r.stats.overruns.Add(due - steps)
	r.stats.catchUp.Add(steps - 1)
	boundary := false
	for i := uint64(0); i < steps && !r.endReq && r.closeReason == ""; i++ {
		r.step()
		if r.tick%r.every == 0 {
			boundary = true
		}
	}
	if r.endReq {
		r.endMatch()
		return
	}
	if boundary {
		r.snapshot()
	}
}

// step runs one tick: lifecycle commands, inputs in seq order, Step.
func (r *Room) step() {
	r.tick++
	if r.world.Tick() < r.tick { // a message may have begun it already (Room.Message)
		r.world.BeginTick(r.tick)
	}
	r.stats.ticks.Add(1)
	cmds := r.pending
	r.pending = nil
	for _, c := range cmds {
		c.run(r)
	}
	for _, st := range r.seats {
		r.applyInputs(st)
	}
	r.gctx.Timers.Fire(r.tick)
	r.game.Step()
	if r.Phase() == PhasePlaying && r.settings.MatchTicks > 0 && r.tick >= r.startTick+r.settings.MatchTicks {
		r.endReq = true
	}
}

// applyInputs hands the seat's queued inputs to the game in seq order,
// dropping (and counting) those at or below the last applied seq. A seat
// that flooded is disconnected first and its inputs are dropped.
func (r *Room) applyInputs(st *seatState) {
	in := st.seat.drain(r.inputs[:0])
	r.inputs = in[:0]
	if st.seat.flood.Swap(false) {
		r.flooded(st)
		clear(in)
		return
	}
	if len(in) == 0 {
		return
	}
	slices.SortStableFunc(in, func(a, b queuedInput) int {
		switch {
		case a.seq < b.seq:
			return -1
		case a.seq > b.seq:
			return 1
		}
		return 0
	})
	for _, q := range in {
		switch {
		case q.seq < st.lastApplied:
			r.stats.stale.Add(1)
		case q.seq == st.lastApplied:
			r.stats.duplicate.Add(1)
		default:
			r.game.Input(st.player.ID, q.in)
			st.lastApplied = q.seq
			r.stats.applied.Add(1)
		}
	}
	clear(in)
}

// flooded disconnects a player that sent more than FloodRate inputs a
// second for FloodSeconds: notice RATE_LIMITED, then the Peer is closed and
// the seat dropped (kept for a rejoin, like any disconnect).
func (r *Room) flooded(st *seatState) {
	if st.conn == nil {
		return // already disconnected; late inputs of the old socket
	}
	r.stats.floods.Add(1)
	if log, unlogged := r.floodLog.add(time.Now()); log {
		r.log.Warn("rooms: input flood, disconnecting", "room", r.id, "player", st.player.ID,
			"similar_since_last_line", unlogged)
	}
	_ = st.conn.peer.Send(NewEvent(EventNotice, Notice{Code: "RATE_LIMITED", Message: "too many inputs"}))
	st.conn.peer.Close("rate limited")
	_ = r.drop(st.player.ID)
}

// floodLogEvery is the shortest time between two flood warnings of a room:
// a flooder that rejoins and floods again would otherwise write a line every
// few seconds for as long as it cares to (Stats.Floods counts every one).
const floodLogEvery = 10 * time.Second

// floodLog says when a room may log a flood disconnect. Owned by the room
// goroutine.
type floodLog struct {
	last     time.Time // of the last line; zero before the first
	unlogged uint64    // disconnects since then without a line
}

// add counts a disconnect at now; log reports whether to write a line for
// it, with how many went without one since the previous line.
func (f *floodLog) add(now time.Time) (log bool, unlogged uint64) {
	if !f.last.IsZero() && now.Sub(f.last) < floodLogEvery {
		f.unlogged++
		return false, 0
	}
	f.last, unlogged, f.unlogged = now, f.unlogged, 0
	return true, unlogged
}

// endMatch ends the match after the current tick: the final state, then
// room:event {type: "results"}, then phase ended for EndedLinger.
func (r *Room) endMatch() {
	r.endReq = false
	r.snapshot()
	results := r.game.Results()
	r.emit("results", results)
	r.phase.Store(uint32(PhaseEnded))
	r.endedAt = time.Now()
	if r.opts.OnEnd != nil {
		r.opts.OnEnd(results)
	}
	if e, ok := r.game.(game.MatchEnder); ok {
		e.MatchEnded(results)
	}
	// Commands queued for a tick that will not come run now, in phase ended.
	cmds := r.pending
	r.pending = nil
	for _, c := range cmds {
		c.run(r)
	}
}
