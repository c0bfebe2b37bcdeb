package lobby

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/netio/client"
	"github.com/tickroom/tickroom/netio/socketio"
)

// stallMode: Start emits room:event "go" (as game/tag's Start does with
// "it"/"tag"); CanJoin refuses players whose playerMeta team is "full",
// or "solo" when a solo player is seated, with game.ErrRoomFull (a team
// cap); Step sleeps while slow is set (a stalled room).
type stallMode struct{ slow *atomic.Bool }

func (stallMode) Name() string         { return "stall" }
func (stallMode) Schema() *game.Schema { return idleSchema }
func (stallMode) Configure(game.Options) (game.Settings, error) {
	return game.Settings{MinPlayers: 1, MaxPlayers: 4, MaxPlayersLimit: 4, TickRate: 20, SnapshotRate: 20, JoinInProgress: true}, nil
}
func (m stallMode) New(c *game.Context) game.Game { return &stallGame{ctx: c, slow: m.slow} }

type stallGame struct {
	game.BaseGame
	ctx  *game.Context
	slow *atomic.Bool
	solo bool
}

func (g *stallGame) Join(p game.Player) { g.solo = g.solo || p.Meta["team"] == "solo" }

func (g *stallGame) Start() { g.ctx.Emit("go", nil) }
func (g *stallGame) CanJoin(p game.Player) error {
	if p.Meta["team"] == "full" || p.Meta["team"] == "solo" && g.solo {
		return game.ErrRoomFull
	}
	return nil
}
func (g *stallGame) Step() {
	for g.slow != nil && g.slow.Load() {
		time.Sleep(10 * time.Millisecond)
	}
}

func stallHost(t *testing.T, tune func(*Config)) (*Host, string, *atomic.Bool) {
	t.Helper()
	slow := new(atomic.Bool)
	cfg := DefaultConfig()
	cfg.Logger = quietLogger()
	if err := cfg.Modes.Register(stallMode{slow: slow}); err != nil {
		t.Fatal(err)
	}
	if tune != nil {
		tune(&cfg)
	}
	t.Cleanup(func() { slow.Store(false) })
	h, url := serveHost(t, &cfg)
	return h, url, slow
}

// The ack of room:start must reach the requester before the events the
// start caused (protocol.md, "Requests and acks").
func TestStartAckPrecedesItsEvents(t *testing.T) {
	_, url, _ := stallHost(t, nil)
	s := dial(t, url)
	if a := ask(t, s, "room:create", map[string]any{"mode": "stall"}); !a.OK {
		t.Fatalf("create: %+v", a)
	}
	var mu sync.Mutex
	var order []string
	s.On("room:event", func(client.Args, client.Ack) {
		mu.Lock()
		order = append(order, "event")
		mu.Unlock()
	})
	acked := make(chan struct{})
	if err := s.EmitWithAck("room:start", func(client.Args, error) {
		mu.Lock()
		order = append(order, "ack")
		mu.Unlock()
		close(acked)
	}, map[string]any{}); err != nil {
		t.Fatal(err)
	}
	<-acked
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if len(order) == 0 || order[0] != "ack" {
		t.Fatalf("room:start: got %v, want the ack first", order)
	}
}

// A quickjoin whose seat fails with a code placeQuickjoin retries
// (ROOM_FULL here: the mode's CanJoin) must not leave a seat reserved: the
// room it made stays empty, so it is disposed after EmptyTimeout.
func TestQuickjoinRefusedLeaksNoRoom(t *testing.T) {
	h, url, _ := stallHost(t, func(c *Config) { c.EmptyTimeout = 200 * time.Millisecond })
	s := dial(t, url)
	a := ask(t, s, "room:quickjoin", map[string]any{"mode": "stall", "playerMeta": map[string]any{"team": "full"}})
	if a.OK {
		t.Fatalf("quickjoin: %+v", a)
	}
	deadline := time.Now().Add(3 * time.Second)
	for h.Rooms() != 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := h.Rooms(); n != 0 {
		hr := h.RoomStatuses()[0]
		t.Fatalf("quickjoin answered %s; its empty room is still running 3 s later (players %d; EmptyTimeout 0.2 s)", a.Error.Code, hr.Info.Players)
	}
}

