package lobby_test

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/internal/testhost"
	"github.com/tickroom/tickroom/netio/client"
	"github.com/tickroom/tickroom/rooms/lobby"
)

// idleMode is a mode of rooms that do nothing once a second: many of them
// cost little, so a test can fill a lobby.
type idleMode struct{}

func (idleMode) Name() string         { return "idle" }
func (idleMode) Schema() *game.Schema { return idleSchema }
func (idleMode) Configure(game.Options) (game.Settings, error) {
	return game.Settings{MinPlayers: 1, MaxPlayers: 4, MaxPlayersLimit: 4, TickRate: 1, SnapshotRate: 1}, nil
}
func (idleMode) New(*game.Context) game.Game { return &game.BaseGame{} }

var idleSchema = &game.Schema{Kinds: []game.EntityKind{{Name: "dot", Fields: []game.Field{{Name: "x", Kind: game.KindInt}}}}}

// stampMode is a 20 Hz mode whose DecodeInput, which the runtime calls on
// the connection's reader as soon as an input is handed to the seat, notes
// when each input seq arrived.
type stampMode struct{ arrived *sync.Map } // seq -> time.Time

func (stampMode) Name() string         { return "stamp" }
func (stampMode) Schema() *game.Schema { return idleSchema }
func (stampMode) Configure(game.Options) (game.Settings, error) {
	return game.Settings{MinPlayers: 1, MaxPlayers: 4, MaxPlayersLimit: 4, TickRate: 20, SnapshotRate: 20, JoinInProgress: true}, nil
}
func (m stampMode) New(*game.Context) game.Game { return &stampGame{m: m} }

type stampGame struct {
	game.BaseGame
	m stampMode
}

func (g *stampGame) DecodeInput(raw []byte) (any, error) {
	now := time.Now()
	in, err := game.NewInputMap(raw)
	for err == nil && in.Next() {
		if string(in.Key()) == "seq" {
			var seq float64
			if seq, err = in.Number(); err == nil {
				g.m.arrived.Store(uint64(seq), now)
			}
		}
	}
	return nil, err
}

// TestListDoesNotDelayInput: with 10,000 rooms in the lobby, a connection
// listing them in a loop does not delay a player's inputs: the time from
// sending an input to the server handing it to the mode, and the number
// acknowledged in snapshots (`a`), stay what they are without the lister.
// The input path takes no lock a lobby scan holds.
func TestListDoesNotDelayInput(t *testing.T) {
	cfg := lobby.DefaultConfig()
	cfg.EmptyTimeout = time.Hour // the idle rooms are never seated
	cfg.Limits.MaxRooms = -1
	stamp := stampMode{arrived: &sync.Map{}}
	h, url := testhost.Start(t, &cfg, stamp, idleMode{})
	if err := h.LaunchIdle(idleMode{}, 10_000, "idle"); err != nil {
		t.Fatal(err)
	}

	player := dial(t, url)
	var acked atomic.Uint64
	player.On("snapshot", func(args client.Args, _ client.Ack) {
		var s struct {
			A uint64 `msgpack:"a"`
		}
		if args.Decode(0, &s) == nil {
			acked.Store(s.A)
		}
	})
	if a := ask(t, player, "room:create", map[string]any{"mode": "stamp"}); !a.OK {
		t.Fatalf("create: %+v", a)
	}
	var seq uint64
	// measure sends an input every 50 ms for d and returns how long each
	// took to reach the mode, and how many the room acknowledged.
	measure := func(d time.Duration) ([]time.Duration, uint64) {
		first := seq + 1
		sent := map[uint64]time.Time{}
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for end := time.Now().Add(d); time.Now().Before(end); <-tick.C {
			seq++
			sent[seq] = time.Now()
			if err := player.Emit("input", map[string]any{"seq": seq}); err != nil {
				t.Errorf("input %d: %v", seq, err)
			}
		}
		// The last inputs and their acks (slow under the race detector).
		for wait := time.Now().Add(5 * time.Second); time.Now().Before(wait) && acked.Load() < seq; {
			time.Sleep(20 * time.Millisecond)
		}
		var lat []time.Duration
		for q, at := range sent {
			if v, ok := stamp.arrived.Load(q); ok {
				lat = append(lat, v.(time.Time).Sub(at))
			}
		}
		return lat, min(acked.Load(), seq) - (first - 1)
	}

	quiet, quietAcked := measure(3 * time.Second)

	lister := dial(t, url)
	var lists atomic.Int64
	stop := make(chan struct{})
	listed := make(chan string, 1)
	go func() {
		defer close(listed)
		for {
			select {
			case <-stop:
				return
			default:
			}
			// limit 1: the server still filters and sorts all 10,000 rooms, but the answer is
			// small, so the test measures a scan's hold on the input path, not the CPU the
			// lister's big answers take from the player on two cores.
			a := ask(t, lister, "lobby:list", map[string]any{"limit": 1})
			if !a.OK || len(a.Rooms) != 1 {
				listed <- fmt.Sprintf("lobby:list over 10,000 rooms: ok %v, %d rooms, want 1", a.OK, len(a.Rooms))
				return
			}
			lists.Add(1)
			time.Sleep(time.Millisecond) // room for the player between scans
		}
	}()
	for lists.Load() == 0 { // the lister is under way
		time.Sleep(10 * time.Millisecond)
	}
	busy, busyAcked := measure(3 * time.Second)
	close(stop)
	if msg := <-listed; msg != "" {
		t.Fatal(msg)
	}

	t.Logf("input to mode: quiet p50 %v p90 %v max %v (%d inputs, %d acked); while listing 10,000 rooms (%d lists): p50 %v p90 %v max %v (%d inputs, %d acked)",
		pct(quiet, 0.5), pct(quiet, 0.9), pct(quiet, 1), len(quiet), quietAcked, lists.Load(),
		pct(busy, 0.5), pct(busy, 0.9), pct(busy, 1), len(busy), busyAcked)
	if n := lists.Load(); n < 5 {
		t.Fatalf("only %d lists ran while the player played: the test measured nothing", n)
	}
	if len(quiet) < 50 || len(busy) < 50 || int(busyAcked) != len(busy) || int(quietAcked) != len(quiet) {
		t.Fatalf("inputs lost: %d quiet (%d acked), %d busy (%d acked)", len(quiet), quietAcked, len(busy), busyAcked)
	}
	// One scan takes milliseconds (tens under the race detector), and the
	// lister runs them almost back to back: an input that waited for one
	// would show it in the median and in the tail.
	if q, b := pct(quiet, 0.5), pct(busy, 0.5); b > 3*q+500*time.Microsecond {
		t.Errorf("median input to mode %v while listing, %v without: the lister delays inputs", b, q)
	}
	// The tail is left to the log: on two loaded cores (the race detector
	// makes a scan cost tens of milliseconds of CPU) it measures the CPU the
	// scans take, not a lock. TestInputWhileListStalls checks the lock.
}

