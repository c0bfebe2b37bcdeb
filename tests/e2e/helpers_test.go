package e2e

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/arena"
	"github.com/tickroom/tickroom/internal/testproc"
	"github.com/tickroom/tickroom/netio/client"
	"github.com/vmihailenco/msgpack/v5"
)

// tickRate is the arena's tick and snapshot rate (Hz).
const tickRate = arena.TickRate

// gameserver is built once, with -race, for the package's tests.
var gameserver = &testproc.Once{Pkg: "./cmd/gameserver", Race: true}

func TestMain(m *testing.M) {
	code := m.Run()
	gameserver.Close()
	os.Exit(code)
}

// startServer starts a fresh gameserver for the calling test with a hash on every snapshot.
func startServer(t *testing.T) *testproc.Server {
	t.Helper()
	return testproc.Start(t, gameserver.Binary(t), "-addr", "127.0.0.1:0", "-hash-every", "1", "-log-level", "warn")
}

// transports are the three ways a client reaches the server; tests about
// the transport run once per entry.
var transports = []struct {
	name string
	tr   client.Transport
}{
	{"websocket", client.TransportWebSocket},
	{"polling", client.TransportPolling},
	{"upgrade", client.TransportUpgrade},
}

func forEachTransport(t *testing.T, f func(t *testing.T, tr client.Transport)) {
	for _, tc := range transports {
		t.Run(tc.name, func(t *testing.T) { f(t, tc.tr) })
	}
}

// envInt reads a positive integer from the environment, else def.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// snapshot is the `snapshot` event argument (rooms/wire.go).
type snapshot struct {
	T  uint64  `msgpack:"t"`
	B  uint64  `msgpack:"b"`
	A  uint64  `msgpack:"a"`
	TS int64   `msgpack:"ts"`
	E  []byte  `msgpack:"e"`
	H  *uint32 `msgpack:"h"`
}

// tracker applies one connection's snapshots to a mirror and checks the
// contract's rules on each: the first is full, t rises, a delta's baseline
// is the last tick received (what the client holds), the section applies,
// and h equals the mirror's hash. Violations are counted, never fatal: the
// handler runs on a client goroutine.
type tracker struct {
	mu         sync.Mutex
	mirror     *game.Mirror
	pid        int64 // own player id, for self()
	got        bool
	first      snapshot // the first snapshot (E dropped)
	lastT      uint64
	lastA      uint64
	lastTS     int64
	lastAt     time.Time
	maxAge     time.Duration // largest arrival time minus ts
	received   int
	full       int
	hashed     int
	mismatches int
	decodeErrs int
	ruleErrs   int
	bytes      int
	maxBytes   int
	aDown      int // a went down between snapshots
	errs       []string
}

func newTracker() *tracker { return &tracker{mirror: game.NewMirror(arena.Mode{}.Schema())} }

func (tr *tracker) failf(counter *int, format string, args ...any) {
	*counter++
	if len(tr.errs) < 10 {
		tr.errs = append(tr.errs, fmt.Sprintf(format, args...))
	}
}

// apply takes one raw snapshot argument (canonical msgpack).
func (tr *tracker) apply(raw []byte) {
	now := time.Now()
	var s snapshot
	err := msgpack.Unmarshal(raw, &s)
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.received++
	tr.bytes += len(raw)
	tr.maxBytes = max(tr.maxBytes, len(raw))
	if err != nil {
		tr.failf(&tr.decodeErrs, "snapshot does not decode: %v", err)
		return
	}
	full := s.B == 0
	switch {
	case !tr.got && !full:
		tr.failf(&tr.ruleErrs, "first snapshot t=%d has baseline %d, want 0", s.T, s.B)
	case tr.got && s.T <= tr.lastT:
		tr.failf(&tr.ruleErrs, "t=%d after t=%d: not rising", s.T, tr.lastT)
	case !full && s.B != tr.lastT:
		tr.failf(&tr.ruleErrs, "t=%d: baseline %d is not the last tick received (%d)", s.T, s.B, tr.lastT)
	}
	if tr.got && s.A < tr.lastA {
		tr.aDown++
	}
	if err := tr.mirror.Apply(s.E, full); err != nil {
		tr.failf(&tr.decodeErrs, "t=%d b=%d: section does not apply: %v", s.T, s.B, err)
	} else if s.H != nil {
		tr.hashed++
		if h := tr.mirror.Hash(); h != *s.H {
			tr.failf(&tr.mismatches, "t=%d b=%d: h=%#08x, mirror %#08x", s.T, s.B, *s.H, h)
		}
	}
	if full {
		tr.full++
	}
	if !tr.got {
		tr.first = s
		tr.first.E = nil
	}
	tr.got = true
	tr.lastT, tr.lastA, tr.lastTS, tr.lastAt = s.T, s.A, s.TS, now
	tr.maxAge = max(tr.maxAge, now.Sub(time.UnixMilli(s.TS)))
}

