package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/netio/client"
	"github.com/tickroom/tickroom/netio/sioparser"
)

// pendingInputs is how many unacknowledged inputs a bot remembers the send
// time of: at 20/s, 6.4 s. Older ones are not measured.
const pendingInputs = 128

// silentSeat is how long a seated bot may go without its first snapshot before that counts as
// an error (NO_SNAPSHOTS): a room sends at least one snapshot a second (game.Settings).
const silentSeat = 2 * time.Second

// errLost ends a join whose connection was lost: the disconnect is counted already.
var errLost = errors.New("gamebot: connection lost")

// bot is one player connection. The connection's reader goroutine (snapshot and event
// handlers, and the seat requests' ack callbacks) and the bot's goroutine (join, input loop)
// share the fields under mu; the rest are owned by the bot's goroutine.
type bot struct {
	r     *runner
	index int
	name  string
	// rng is the bot's goroutine's while it is off the input clock, and send's and an
	// observer's (under mu) while it is on it: the clock shard's lock orders the two.
	rng  *rand.Rand
	buf  []byte  // the input's encoding, send's
	view botView // what the strategy sees, send's: a field, so that the call does not allocate it
	obs  botView // what an observer sees, onSnapshot's (under mu)

	url      string                        // the server the bot connects to first
	s        *client.Socket                // the connection in use
	live     atomic.Pointer[client.Socket] // the connection whose events are the bot's: s, or nil while it moves
	moved    bool                          // the bot followed a seat to another node
	stopping atomic.Bool                   // set before the bot closes its own connection
	lost     chan struct{}                 // closed on an unexpected disconnect
	lostOnce sync.Once
	ended    chan struct{} // cap 1: the seat's match ended (matchOver)
	settled  bool          // a private room joiner told its group it is done joining
	clock    clockEntry    // where the bot sits on the input clock; guarded by the clock shard's lock

	mu sync.Mutex
	// The seat, set by each Joined (seat).
	seated    bool
	matchOver bool // the seat's room reached phase ended, or closed for it
	refused   bool // the bot refused its Joined (BAD_SCHEMA, STRATEGY) and stops
	seatedAt  time.Time
	mirror    *game.Mirror
	strat     strategy
	in        *input
	pid       int64
	phase     string // the room's phase, from the Joined and room:info
	changed   bool   // the mirror changed since the strategy last ran
	seatSnap  int    // snapshots applied in this seat
	seatIn    int    // inputs made in this seat
	// Snapshot and input measurements; per seat where a new seat resets them.
	got        bool
	lastT      uint64
	lastAt     time.Time
	firstAt    time.Time
	snaps      int
	lastSent   uint64
	lastAcked  uint64
	sentAt     [pendingInputs]int64 // unix ns by seq % pendingInputs
	firstInput time.Time
	lastInput  time.Time
	inputs     int
}

func newBot(r *runner, i int) *bot {
	return &bot{
		r:     r,
		index: i,
		name:  fmt.Sprintf("%s%d", r.cfg.NamePrefix, i),
		url:   r.urls[i%len(r.urls)],
		rng:   rand.New(rand.NewPCG(r.cfg.Seed, uint64(i))),
		lost:  make(chan struct{}),
		ended: make(chan struct{}, 1),
		clock: clockEntry{pos: -1},
	}
}

// run plays until ctx is done or the connection is lost; a quickjoin bot whose match ended
// takes a seat again.
func (b *bot) run(ctx context.Context) {
	st := &b.r.stats
	defer b.settle() // whatever happened, a joiner's host must not wait for it
	if err := b.connect(ctx); err != nil {
		if b.isHost() {
			b.r.group(b.index).fail() // the others of the group need not wait
		}
		if ctx.Err() == nil {
			st.addFailure(failureOf("connect", err))
		}
		return
	}
	st.connected.Add(1)
	defer st.connected.Add(-1)
	defer b.close()
	for reseat := false; ; reseat = true {
		op, err := b.join(ctx)
		if reseat && isCode(err, "ALREADY_IN_ROOM") {
			// The lobby may free the seat of a closed room a moment after its room:closed.
			st.reseatRetries.Add(1)
			if sleep(ctx, time.Second) {
				op, err = b.join(ctx)
			}
		}
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, errLost) {
				st.addFailure(failureOf(op, err))
			}
			return
		}
		st.inRoom.Add(1)
		ended := b.play(ctx)
		st.inRoom.Add(-1)
		if !ended || b.r.cfg.Rooms != RoomsQuickjoin || ctx.Err() != nil {
			return
		}
		// A player would leave the room at its results rather than wait for it to close.
		if _, err := b.request(ctx, "room:leave", map[string]any{}, false); err != nil && !isCode(err, "NOT_IN_ROOM") {
			if ctx.Err() == nil {
				st.addFailure(failureOf("leave", err))
			}
			return
		}
	}
}

// sleep waits d or until ctx is done, and reports whether it waited d.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func (b *bot) connect(ctx context.Context) error {
	start := time.Now()
	s, err := b.dial(ctx, b.url)
	if err != nil {
		return err
	}
	b.r.stats.connectTime.record(time.Since(start))
	b.s = s
	b.live.Store(s)
	return nil
}

