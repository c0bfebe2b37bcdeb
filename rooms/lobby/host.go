package lobby

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/internal/metric"
	"github.com/tickroom/tickroom/netio/socketio"
	"github.com/tickroom/tickroom/rooms"
)

// Host runs the lobby and the rooms of one namespace: it binds the game
// protocol's requests, `input`, `room:resync` and `time:sync` to rooms,
// keeps seats through a disconnect for the grace period, runs listing,
// watching, quickjoin, chat, ready and kick, disposes of empty rooms, and
// closes every room on Shutdown.
//
// Who owns what: the host's tables (its rooms, their seat tokens) are
// guarded by mu, which is never held while waiting for anything; the
// lobby's state of one room (its players, host, ready flags, and every
// event to them) belongs to that room's goroutine and is reached through
// rooms.Room.Do and Call; a connection's seat is an atomic pointer its
// `input` handler reads without a lock; the watchers belong to the watch
// hub's goroutine.
type Host struct {
	cfg    Config          // static, defaults filled in
	store  Store           // static
	phases *rooms.Phases   // static
	ctx    context.Context // static: cancelled when the host has shut down
	end    context.CancelFunc
	wg     sync.WaitGroup // room goroutines
	hub    *watchHub      // static
	routes []*route       // static: the requests and their counters

	mu        sync.RWMutex
	rooms     map[string]*hostedRoom // guarded by mu: this host's rooms by id
	tokens    map[string]*seatRef    // guarded by mu: seats by seat token
	closed    bool                   // guarded by mu
	goneStats rooms.Stats            // guarded by mu: the counters of stopped rooms
	goneTicks metric.Snapshot        // guarded by mu: the tick times of stopped rooms

	// quickMu makes a quickjoin's pick, reservation and (when no room fits)
	// launch one step: simultaneous quickjoins never make two rooms where
	// one would do. Only quickjoins take it.
	quickMu sync.Mutex

	draining atomic.Bool   // Drain was called: no new rooms
	dropped  atomic.Uint64 // requests without an ack
	done     doneRequests  // remote requests' answers, for retries
	refused  refusals      // requests refused by a limit
	panics   atomic.Uint64 // panics recovered in handlers and timers
}

// NewHost returns a host (nil cfg: DefaultConfig()); attach it to a
// namespace with Attach.
func NewHost(cfg *Config) (*Host, error) {
	c := DefaultConfig()
	if cfg != nil {
		c = *cfg
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c = c.withDefaults()
	store := c.Store
	if store == nil {
		store = NewMemStore()
	}
	ctx, end := context.WithCancel(context.Background())
	h := &Host{
		cfg: c, store: store, phases: rooms.NewPhases(), ctx: ctx, end: end,
		rooms: map[string]*hostedRoom{}, tokens: map[string]*seatRef{},
	}
	h.hub = newWatchHub(h)
	h.routes = h.newRoutes()
	store.Subscribe(h.hub.changed)
	return h, nil
}

// conn is the lobby's state of one connection. Its request handlers run one
// at a time (netio runs a socket's handlers in order), its `input` handler
// reads seat without a lock.
type conn struct {
	h       *Host            // static
	s       *socketio.Socket // static
	name    string           // static: the handshake name under the name rules
	subject string           // static: the verified account, "" without a verifier
	seat    atomic.Pointer[seatRef]
	chat    bucket // the room:chat rate limit of this connection
	seats   bucket // the seat requests' rate limit of this connection
	msgs    bucket // the room:message rate limit of this connection
}

// Attach binds the host's events on every socket that connects to nsp.
func (h *Host) Attach(nsp *socketio.Namespace) {
	if h.cfg.Verifier != nil {
		nsp.Use(authMiddleware(h.cfg.Verifier))
	}
	nsp.OnConnection(func(s *socketio.Socket) {
		c := &conn{h: h, s: s, name: playerName(s), subject: subjectOf(s)}
		for _, r := range h.routes {
			s.On(r.event, h.serve(c, r))
		}
		s.On("input", c.input)
		s.OnDisconnect(func(string) {
			h.hub.unwatch(c)
			h.disconnected(c)
		})
	})
}

// input hands an `input` payload to the connection's seat; it never blocks
// and takes no lock shared with anything outside that seat. Input from a
// connection without a seat is dropped.
func (c *conn) input(_ *socketio.Socket, args socketio.Args, _ socketio.Ack) {
	if ref := c.seat.Load(); ref != nil {
		ref.seat.PushInput(args.Raw(0))
	}
}

// Rooms is the number of running rooms.
func (h *Host) Rooms() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.rooms)
}

// Shutdown closes every room with room:closed {reason: "shutdown"} and
// waits for them, bounded by ctx. Requests after it fail.
func (h *Host) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	h.closed = true
	running := make([]*hostedRoom, 0, len(h.rooms))
	for _, hr := range h.rooms {
		running = append(running, hr)
	}
	h.mu.Unlock()
	for _, hr := range running {
		_ = hr.room.Close(ctx, rooms.CloseShutdown)
	}
	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
	}
	h.end()
	h.hub.stop()
	return err
}

// Drain stops the host making rooms: room:create, and a room:quickjoin
// that would have to make a room, answer UNAVAILABLE from now on; joins
// and rejoins into running rooms go on, and rooms end as they normally
// would. Shutdown closes what is left. Drain cannot be undone.
func (h *Host) Drain() { h.draining.Store(true) }

// Draining reports whether Drain was called.
func (h *Host) Draining() bool { return h.draining.Load() }

// DroppedRequests is the number of requests dropped for want of an ack.
func (h *Host) DroppedRequests() uint64 { return h.dropped.Load() }

func (h *Host) reqCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(h.ctx, h.cfg.RequestTimeout)
}

// schemaOf is what Joined.schema carries for a mode.
func schemaOf(m game.Mode) *game.SchemaDescription { return m.Schema().Describe() }
