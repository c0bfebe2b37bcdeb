package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/arena"
	"github.com/tickroom/tickroom/netio/client"
	"github.com/vmihailenco/msgpack/v5"
)

// snapshot is the `snapshot` event argument (rooms/wire.go).
type snapshot struct {
	T  uint64  `msgpack:"t"`
	B  uint64  `msgpack:"b"`
	A  uint64  `msgpack:"a"`
	TS int64   `msgpack:"ts"`
	E  []byte  `msgpack:"e"`
	H  *uint32 `msgpack:"h"`
}

// input is the arena's input event.
type input struct {
	Seq   uint64  `msgpack:"seq"`
	X     float64 `msgpack:"x"`
	Y     float64 `msgpack:"y"`
	Boost bool    `msgpack:"boost,omitempty"`
}

// dataSize is the length of ["input", in] as the client encodes it (canonical msgpack, as
// notepack writes it): counting it costs nothing, encoding it twice cost 7 % of a bot's CPU.
func (in input) dataSize() int {
	n := 1 + 6 + 1 + 4 + uintSize(in.Seq) + 2 + numberSize(in.X) + 2 + numberSize(in.Y)
	if in.Boost {
		n += 6 + 1
	}
	return n
}

// uintSize is the msgpack length of a non-negative integer, smallest form.
func uintSize(u uint64) int {
	switch {
	case u < 128:
		return 1
	case u < 1<<8:
		return 2
	case u < 1<<16:
		return 3
	case u < 1<<32:
		return 5
	}
	return 9
}

// numberSize is the msgpack length of a number as notepack writes it: an integral value in
// the int64 range as the smallest integer, anything else as a float64.
func numberSize(f float64) int {
	if f != math.Trunc(f) || math.IsInf(f, 0) || f < -(1<<63) || f >= 1<<63 {
		return 9
	}
	i := int64(f)
	switch {
	case i >= 0:
		return uintSize(uint64(i))
	case i >= -32:
		return 1
	case i >= -1<<7:
		return 2
	case i >= -1<<15:
		return 3
	case i >= -1<<31:
		return 5
	}
	return 9
}

// ackHead is the head of every request's ack, and joined the part of a
// Joined result a bot needs.
type ackHead struct {
	OK    bool `msgpack:"ok"`
	Error *struct {
		Code    string `msgpack:"code"`
		Message string `msgpack:"message"`
	} `msgpack:"error"`
	Room struct {
		Code string `msgpack:"code"`
	} `msgpack:"room"`
	You struct {
		PlayerID int64 `msgpack:"playerId"`
	} `msgpack:"you"`
}

// pendingInputs is how many unacknowledged inputs a bot remembers the send
// time of: at 20/s, 6.4 s. Older ones are not measured.
const pendingInputs = 128

// bot is one player connection. The snapshot handler (the connection's
// reader goroutine) and the input loop (the bot's goroutine) share the
// fields under mu; the rest are owned by the bot's goroutine.
type bot struct {
	r     *runner
	index int
	name  string
	rng   *rand.Rand // owned by the input loop

	s        *client.Socket
	stopping atomic.Bool   // set before the bot closes its own connection
	lost     chan struct{} // closed on an unexpected disconnect
	lostOnce sync.Once

	mu         sync.Mutex
	mirror     *game.Mirror
	pid        int64
	dirty      bool          // the mirror changed since the seek direction was computed
	self       game.EntityID // the bot's own circle, 0 until seen
	target     game.EntityID // the orb a seeking bot steers to, 0 for none
	scannedAt  int           // b.snaps at the last full scan for the nearest orb
	tx, ty     float64
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
		r:      r,
		index:  i,
		name:   fmt.Sprintf("%s%d", r.cfg.NamePrefix, i),
		rng:    rand.New(rand.NewPCG(r.cfg.Seed, uint64(i))),
		lost:   make(chan struct{}),
		mirror: game.NewMirror(arena.Mode{}.Schema()),
	}
}

// run plays until ctx is done or the connection is lost.
func (b *bot) run(ctx context.Context) {
	st := &b.r.stats
	if err := b.connect(ctx); err != nil {
		if b.r.cfg.Rooms == RoomsPrivate && b.index%b.r.cfg.RoomSize == 0 {
			b.r.group(b.index).fail() // the others of the group need not wait
		}
		if ctx.Err() == nil {
			st.addError("connect: " + reasonOf(err))
		}
		return
	}
	st.connected.Add(1)
	defer st.connected.Add(-1)
	defer b.close()
	if err := b.join(ctx); err != nil {
		if ctx.Err() == nil {
			st.addError("join: " + reasonOf(err))
		}
		return
	}
	st.inRoom.Add(1)
	defer st.inRoom.Add(-1)
	b.play(ctx)
}

