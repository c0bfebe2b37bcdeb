package rooms

import (
	"fmt"
	"math"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tickroom/tickroom/game"
)

// queuedInput is one decoded input waiting for the next tick.
type queuedInput struct {
	seq uint64
	in  any
}

// Seat is a player's place in a room as the network side holds it: the
// handle its `input` handler pushes into. Room.Join returns it; it stays
// the same across Drop and Return, because the input seq belongs to the
// seat. Its methods are safe from any goroutine and never block on the
// room.
type Seat struct {
	id     game.PlayerID             // static
	room   *Room                     // static
	decode func([]byte) (any, error) // static: the room's Game.DecodeInput
	stats  *counters                 // static: the room's counters
	cfg    *Config                   // static
	flood  atomic.Bool               // set by PushInput, cleared by the room goroutine
	left   atomic.Bool               // the seat was given up; inputs are ignored
	inputs atomic.Uint64             // inputs received (PushInput calls)
	snaps  atomic.Uint64             // snapshots its connections reported written
	bytes  atomic.Uint64             // bytes of the snapshots offered to its connections
	mu     sync.Mutex                // guards the fields below
	queue  []queuedInput             // ring of cfg.InputQueue
	head   int                       // index of the oldest queued input
	n      int                       // queued inputs
	tokens float64                   // token bucket level
	refill time.Time                 // when tokens was last brought up to date
	win    time.Time                 // start of the current one-second flood window
	count  int                       // inputs received in the current window
	streak int                       // consecutive full windows above FloodRate before it
}

func newSeat(r *Room, id game.PlayerID, decode func([]byte) (any, error)) *Seat {
	return &Seat{
		id: id, room: r, decode: decode, stats: &r.stats, cfg: &r.cfg,
		queue: make([]queuedInput, r.cfg.InputQueue), tokens: r.cfg.InputBurst,
	}
}

// ID returns the seat's player id.
func (s *Seat) ID() game.PlayerID { return s.id }

// Room returns the room of the seat.
func (s *Seat) Room() *Room { return s.room }

// PushInput takes one `input` event argument as msgpack bytes (socketio
// Args.Raw): {seq, ...mode fields}. It rate-limits, validates seq
// (an integer in 1..2^53-1), decodes with the mode's DecodeInput and queues
// the input for the next tick. Nothing is returned: every drop is counted
// in the room's Stats, as the protocol wants input fire-and-forget. It
// never waits for the room goroutine.
func (s *Seat) PushInput(payload []byte) {
	if s.left.Load() {
		return
	}
	s.inputs.Add(1)
	now := time.Now()
	s.mu.Lock()
	ok := s.admit(now)
	s.mu.Unlock()
	if !ok {
		return
	}
	seq, ok := game.InputSeq(payload)
	if !ok {
		s.stats.bad.Add(1)
		return
	}
	in, err := s.safeDecode(payload)
	if err != nil {
		s.stats.bad.Add(1)
		return
	}
	s.mu.Lock()
	if s.n == len(s.queue) {
		s.head = (s.head + 1) % len(s.queue)
		s.n--
		s.stats.queueFull.Add(1)
	}
	s.queue[(s.head+s.n)%len(s.queue)] = queuedInput{seq: seq, in: in}
	s.n++
	s.mu.Unlock()
}

// admit runs flood detection and the token bucket for one input received
// at now; false means drop it. Called with mu held.
func (s *Seat) admit(now time.Time) bool {
	// Flood windows are whole seconds from the first input, so a steady
	// stream is measured the same whatever its phase.
	if s.win.IsZero() {
		s.win = now
	}
	if k := now.Sub(s.win) / time.Second; k >= 1 {
		if k == 1 && float64(s.count) > s.cfg.FloodRate {
			s.streak++
		} else {
			s.streak = 0
		}
		s.win = s.win.Add(k * time.Second)
		s.count = 0
	}
	s.count++
	if float64(s.count) > s.cfg.FloodRate && s.streak >= s.cfg.FloodSeconds-1 {
		s.flood.Store(true)
	}

	if !s.refill.IsZero() {
		s.tokens = math.Min(s.cfg.InputBurst, s.tokens+now.Sub(s.refill).Seconds()*s.cfg.InputRate)
	}
	s.refill = now
	if s.tokens < 1 {
		s.stats.rateLimited.Add(1)
		return false
	}
	s.tokens--
	return true
}

// restartFlood starts the flood detection over, for a new connection on the
// seat (Return): the flood windows measure a client, and one disconnected
// for flooding would otherwise be judged again at its new connection's
// first input, by the old connection's count and by its inputs still in
// flight when it was closed. Called by the room goroutine.
func (s *Seat) restartFlood() {
	s.mu.Lock()
	s.win, s.count, s.streak = time.Time{}, 0, 0
	s.mu.Unlock()
	s.flood.Store(false)
}

// safeDecode calls the mode's DecodeInput on the caller's goroutine (the
// game API allows it: DecodeInput must not touch game state). A panic in it
// is a mode bug: the input is dropped and the room is told to fail.
func (s *Seat) safeDecode(payload []byte) (in any, err error) {
	defer func() {
		if v := recover(); v != nil {
			s.room.failFromOutside(&PanicError{Room: s.room.id, Value: v, Stack: debug.Stack()})
			err = fmt.Errorf("rooms: DecodeInput panicked: %v", v)
		}
	}()
	return s.decode(payload)
}

// drain moves the queued inputs to dst (in arrival order) and empties the
// queue. Called by the room goroutine.
func (s *Seat) drain(dst []queuedInput) []queuedInput {
	s.mu.Lock()
	for i := 0; i < s.n; i++ {
		j := (s.head + i) % len(s.queue)
		dst = append(dst, s.queue[j])
		s.queue[j] = queuedInput{}
	}
	s.head, s.n = 0, 0
	s.mu.Unlock()
	return dst
}
