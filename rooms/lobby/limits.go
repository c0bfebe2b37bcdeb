package lobby

import (
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// Limits are the lobby's defences against a client that asks too much
// (docs/operations.md, "Running it in public"). In a Limits, a zero field
// means the contract's default, as each field says; a negative one turns
// that limit off.
type Limits struct {
	// SeatRate and SeatBurst are each connection's bucket for the requests
	// that make or take a seat (room:create, join, quickjoin, rejoin):
	// beyond it they answer RATE_LIMITED. Zero means 5 a second, burst 10.
	SeatRate  float64
	SeatBurst float64
	// FailedJoinCost is how many tokens of that bucket a join that fails
	// with WRONG_PASSWORD or ROOM_NOT_FOUND costs in all: guessing codes or
	// passwords is slow. Zero means 5.
	FailedJoinCost float64
	// WrongPasswords is how many wrong passwords one room takes in any
	// minute from all connections together; beyond it a join with a wrong
	// password answers RATE_LIMITED. Zero means 10.
	WrongPasswords int
	// MaxRooms is the most rooms a host runs; a room:create (or a quickjoin
	// that would make a room) beyond it answers UNAVAILABLE. Zero means
	// 10,000.
	MaxRooms int
	// MaxPayload is the largest request payload, in bytes of its msgpack
	// encoding; a larger one is BAD_REQUEST. Zero means 16 KB.
	MaxPayload int
	// ChatRate and ChatBurst are each connection's room:chat bucket. Zero
	// means 1 a second, burst 5.
	ChatRate  float64
	ChatBurst float64
	// MessageRate and MessageBurst are each connection's room:message
	// bucket (apart from inputs). Zero means 30 a second, burst 60.
	MessageRate  float64
	MessageBurst float64
}

// DefaultLimits returns the contract's defaults.
func DefaultLimits() Limits { return Limits{}.withDefaults() }

// withDefaults returns l with its zero fields set to the defaults.
func (l Limits) withDefaults() Limits {
	def := func(p *float64, v float64) {
		if *p == 0 {
			*p = v
		}
	}
	def(&l.SeatRate, 5)
	def(&l.SeatBurst, 10)
	def(&l.FailedJoinCost, 5)
	def(&l.ChatRate, 1)
	def(&l.ChatBurst, 5)
	def(&l.MessageRate, 30)
	def(&l.MessageBurst, 60)
	if l.WrongPasswords == 0 {
		l.WrongPasswords = 10
	}
	if l.MaxRooms == 0 {
		l.MaxRooms = 10_000
	}
	if l.MaxPayload == 0 {
		l.MaxPayload = 16 << 10
	}
	return l
}

// bucket is a token bucket; its zero value is full. A bucket whose rate is
// negative (a limit turned off) always admits.
type bucket struct {
	mu     sync.Mutex
	tokens float64   // guarded by mu
	at     time.Time // guarded by mu: when tokens was last brought up to date
}

// take spends one token if there is one.
func (b *bucket) take(now time.Time, rate, burst float64) bool {
	if rate < 0 || burst < 0 {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill(now, rate, burst)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// charge spends n more tokens, going at most one burst into debt.
func (b *bucket) charge(now time.Time, n, rate, burst float64) {
	if rate < 0 || burst < 0 || n <= 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill(now, rate, burst)
	b.tokens = max(b.tokens-n, -burst)
}

func (b *bucket) refill(now time.Time, rate, burst float64) {
	if b.at.IsZero() {
		b.tokens = burst
	} else {
		b.tokens = min(burst, b.tokens+now.Sub(b.at).Seconds()*rate)
	}
	b.at = now
}

// window admits at most n events in any minute: it keeps the times of the
// last n it admitted. Its zero value is empty.
type window struct {
	mu    sync.Mutex
	times []time.Time // guarded by mu: a ring of the last admitted, oldest at next
	next  int         // guarded by mu
}

// take admits an event at now if fewer than n were admitted in the minute
// before it.
func (w *window) take(now time.Time, n int) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.times) < n {
		w.times = append(w.times, now)
		return true
	}
	if n == 0 || now.Sub(w.times[w.next]) < time.Minute {
		return false
	}
	w.times[w.next] = now
	w.next = (w.next + 1) % n
	return true
}

// Refusal is why the lobby refused something a client asked.
type Refusal int

// The refusals, counted in HostStats.Refused.
const (
	RefusedSeatRate      Refusal = iota // a seat request over the connection's bucket
	RefusedWrongPassword                // a room's wrong-password cap
	RefusedRoomCap                      // MaxRooms reached
	RefusedPayload                      // a payload over MaxPayload
	RefusedChatRate                     // a chat message over the connection's bucket
	RefusedMessageRate                  // a room:message over the connection's bucket
	numRefusals
)

// String names the refusal (a metric label value).
func (r Refusal) String() string {
	switch r {
	case RefusedSeatRate:
		return "seat_rate"
	case RefusedWrongPassword:
		return "wrong_password_cap"
	case RefusedRoomCap:
		return "room_cap"
	case RefusedPayload:
		return "payload_size"
	case RefusedChatRate:
		return "chat_rate"
	case RefusedMessageRate:
		return "message_rate"
	}
	return fmt.Sprintf("Refusal(%d)", int(r))
}

// refusals counts refusals by kind and logs them at a bounded rate: at
// most one line per kind every refusalLogEvery, with the count since.
type refusals struct {
	n       [numRefusals]atomic.Uint64
	logged  [numRefusals]atomic.Int64 // Unix ns of the last log line
	skipped [numRefusals]atomic.Uint64
}

const refusalLogEvery = 10 * time.Second

func (h *Host) refuse(r Refusal, c *conn) { // c is nil for a request from another node
	rf := &h.refused
	rf.n[r].Add(1)
	now := time.Now().UnixNano()
	last := rf.logged[r].Load()
	if now-last < int64(refusalLogEvery) || !rf.logged[r].CompareAndSwap(last, now) {
		rf.skipped[r].Add(1)
		return
	}
	addr := "another node" // a remote request
	if c != nil {
		addr = c.s.Handshake().ClientAddr.String()
	}
	h.cfg.Logger.Warn("lobby: request refused", "reason", r.String(), "addr", addr,
		"similar_since_last_line", rf.skipped[r].Swap(0))
}

// Refused returns how many times each limit refused a client.
func (h *Host) Refused() map[Refusal]uint64 {
	out := make(map[Refusal]uint64, numRefusals)
	for r := range numRefusals {
		out[r] = h.refused.n[r].Load()
	}
	return out
}

// Panics is how many panics in request handlers and lobby timers the host
// recovered from (panics in a room are its room's: rooms.Stats).
func (h *Host) Panics() uint64 { return h.panics.Load() }

// recovered logs and counts a panic recovered from lobby code (v is what
// recover returned, not nil), with its stack.
func (h *Host) recovered(where string, v any) {
	h.panics.Add(1)
	h.cfg.Logger.Error("lobby: panic recovered", "in", where, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
}

// safely runs fn, recovering a panic in it (a timer's work: a panic there
// would end the process).
func (h *Host) safely(where string, fn func()) {
	defer func() {
		if v := recover(); v != nil {
			h.recovered(where, v)
		}
	}()
	fn()
}