// stats is a copy of a tracker's counters.
type stats struct {
	received, full, hashed, mismatches, decodeErrs, ruleErrs, bytes, aDown int
	lastT, lastA                                                           uint64
	errs                                                                   []string
}

func (tr *tracker) stats() stats {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return stats{tr.received, tr.full, tr.hashed, tr.mismatches, tr.decodeErrs, tr.ruleErrs, tr.bytes, tr.aDown,
		tr.lastT, tr.lastA, append([]string(nil), tr.errs...)}
}

func (s *stats) add(o stats) {
	s.received += o.received
	s.full += o.full
	s.hashed += o.hashed
	s.mismatches += o.mismatches
	s.decodeErrs += o.decodeErrs
	s.ruleErrs += o.ruleErrs
	s.bytes += o.bytes
	s.aDown += o.aDown
	if len(s.errs) < 20 {
		s.errs = append(s.errs, o.errs...)
	}
}

// check fails t on any rule violation, decode error or hash mismatch, and
// on a connection that saw no hashed snapshot.
func (s stats) check(t *testing.T, who string) {
	t.Helper()
	if s.mismatches+s.decodeErrs+s.ruleErrs > 0 || s.aDown > 0 {
		t.Errorf("%s: %d hash mismatches, %d decode errors, %d rule violations, a went down %d times in %d snapshots; first: %q",
			who, s.mismatches, s.decodeErrs, s.ruleErrs, s.aDown, s.received, s.errs)
	}
	if s.hashed == 0 {
		t.Errorf("%s: no snapshot carried a hash (received %d)", who, s.received)
	}
}

func (tr *tracker) setPID(pid int64) {
	tr.mu.Lock()
	tr.pid = pid
	tr.mu.Unlock()
}

// self returns the own player entity's id and position, when in the mirror.
func (tr *tracker) self() (id game.EntityID, x, y float64, ok bool) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for _, id := range tr.mirror.IDs() {
		if tr.mirror.Kind(id) == arena.KindPlayer && tr.mirror.Int(id, arena.PlayerPID) == tr.pid {
			return id, tr.mirror.Float(id, arena.PlayerX), tr.mirror.Float(id, arena.PlayerY), true
		}
	}
	return 0, 0, 0, false
}

func (tr *tracker) firstSnapshot() (snapshot, bool) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.first, tr.got
}

// waitFor polls cond every 10 ms until it holds or d passes.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// joined is the contract's Joined result.
type joined struct {
	Room struct {
		ID         string `msgpack:"id"`
		Code       string `msgpack:"code"`
		Mode       string `msgpack:"mode"`
		Players    int    `msgpack:"players"`
		MaxPlayers int    `msgpack:"maxPlayers"`
		Phase      string `msgpack:"phase"`
	} `msgpack:"room"`
	You struct {
		PlayerID  int64  `msgpack:"playerId"`
		SeatToken string `msgpack:"seatToken"`
	} `msgpack:"you"`
	Players []struct {
		ID        int64 `msgpack:"id"`
		Host      bool  `msgpack:"host"`
		Connected bool  `msgpack:"connected"`
	} `msgpack:"players"`
	Schema struct {
		Kinds []struct {
			Name string `msgpack:"name"`
		} `msgpack:"kinds"`
	} `msgpack:"schema"`
}

// ackError is the error of an {ok: false} ack.
type ackError struct {
	Code    string `msgpack:"code"`
	Message string `msgpack:"message"`
}

type ackHead struct {
	OK    bool      `msgpack:"ok"`
	Error *ackError `msgpack:"error"`
}

// decodeAck splits an ack's first argument into ok/error and decodes an ok
// result into out (when not nil).
func decodeAck(raw []byte, out any) (*ackError, error) {
	var h ackHead
	if err := msgpack.Unmarshal(raw, &h); err != nil {
		return nil, fmt.Errorf("ack does not decode: %w", err)
	}
	if !h.OK {
		if h.Error == nil || h.Error.Code == "" {
			return nil, fmt.Errorf("ack {ok: false} without error code: %x", raw)
		}
		return h.Error, nil
	}
	if out != nil {
		if err := msgpack.Unmarshal(raw, out); err != nil {
			return nil, fmt.Errorf("ok ack does not decode: %w", err)
		}
	}
	return nil, nil
}

// player is one Go client connection that applies every snapshot.
type player struct {
	*tracker
	s      *client.Socket
	tr     client.Transport
	done   chan struct{}
	once   sync.Once
	seq    atomic.Uint64 // the last input seq sent
	stall  atomic.Int64  // unix nanos until which the snapshot handler blocks
	closed atomic.Value  // string: the reason of room:closed, if any
	joined joined
}

func clientOptions(tr client.Transport) *client.Options {
	o := client.DefaultOptions()
	o.Transport = tr
	o.Reconnection = false
	o.ConnectTimeout = 10 * time.Second
	o.AckTimeout = 15 * time.Second
	return &o
}