// dial opens a connection to url with the run's options and the bot's handlers. Every
// connection has the same options: the first, and those to the nodes a seat moves to.
func (b *bot) dial(ctx context.Context, url string) (*client.Socket, error) {
	o := client.DefaultOptions()
	o.Transport = b.r.cfg.Transport
	o.Parser = b.r.cfg.Parser
	o.Reconnection = false
	o.ConnectTimeout = b.r.cfg.ConnectTimeout
	o.AckTimeout = b.r.cfg.JoinTimeout
	// A bot sends at most 60 inputs a second and a request now and then:
	// a short queue keeps thousands of bots cheap.
	o.QueueSize = 64
	cctx, cancel := context.WithTimeout(ctx, b.r.cfg.ConnectTimeout)
	defer cancel()
	s, err := client.Dial(cctx, url, map[string]any{"name": b.name}, &o)
	if err != nil {
		return nil, err
	}
	st := &b.r.stats
	// Only the live connection's events are the bot's: one that answered with a seat on
	// another node is in no room, and a real node sends it none.
	on := func(event string, fn func(client.Args)) {
		s.On(event, func(args client.Args, _ client.Ack) {
			if b.live.Load() == s {
				fn(args)
			}
		})
	}
	on("snapshot", func(args client.Args) { b.onSnapshot(args.Raw(0)) })
	on("room:info", func(args client.Args) {
		var v struct {
			Phase string `msgpack:"phase"`
		}
		if args.Decode(0, &v) == nil {
			b.mu.Lock()
			b.phase = v.Phase
			if v.Phase == "ended" {
				b.endMatch()
			}
			b.mu.Unlock()
		}
	})
	on("room:closed", func(args client.Args) {
		var v struct {
			Reason string `msgpack:"reason"`
		}
		_ = args.Decode(0, &v)
		switch {
		case b.stopping.Load():
		case v.Reason == "ended": // the end of a match (or an empty room's), not of the bot
			b.mu.Lock()
			b.phase = "ended"
			b.endMatch()
			b.mu.Unlock()
		default:
			st.addDisconnect("room:closed " + v.Reason)
			b.markLost()
		}
	})
	on("notice", func(args client.Args) {
		var v requestError
		_ = args.Decode(0, &v)
		st.addFailure(failure{Op: "notice", Code: v.Code, Message: clip(v.Message)})
	})
	s.OnDisconnect(func(reason string) {
		// The connection a move left (or one that never took over) ends without loss.
		if !b.stopping.Load() && b.live.Load() == s {
			st.addDisconnect(reason)
			b.markLost()
		}
	})
	return s, nil
}

// endMatch ends the seat's match, once, under mu: the input loop hears of it on ended.
func (b *bot) endMatch() {
	if !b.seated || b.matchOver {
		return
	}
	b.matchOver = true
	b.r.stats.matchesEnded.Add(1)
	select {
	case b.ended <- struct{}{}:
	default:
	}
}

func (b *bot) markLost() { b.lostOnce.Do(func() { close(b.lost) }) }

func (b *bot) isLost() bool {
	select {
	case <-b.lost:
		return true
	default:
		return false
	}
}

// close closes the connection, checks that a seated bot's snapshots had not stopped, and adds
// the seat's spans to the run's.
func (b *bot) close() {
	b.stopping.Store(true)
	_ = b.s.Manager().Close()
	now := time.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.seated && !b.matchOver && !b.isLost() {
		st := &b.r.stats
		switch {
		case b.got:
			st.endGap(now.Sub(b.lastAt))
		case now.Sub(b.seatedAt) > silentSeat:
			st.addFailure(failure{Op: "snapshot", Code: codeNoSnapshots,
				Message: fmt.Sprintf("no snapshot in a seat taken over %v before the end", silentSeat)})
			st.endGap(now.Sub(b.seatedAt))
		}
	}
	b.endSeat()
}

// endSeat adds the seat's snapshot and input spans to the run's, under mu: rates are
// intervals over spans, and the time between two seats is no interval.
func (b *bot) endSeat() {
	st := &b.r.stats
	if b.snaps > 1 {
		st.snapIntervals.Add(uint64(b.snaps - 1))
		st.snapSpan.Add(int64(b.lastAt.Sub(b.firstAt)))
	}
	if b.inputs > 1 {
		st.inputIntervals.Add(uint64(b.inputs - 1))
		st.inputSpan.Add(int64(b.lastInput.Sub(b.firstInput)))
	}
	b.snaps, b.inputs, b.got = 0, 0, false
}

// badSnapshot counts a snapshot the bot could not take.
func (b *bot) badSnapshot(code, format string, args ...any) {
	st := &b.r.stats
	st.badSnapshots.Add(1)
	st.addFailure(failure{Op: "snapshot", Code: code, Message: clip(fmt.Sprintf(format, args...))})
}

