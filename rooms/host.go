package rooms

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/netio/socketio"
)

// HostConfig configures a Host. A nil *HostConfig means DefaultHostConfig().
type HostConfig struct {
	// Modes are the modes rooms can be made of.
	Modes *game.Registry
	// Room configures every room the host runs.
	Room Config
	// Grace is how long a seat is kept after an unexpected disconnect.
	Grace time.Duration
	// RequestTimeout bounds how long a request waits for a room's reply.
	RequestTimeout time.Duration
	// EmptyTimeout is how long a room without any seat (seats in grace
	// count) lives before it is disposed. Zero means 30 s.
	EmptyTimeout time.Duration
	// LobbyInterval is the least time between two lobby:update events to
	// one watcher. Zero means 250 ms.
	LobbyInterval time.Duration
	// Verifier, when not nil, checks every handshake's auth.token; a
	// refused one gets CONNECT_ERROR {message: "unauthorized"}. Nil allows
	// anonymous play.
	Verifier TokenVerifier
	// Logger gets room failures. Nil means slog.Default().
	Logger *slog.Logger
}

// DefaultHostConfig returns the contract's defaults with an empty mode
// registry.
func DefaultHostConfig() HostConfig {
	return HostConfig{Modes: game.NewRegistry(), Room: DefaultConfig(), Grace: 20 * time.Second, RequestTimeout: 5 * time.Second,
		EmptyTimeout: 30 * time.Second, LobbyInterval: 250 * time.Millisecond}
}

// Host runs rooms for the sockets of one namespace: it binds the game
// protocol's room requests, `input`, `room:resync` and `time:sync` to rooms,
// keeps seats through a disconnect for the grace period, runs the lobby
// (listing, watching, quickjoin, chat, ready, kick; lobby.go, seats.go,
// chat.go), disposes of empty rooms, and closes every room on Shutdown.
type Host struct {
	cfg HostConfig   // static
	log *slog.Logger // static
	ctx context.Context
	end context.CancelFunc
	wg  sync.WaitGroup // room goroutines

	mu     sync.Mutex
	rooms  map[string]*hostedRoom // guarded by mu: by id
	codes  map[string]*hostedRoom // guarded by mu: by join code
	tokens map[string]*seatRef    // guarded by mu: by seat token
	closed bool                   // guarded by mu

	watchers map[*socketio.Socket]*watcher // guarded by mu: lobby:watch
	dropped  atomic.Uint64                 // requests without an ack
	// epoch and launched place each new room's ticks in the tick period (see
	// tickPhase).
	epoch    time.Time // static
	launched atomic.Uint64

	// goneStats sums the Stats of the rooms that have stopped.
	goneStats Stats // guarded by mu
}

// hostedRoom is a running room and what the host knows of it.
type hostedRoom struct {
	room      *Room          // static
	id, code  string         // static
	mode      string         // static
	name      string         // static
	createdAt time.Time      // static
	private   bool           // static
	pwHash    []byte         // static: sha256 of the password, nil without one
	meta      map[string]any // static

	nextID   uint32                     // guarded by Host.mu
	players  map[game.PlayerID]*seatRef // guarded by Host.mu
	host     game.PlayerID              // guarded by Host.mu
	reserved int                        // guarded by Host.mu: seats promised to joins in flight
	idle     *time.Timer                // guarded by Host.mu: disposal of an empty room
	idleGen  uint64                     // guarded by Host.mu: which idle timer is current
	gone     bool                       // guarded by Host.mu: disposed or stopped
}

// seatRef is a seat as the host tracks it.
type seatRef struct {
	hr   *hostedRoom // static
	id   game.PlayerID
	name string
	// subject is the verified account that took the seat ("" without a
	// token verifier); only that account may rejoin it.
	subject string
	seat    *Seat            // guarded by Host.mu
	peer    *socketPeer      // guarded by Host.mu: the connection's peer, nil while in grace
	ready   bool             // guarded by Host.mu
	sock    *socketio.Socket // guarded by Host.mu: nil while in grace
	token   string           // guarded by Host.mu
	grace   *time.Timer      // guarded by Host.mu
}