func (b *bot) connect(ctx context.Context) error {
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
	start := time.Now()
	s, err := client.Dial(cctx, b.r.cfg.URL, map[string]any{"name": b.name}, &o)
	if err != nil {
		return err
	}
	b.r.stats.connectTime.record(time.Since(start))
	b.s = s
	s.On("snapshot", func(args client.Args, _ client.Ack) { b.onSnapshot(args.Raw(0)) })
	s.On("room:closed", func(args client.Args, _ client.Ack) {
		var v struct {
			Reason string `msgpack:"reason"`
		}
		_ = args.Decode(0, &v)
		if !b.stopping.Load() {
			b.r.stats.addDisconnect("room:closed " + v.Reason)
			b.markLost()
		}
	})
	s.OnDisconnect(func(reason string) {
		if !b.stopping.Load() {
			b.r.stats.addDisconnect(reason)
			b.markLost()
		}
	})
	return nil
}

func (b *bot) markLost() { b.lostOnce.Do(func() { close(b.lost) }) }

func (b *bot) close() {
	b.stopping.Store(true)
	_ = b.s.Manager().Close()
	b.mu.Lock()
	defer b.mu.Unlock()
	st := &b.r.stats
	if b.snaps > 1 {
		st.snapIntervals.Add(uint64(b.snaps - 1))
		st.snapSpan.Add(int64(b.lastAt.Sub(b.firstAt)))
	}
	if b.inputs > 1 {
		st.inputIntervals.Add(uint64(b.inputs - 1))
		st.inputSpan.Add(int64(b.lastInput.Sub(b.firstInput)))
	}
}

// join seats the bot: quickjoin, or create / join by code for private rooms.
func (b *bot) join(ctx context.Context) error {
	cfg := &b.r.cfg
	start := time.Now()
	var head ackHead
	var err error
	switch {
	case cfg.Rooms == RoomsQuickjoin:
		head, err = b.request(ctx, "room:quickjoin", map[string]any{"mode": cfg.Mode})
	case b.index%cfg.RoomSize == 0:
		g := b.r.group(b.index)
		head, err = b.request(ctx, "room:create", map[string]any{"mode": cfg.Mode, "private": true,
			"maxPlayers": cfg.RoomSize, "name": b.name})
		if err == nil {
			_, err = b.request(ctx, "room:start", map[string]any{})
		}
		if err != nil {
			g.fail()
			return err
		}
		g.code = head.Room.Code
		close(g.ready)
	default:
		g := b.r.group(b.index)
		select {
		case <-g.ready:
		case <-g.failed:
			return errors.New("the group's host failed")
		case <-ctx.Done():
			return ctx.Err()
		}
		start = time.Now()
		head, err = b.request(ctx, "room:join", map[string]any{"code": g.code})
	}
	if err != nil {
		return err
	}
	b.r.stats.joinTime.record(time.Since(start))
	b.mu.Lock()
	b.pid = head.You.PlayerID
	b.mu.Unlock()
	return nil
}