// A room:leave the room did not take in time answers INTERNAL and, per
// Config.RequestTimeout, "has no effect": the connection must still be in
// its room, not free to take a second seat while the first stays attached.
func TestLeaveTimeoutKeepsTheSeat(t *testing.T) {
	h, url, slow := stallHost(t, func(c *Config) { c.RequestTimeout = 200 * time.Millisecond })
	s := dial(t, url)
	if a := ask(t, s, "room:create", map[string]any{"mode": "stall"}); !a.OK {
		t.Fatalf("create: %+v", a)
	}
	time.Sleep(100 * time.Millisecond)
	slow.Store(true)
	time.Sleep(100 * time.Millisecond) // the room is now stuck in Step
	a := ask(t, s, "room:leave", nil)
	slow.Store(false)
	if a.OK {
		t.Fatal("room:leave succeeded while the room was stuck in Step")
	}
	if b := ask(t, s, "room:create", map[string]any{"mode": "stall"}); b.OK {
		time.Sleep(200 * time.Millisecond)
		t.Fatalf("leave answered %s, then a second room:create succeeded: %d rooms, %d seats for one connection",
			a.Error.Code, h.Stats().Rooms, h.Stats().Seats)
	}
}

// A disconnect while the room is stalled past RequestTimeout must still
// put the seat into grace (and expire it), not leave it attached for ever.
func TestDisconnectDuringStallReachesGrace(t *testing.T) {
	h, url, slow := stallHost(t, func(c *Config) {
		c.RequestTimeout = 200 * time.Millisecond
		c.Grace = 300 * time.Millisecond
	})
	s := dial(t, url)
	if a := ask(t, s, "room:create", map[string]any{"mode": "stall"}); !a.OK {
		t.Fatalf("create: %+v", a)
	}
	time.Sleep(100 * time.Millisecond)
	slow.Store(true)
	time.Sleep(100 * time.Millisecond) // the room is now stuck in Step
	s.Manager().Close()
	time.Sleep(500 * time.Millisecond) // past RequestTimeout
	slow.Store(false)
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		if st := h.Stats(); st.Seats == 0 && st.Connected == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	st := h.Stats()
	t.Fatalf("2.5 s after a disconnect with a 0.3 s grace: seats %d, connected %d (want 0, 0)", st.Seats, st.Connected)
}

// A lobby:watch whose connection disconnected while the handler ran (the
// disconnect handler's unwatch came first) must not leave a watcher behind.
func TestWatchAfterDisconnectLeaksNoWatcher(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Logger = quietLogger()
	h, err := NewHost(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	socks := make(chan *socketio.Socket, 1)
	url := serveAttached(t, h, func(nsp *socketio.Namespace) {
		nsp.OnConnection(func(s *socketio.Socket) { socks <- s })
	})
	cl := dial(t, url)
	sock := <-socks
	c := &conn{h: h, s: sock}
	cl.Manager().Close()
	for sock.Connected() {
		time.Sleep(10 * time.Millisecond)
	}
	h.hub.unwatch(c) // the disconnect handler, which ran before the handler below registered
	_, _, _ = h.watch(c, nil)
	var n int
	_ = h.hub.do(func() { n = len(h.hub.watchers) })
	if n != 0 {
		t.Fatalf("%d watcher(s) left for a connection that is gone", n)
	}
}

// Host.Remote runs mode code (Configure) for another node's request, on a
// goroutine of rooms/cluster's with no recover: a panic there must be
// recovered like a local request's, and a retry of the same id answered.
func TestRemotePanicIsRecovered(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Logger = quietLogger()
	if err := cfg.Modes.Register(boomMode{"configure"}); err != nil {
		t.Fatal(err)
	}
	h, err := NewHost(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Shutdown(t.Context()) })
	req := &RemoteRequest{ID: "r1", Op: RemoteCreate, Mode: "boom-configure", Name: "p"}
	func() {
		defer func() {
			if v := recover(); v != nil {
				t.Errorf("Host.Remote panicked: %v (in rooms/cluster's onRequest goroutine this ends the process)", v)
			}
		}()
		_, _ = h.Remote(t.Context(), req)
	}()
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	if _, err := h.Remote(ctx, req); ctx.Err() != nil {
		t.Errorf("a retry of the same id waited until its deadline (%v): the first try never finished", err)
	}
}

// A quickjoin refused by a room's CanJoin (a team cap) tries another room:
// two solo players end in two rooms, each answered ok.
func TestQuickjoinRefusedTriesAnotherRoom(t *testing.T) {
	h, url, _ := stallHost(t, nil)
	req := map[string]any{"mode": "stall", "playerMeta": map[string]any{"team": "solo"}}
	var rooms []string
	for range 2 {
		j := askJoined(t, dial(t, url), "room:quickjoin", req)
		rooms = append(rooms, j.Room.ID)
	}
	if rooms[0] == rooms[1] || h.Rooms() != 2 {
		t.Fatalf("two solo players: rooms %v, host runs %d rooms (want 2 different)", rooms, h.Rooms())
	}
}