// stallStore is a store whose List waits for its gate: a lobby scan as
// slow as a test wants.
type stallStore struct {
	lobby.Store
	inList chan struct{} // a List has started
	gate   chan struct{} // closed: List goes on
}

func (s stallStore) List(dst []lobby.Entry) []lobby.Entry {
	select {
	case s.inList <- struct{}{}:
	default:
	}
	<-s.gate
	return s.Store.List(dst)
}

// TestInputWhileListStalls: while a lobby:list is stuck in its scan, a
// player's inputs still reach the mode and are acknowledged in snapshots:
// the input path shares no lock with a scan, however long it takes.
func TestInputWhileListStalls(t *testing.T) {
	cfg := lobby.DefaultConfig()
	stamp := stampMode{arrived: &sync.Map{}}
	if err := cfg.Modes.Register(stamp); err != nil {
		t.Fatal(err)
	}
	store := stallStore{Store: lobby.NewMemStore(), inList: make(chan struct{}, 1), gate: make(chan struct{})}
	cfg.Store = store
	_, url := testhost.Start(t, &cfg)
	var open sync.Once
	release := func() { open.Do(func() { close(store.gate) }) }
	t.Cleanup(release) // registered after the host's: runs first, so a failed test lets the scan go
	player := dial(t, url)
	var acked atomic.Uint64
	player.On("snapshot", func(args client.Args, _ client.Ack) {
		var s struct {
			A uint64 `msgpack:"a"`
		}
		if args.Decode(0, &s) == nil {
			acked.Store(s.A)
		}
	})
	if a := ask(t, player, "room:create", map[string]any{"mode": "stamp"}); !a.OK {
		t.Fatalf("create: %+v", a)
	}
	lister := dial(t, url)
	listDone := make(chan struct{})
	go func() {
		defer close(listDone)
		ask(t, lister, "lobby:list", map[string]any{})
	}()
	<-store.inList // the scan has started, and stalls
	for seq := uint64(1); seq <= 10; seq++ {
		if err := player.Emit("input", map[string]any{"seq": seq}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	deadline := time.Now().Add(5 * time.Second)
	for acked.Load() < 10 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case <-listDone:
		t.Fatal("the list ended before its gate opened: the test measured nothing")
	default:
	}
	if got := acked.Load(); got < 10 {
		t.Fatalf("while a scan stalled, the room acknowledged inputs up to %d of 10", got)
	}
	release()
	<-listDone
}

func pct(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

func dial(t *testing.T, url string) *client.Socket {
	t.Helper()
	return testhost.Dial(t, url, map[string]any{"name": "t"})
}

// answer is a request's ack as a test reads it.
type answer struct {
	OK    bool `msgpack:"ok"`
	Error struct {
		Code string `msgpack:"code"`
	} `msgpack:"error"`
	Rooms []lobby.RoomInfo `msgpack:"rooms"`
}

// ask asks event with payload; a failure to get or decode the ack fails t and returns the zero
// answer. It may run on any goroutine.
func ask(t *testing.T, s *client.Socket, event string, payload any) answer {
	t.Helper()
	var a answer
	testhost.Ask(t, s, event, payload, &a)
	return a
}