// request sends a request and returns its ack, an {ok: false} as an error.
func (b *bot) request(ctx context.Context, event string, payload any) (ackHead, error) {
	ctx, cancel := context.WithTimeout(ctx, b.r.cfg.JoinTimeout)
	defer cancel()
	var head ackHead
	args, err := b.s.EmitWithAckContext(ctx, event, payload)
	if err != nil {
		return head, err
	}
	if args.Len() != 1 {
		return head, fmt.Errorf("%s: ack with %d arguments", event, args.Len())
	}
	if err := msgpack.Unmarshal(args.Raw(0), &head); err != nil {
		return head, fmt.Errorf("%s: ack does not decode: %w", event, err)
	}
	if !head.OK {
		code := "no code"
		if head.Error != nil {
			code = head.Error.Code
		}
		return head, errors.New(code)
	}
	return head, nil
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
	if err := msgpack.Unmarshal(raw, &s); err != nil {
		st.addError("snapshot: does not decode")
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	full := s.B == 0
	switch {
	case !b.got && !full:
		st.addError("snapshot: first is not full")
	case b.got && s.T <= b.lastT:
		st.addError("snapshot: t not rising")
	case b.got && !full && s.B != b.lastT:
		st.addError("snapshot: baseline is not the last tick")
	}
	if err := b.mirror.Apply(s.E, full); err != nil {
		st.addError("snapshot: does not apply")
	} else if s.H != nil {
		st.hashed.Add(1)
		if b.mirror.Hash() != *s.H {
			st.desyncs.Add(1)
		}
	}
	b.dirty = true
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

// play sends input at the configured rate until ctx is done or the
// connection is lost.
func (b *bot) play(ctx context.Context) {
	rate := b.r.cfg.InputRate
	if rate == 0 {
		select {
		case <-ctx.Done():
		case <-b.lost:
		}
		return
	}
	// A random phase: the join's ack leaves the room on a tick, so a ticker started on it
	// would send every input just after the room's tick, the worst moment, and every bot of
	// the room at once. Players' clients send at no particular phase of the server's tick.
	interval := time.Second / time.Duration(rate)
	phase := time.NewTimer(time.Duration(b.rng.Int64N(int64(interval))))
	select {
	case <-ctx.Done():
		phase.Stop()
		return
	case <-b.lost:
		phase.Stop()
		return
	case <-phase.C:
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	var wx, wy float64
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-b.lost:
			return
		case <-tick.C:
		}
		var x, y float64
		switch b.r.cfg.Behaviour {
		case BehaviourWander:
			if i%rate == 0 {
				a := b.rng.Float64() * 2 * math.Pi
				wx, wy = math.Cos(a), math.Sin(a)
			}
			x, y = wx, wy
		case BehaviourSeek:
			x, y = b.seek()
		}
		b.send(x, y)
	}
}

// send emits one input and remembers when.
func (b *bot) send(x, y float64) {
	b.mu.Lock()
	seq := b.lastSent + 1
	now := time.Now()
	b.lastSent = seq
	b.sentAt[seq%pendingInputs] = now.UnixNano()
	if b.inputs == 0 {
		b.firstInput = now
	}
	b.lastInput = now
	b.inputs++
	b.mu.Unlock()
	in := input{Seq: seq, X: x, Y: y}
	st := &b.r.stats
	if err := b.s.Emit("input", in); err != nil {
		st.addError("input: " + reasonOf(err))
		return
	}
	st.inputsSent.Add(1)
	n := in.dataSize() + b.r.packetOverhead
	st.wireUp.Add(uint64(n + wsHeader(n, true)))
}

// rescanEvery is how many snapshots a seeking bot keeps its target orb
// before it looks for the nearest one again (a full scan of its mirror);
// between scans it steers to the same orb from where it is now.
const rescanEvery = 10

// seek returns the unit direction from the bot's own circle to the nearest
// orb in its mirror, (0, 0) when it sees none. It works only after a
// snapshot changed the mirror, and scans the whole mirror only every
// rescanEvery snapshots or when its target is gone.
func (b *bot) seek() (float64, float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.dirty {
		return b.tx, b.ty
	}
	b.dirty = false
	m := b.mirror
	if b.self == 0 || m.Kind(b.self) != arena.KindPlayer || m.Int(b.self, arena.PlayerPID) != b.pid {
		b.self, b.target = 0, 0
		for e := range m.All() {
			if e.Kind() == arena.KindPlayer && e.Int(arena.PlayerPID) == b.pid {
				b.self = e.ID()
				break
			}
		}
		if b.self == 0 {
			b.tx, b.ty = 0, 0
			return 0, 0
		}
	}
	ox, oy := m.Float(b.self, arena.PlayerX), m.Float(b.self, arena.PlayerY)
	if b.target == 0 || m.Kind(b.target) != arena.KindOrb || b.snaps >= b.scannedAt+rescanEvery {
		b.scannedAt = b.snaps
		b.target = 0
		best := math.Inf(1)
		for e := range m.All() {
			if e.Kind() != arena.KindOrb {
				continue
			}
			dx, dy := e.Float(arena.OrbX)-ox, e.Float(arena.OrbY)-oy
			if d := dx*dx + dy*dy; d < best {
				best, b.target = d, e.ID()
			}
		}
	}
	b.tx, b.ty = 0, 0
	if b.target != 0 {
		b.tx, b.ty = m.Float(b.target, arena.OrbX)-ox, m.Float(b.target, arena.OrbY)-oy
		if n := math.Hypot(b.tx, b.ty); n > 0 {
			b.tx, b.ty = b.tx/n, b.ty/n
		}
	}
	return b.tx, b.ty
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

// reasonOf turns an error into a short, low-cardinality reason.
func reasonOf(err error) string {
	var ce *client.ConnectError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, client.ErrAckTimeout):
		return "ack timeout"
	case errors.Is(err, client.ErrDisconnected):
		return "disconnected"
	case errors.Is(err, client.ErrQueueFull):
		return "queue full"
	case errors.As(err, &ce):
		return "refused"
	}
	s := err.Error()
	switch {
	case strings.Contains(s, "connection refused"):
		return "connection refused"
	case strings.Contains(s, "connection reset"):
		return "connection reset"
	case strings.Contains(s, "too many open files"):
		return "too many open files"
	}
	if len(s) > 60 {
		s = s[:60]
	}
	return s
}