// seatKey is where a socket keeps its seat (socketio.Socket.Set).
const seatKey = "tickroom.seat"

// NewHost returns a host; attach it to a namespace with Attach.
func NewHost(cfg *HostConfig) (*Host, error) {
	c := DefaultHostConfig()
	if cfg != nil {
		c = *cfg
	}
	if c.EmptyTimeout == 0 {
		c.EmptyTimeout = 30 * time.Second
	}
	if c.LobbyInterval == 0 {
		c.LobbyInterval = 250 * time.Millisecond
	}
	if c.Modes == nil || c.Grace <= 0 || c.RequestTimeout <= 0 {
		return nil, errors.New("rooms: HostConfig needs Modes, a positive Grace and RequestTimeout")
	}
	if err := c.Room.Validate(); err != nil {
		return nil, err
	}
	log := c.Logger
	if log == nil {
		log = slog.Default()
	}
	ctx, end := context.WithCancel(context.Background())
	return &Host{
		cfg: c, log: log, ctx: ctx, end: end, epoch: time.Now(),
		rooms: map[string]*hostedRoom{}, codes: map[string]*hostedRoom{}, tokens: map[string]*seatRef{},
		watchers: map[*socketio.Socket]*watcher{},
	}, nil
}

// Attach binds the host's events on every socket that connects to nsp.
func (h *Host) Attach(nsp *socketio.Namespace) {
	if h.cfg.Verifier != nil {
		nsp.Use(authMiddleware(h.cfg.Verifier))
	}
	nsp.OnConnection(func(s *socketio.Socket) {
		s.On("room:create", h.request(h.create))
		s.On("room:join", h.request(h.join))
		s.On("room:rejoin", h.request(h.rejoin))
		s.On("room:leave", h.request(h.leaveReq))
		s.On("room:quickjoin", h.request(h.quickjoin))
		s.On("room:ready", h.request(h.ready))
		s.On("room:start", h.request(h.start))
		s.On("room:kick", h.request(h.kick))
		s.On("room:chat", h.request(h.chat))
		s.On("lobby:list", h.request(h.list))
		s.On("lobby:watch", h.request(h.watch))
		s.On("lobby:unwatch", h.request(h.unwatch))
		s.On("room:resync", h.request(h.resync))
		s.On("time:sync", h.request(timeSync))
		s.On("input", h.input)
		s.OnDisconnect(func(string) {
			h.unwatchSocket(s)
			h.disconnected(s)
		})
	})
}

// Rooms is the number of running rooms.
func (h *Host) Rooms() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.rooms)
}

// Shutdown closes every room with room:closed {reason: "shutdown"} and
// waits for them, bounded by ctx. Requests after it fail.
func (h *Host) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	h.closed = true
	rooms := make([]*hostedRoom, 0, len(h.rooms))
	for _, hr := range h.rooms {
		rooms = append(rooms, hr)
	}
	h.mu.Unlock()
	for _, hr := range rooms {
		_ = hr.room.Close(ctx, "shutdown")
	}
	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		h.end()
		return ctx.Err()
	}
	h.end()
	return nil
}