// onSnapshot applies one snapshot and measures it; it runs on the
// connection's reader goroutine.
func (b *bot) onSnapshot(raw []byte) {
	now := time.Now()
	st := &b.r.stats
	st.snapshots.Add(1)
	st.snapBytes.Add(uint64(len(raw)))
	st.wireDown.Add(uint64(len(raw) + b.r.snapOverhead + wsHeader(len(raw)+b.r.snapOverhead, false)))
	var s snapshot
	if err := decodeSnapshot(raw, &s); err != nil {
		b.badSnapshot(codeBadSnapshot, "does not decode: %v", err)
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.mirror == nil {
		if !b.refused {
			b.badSnapshot(codeNotJoined, "a snapshot before the Joined")
		}
		return
	}
	full := s.B == 0
	switch {
	case !b.got && !full:
		b.badSnapshot(codeOutOfOrder, "the first snapshot of a seat is not full (b = %d)", s.B)
	case b.got && s.T <= b.lastT:
		b.badSnapshot(codeOutOfOrder, "t %d after t %d", s.T, b.lastT)
	case b.got && !full && s.B != b.lastT:
		b.badSnapshot(codeOutOfOrder, "baseline %d is not the last tick %d", s.B, b.lastT)
	}
	if err := b.mirror.Apply(s.E, full); err != nil {
		b.badSnapshot(codeApply, "%v", err)
	} else if s.HasH {
		st.hashed.Add(1)
		if b.mirror.Hash() != s.H {
			st.desyncs.Add(1)
		}
	}
	b.changed = true
	b.seatSnap++
	if o, ok := b.strat.(observer); ok {
		b.obs = botView{mirror: b.mirror, player: b.pid, changed: true, snaps: b.seatSnap, n: b.seatIn,
			rate: b.r.cfg.InputRate, rng: b.rng}
		o.observe(&b.obs)
		b.changed = false
	}
	if b.got {
		d := now.Sub(b.lastAt)
		st.interArrival.record(d)
		us := uint64(d / time.Microsecond)
		st.iaSum.Add(us)
		st.iaSumSq.Add(us * us)
	} else {
		b.firstAt = now
	}
	b.got, b.lastT, b.lastAt = true, s.T, now
	b.snaps++
	for seq := b.lastAcked + 1; seq <= s.A && seq <= b.lastSent; seq++ {
		if b.lastSent-seq < pendingInputs {
			d := now.Sub(time.Unix(0, b.sentAt[seq%pendingInputs]))
			st.latency.record(d)
			st.latencyNow.record(d)
		}
	}
	b.lastAcked = max(b.lastAcked, min(s.A, b.lastSent))
}

// play has the run's input clock send input at the configured rate until ctx is done, the
// connection is lost or the match ended; it reports the last.
func (b *bot) play(ctx context.Context) bool {
	c := b.r.clock
	if c == nil {
		return b.await(ctx)
	}
	// A random phase: the join's ack leaves the room on a tick, so inputs sent at the phase
	// of the ack would all go just after the room's tick, the worst moment, and every bot of
	// the room at once. Players' clients send at no particular phase of the server's tick.
	c.add(b, time.Duration(b.rng.Int64N(int64(c.interval))))
	defer c.remove(b)
	return b.await(ctx)
}

// await waits until ctx is done, the connection is lost or the match ended, and reports
// whether it was the last.
func (b *bot) await(ctx context.Context) (ended bool) {
	select {
	case <-ctx.Done():
	case <-b.lost:
	case <-b.ended:
		return true
	}
	return false
}

// send makes the next input with the seat's strategy, emits it and remembers when. The input
// clock calls it, on its own goroutine.
func (b *bot) send() {
	b.mu.Lock()
	b.view = botView{mirror: b.mirror, player: b.pid, changed: b.changed, snaps: b.seatSnap, n: b.seatIn,
		rate: b.r.cfg.InputRate, rng: b.rng}
	b.strat.next(&b.view, b.in)
	b.changed = false
	b.seatIn++
	seq := b.lastSent + 1
	now := time.Now()
	b.lastSent = seq
	b.sentAt[seq%pendingInputs] = now.UnixNano()
	if b.inputs == 0 {
		b.firstInput = now
	}
	b.lastInput = now
	b.inputs++
	b.in.seq = seq
	b.buf = b.in.appendMsgpack(b.buf[:0])
	b.mu.Unlock()
	st := &b.r.stats
	// Canonical: encoded once, copied as is into the event (EmitCanonical copies it, so the
	// buffer is free again when it returns), and not boxed into an interface (an allocation).
	if err := b.s.EmitCanonical("input", sioparser.Canonical(b.buf)); err != nil {
		st.addFailure(failureOf("input", err))
		return
	}
	st.inputsSent.Add(1)
	n := inputEventOverhead + len(b.buf) + b.r.packetOverhead
	st.wireUp.Add(uint64(n + wsHeader(n, true)))
}

// wsHeader is the size of a WebSocket frame header for a payload of n
// bytes; frames from a client carry a 4-byte mask too.
func wsHeader(n int, masked bool) int {
	h := 2
	switch {
	case n > 65535:
		h = 10
	case n > 125:
		h = 4
	}
	if masked {
		h += 4
	}
	return h
}