// dial connects a player; its snapshot handler applies every snapshot.
func dial(ctx context.Context, url string, tr client.Transport, name string) (*player, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	s, err := client.Dial(ctx, url, map[string]any{"name": name}, clientOptions(tr))
	if err != nil {
		return nil, err
	}
	p := &player{tracker: newTracker(), s: s, tr: tr, done: make(chan struct{})}
	s.On("snapshot", func(args client.Args, _ client.Ack) {
		if until := p.stall.Load(); until != 0 {
			if d := time.Until(time.Unix(0, until)); d > 0 {
				t := time.NewTimer(d)
				select {
				case <-t.C:
				case <-p.done:
				}
				t.Stop()
			}
			p.stall.CompareAndSwap(until, 0)
		}
		p.apply(args.Raw(0))
	})
	s.On("room:closed", func(args client.Args, _ client.Ack) {
		var v struct {
			Reason string `msgpack:"reason"`
		}
		_ = args.Decode(0, &v)
		p.closed.Store(v.Reason)
	})
	return p, nil
}

func mustDial(t *testing.T, url string, tr client.Transport, name string) *player {
	t.Helper()
	p, err := dial(context.Background(), url, tr, name)
	if err != nil {
		t.Fatalf("dial %s over %v: %v", name, tr, err)
	}
	t.Cleanup(p.close)
	return p
}

// close ends the connection (and any stall) and waits for its goroutines.
func (p *player) close() {
	p.once.Do(func() {
		close(p.done)
		_ = p.s.Manager().Close()
	})
}

// request sends a request with an ack and decodes the answer.
func (p *player) request(event string, payload any, out any) (*ackError, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var args client.Args
	var err error
	if payload == nil {
		args, err = p.s.EmitWithAckContext(ctx, event)
	} else {
		args, err = p.s.EmitWithAckContext(ctx, event, payload)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", event, err)
	}
	if args.Len() != 1 {
		return nil, fmt.Errorf("%s: ack has %d arguments, want 1", event, args.Len())
	}
	ae, err := decodeAck(args.Raw(0), out)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", event, err)
	}
	return ae, nil
}

// mustOK sends a request that must succeed.
func (p *player) mustOK(t *testing.T, event string, payload any, out any) {
	t.Helper()
	ae, err := p.request(event, payload, out)
	if err != nil {
		t.Fatal(err)
	}
	if ae != nil {
		t.Fatalf("%s %v: %s: %s", event, payload, ae.Code, ae.Message)
	}
}

// mustFail sends a request that must fail with code.
func (p *player) mustFail(t *testing.T, event string, payload any, code string) {
	t.Helper()
	ae, err := p.request(event, payload, nil)
	if err != nil {
		t.Errorf("%s %v: %v", event, payload, err)
		return
	}
	if ae == nil || ae.Code != code {
		t.Errorf("%s %v: got %+v, want %s", event, payload, ae, code)
	}
}

// seat requests a seat (room:create, room:join or room:rejoin) and keeps
// the Joined result.
func (p *player) seat(event string, payload any) (*ackError, error) {
	var j joined
	ae, err := p.request(event, payload, &j)
	if err != nil || ae != nil {
		return ae, err
	}
	p.joined = j
	p.setPID(j.You.PlayerID)
	return nil, nil
}

func (p *player) mustSeat(t *testing.T, event string, payload any) joined {
	t.Helper()
	ae, err := p.seat(event, payload)
	if err != nil {
		t.Fatal(err)
	}
	if ae != nil {
		t.Fatalf("%s %v: %s: %s", event, payload, ae.Code, ae.Message)
	}
	return p.joined
}

func (p *player) input(seq uint64, x, y float64, boost bool) error {
	return p.s.Emit("input", map[string]any{"seq": seq, "x": x, "y": y, "boost": boost})
}

// steer sends inputs at perSec/s in a random direction that changes every
// second, until stop is closed. It uses and advances p.seq.
func (p *player) steer(stop <-chan struct{}, perSec int, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	tick := time.NewTicker(time.Second / time.Duration(perSec))
	defer tick.Stop()
	var x, y float64
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		case <-p.done:
			return
		case <-tick.C:
		}
		if i%perSec == 0 {
			a := rng.Float64() * 2 * math.Pi
			x, y = math.Cos(a), math.Sin(a)
		}
		_ = p.input(p.seq.Add(1), x, y, false)
	}
}

// steering runs steer on its own goroutine until the returned stop is called, which waits
// for it: `defer p.steering(10, seed)()` steers for the rest of the test.
func (p *player) steering(perSec int, seed uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); p.steer(done, perSec, seed) }()
	return func() { close(done); wg.Wait() }
}

// maxFrame is the largest snapshot argument seen.
func (tr *tracker) maxFrame() int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.maxBytes
}