// newToken returns 32 random bytes, base64url: a seat token.
func newToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("rooms: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// newCode returns a 6-character join code without look-alike characters.
func newCode() string {
	const alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
	var b [6]byte
	var r [8]byte
	if _, err := rand.Read(r[:]); err != nil {
		panic("rooms: crypto/rand failed: " + err.Error())
	}
	n := binary.LittleEndian.Uint64(r[:])
	for i := range b {
		b[i] = alphabet[n%uint64(len(alphabet))]
		n /= uint64(len(alphabet))
	}
	return string(b[:])
}

func newSeed() uint64 {
	var r [8]byte
	if _, err := rand.Read(r[:]); err != nil {
		panic("rooms: crypto/rand failed: " + err.Error())
	}
	return binary.LittleEndian.Uint64(r[:])
}

// launch registers and runs a new room, one seat of which is promised to
// the caller (hostedRoom.reserved) before anyone else can see the room.
func (h *Host) launch(mode game.Mode, settings game.Settings, spec roomSpec) (*hostedRoom, error) {
	hr, err := h.newHosted(mode, settings, spec)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	err = h.registerLocked(hr)
	h.mu.Unlock()
	if err != nil {
		return nil, err
	}
	h.run(hr)
	return hr, nil
}

// newHosted makes a room that is not registered nor running yet.
func (h *Host) newHosted(mode game.Mode, settings game.Settings, spec roomSpec) (*hostedRoom, error) {
	id := uuid.NewString()
	r, err := NewRoom(id, mode, settings, newSeed(), &h.cfg.Room)
	if err != nil {
		return nil, err
	}
	r.firstTick = firstTick(h.epoch, time.Now(), time.Second/time.Duration(r.rate), h.launched.Add(1))
	hr := &hostedRoom{
		room: r, id: id, mode: mode.Name(), name: spec.name, createdAt: time.Now(),
		private: spec.private, pwHash: spec.pwHash, meta: spec.meta, players: map[game.PlayerID]*seatRef{},
	}
	if hr.meta == nil {
		hr.meta = map[string]any{}
	}
	r.onEnd = func() { h.phaseChanged(hr) }
	return hr, nil
}

// registerLocked makes hr visible with one seat reserved; h.mu is held.
// Start it with run after unlocking.
func (h *Host) registerLocked(hr *hostedRoom) error {
	if h.closed {
		return ErrClosed
	}
	for {
		hr.code = newCode()
		if _, taken := h.codes[hr.code]; !taken {
			break
		}
	}
	h.rooms[hr.id], h.codes[hr.code] = hr, hr
	hr.reserved = 1
	h.wg.Add(1)
	h.touchLocked(hr)
	return nil
}

// run starts the goroutine of a registered room.
func (h *Host) run(hr *hostedRoom) {
	go func() {
		defer h.wg.Done()
		if err := hr.room.Run(h.ctx); err != nil {
			h.log.Error("rooms: room failed", "room", hr.id, "err", err)
		}
		h.forgetRoom(hr)
	}()
}

// forgetRoom drops a stopped room and its seats, and keeps its counters in
// the host's totals. It runs once per room, when its Run has returned.
func (h *Host) forgetRoom(hr *hostedRoom) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.rooms[hr.id] == hr {
		delete(h.rooms, hr.id)
		delete(h.codes, hr.code)
	}
	h.goneStats = h.goneStats.add(hr.room.Stats())
	hr.gone = true
	if hr.idle != nil {
		hr.idle.Stop()
	}
	h.touchLocked(hr)
	for _, ref := range hr.players {
		delete(h.tokens, ref.token)
		if ref.grace != nil {
			ref.grace.Stop()
		}
		if ref.sock != nil && ref.sock.Get(seatKey) == ref {
			ref.sock.Set(seatKey, nil)
		}
	}
}

// DroppedRequests is the number of requests dropped for want of an ack.
func (h *Host) DroppedRequests() uint64 { return h.dropped.Load() }

// firstTick is when the k-th room a host launches runs its first tick: the
// first moment after now at phase tickPhase(k) of the tick period, counted
// from epoch. Rooms made in a burst (a quickjoin ramp fills one every few
// milliseconds) would otherwise tick at nearly the same moment: every
// room's snapshots written at once, a CPU burst each period and a latency
// tail for the rooms served last. Spread over the period, the ticks of n
// rooms are at most about 2.6/n of a period apart whatever n is.
func firstTick(epoch, now time.Time, period time.Duration, k uint64) time.Time {
	phase := time.Duration(tickPhase(k) * float64(period))
	since := now.Sub(epoch) - phase
	n := since / period
	if since >= 0 {
		n++
	}
	return epoch.Add(n*period + phase)
}

// tickPhase is the fractional part of k times the golden ratio: a sequence
// of points in [0, 1) of which any first n leave no gap wider than about
// 2.6/n (the three-distance theorem).
func tickPhase(k uint64) float64 {
	const phi = 0.6180339887498949
	_, f := math.Modf(float64(k%1_000_003) * phi)
	return f
}
