package roomtest

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/gametest"
	"github.com/tickroom/tickroom/rooms"
)

// Option changes how Start sets a room up.
type Option func(*setup)

type setup struct {
	seed uint64
	opts game.Options
	cfg  rooms.Config
}

// Seed sets the room's RNG seed (default 1).
func Seed(seed uint64) Option { return func(s *setup) { s.seed = seed } }

// RoomOptions sets the room:create options Mode.Configure gets.
func RoomOptions(o game.Options) Option { return func(s *setup) { s.opts = o } }

// Configure changes the rooms.Config the room runs with. The kit's
// defaults: every snapshot carries `h` (HashEvery 1), and the room logs to
// the test's output.
func Configure(fn func(*rooms.Config)) Option { return func(s *setup) { fn(&s.cfg) } }

// Room is a mode's room run by rooms.Room in its own goroutine, inside the
// caller's synctest bubble. Its methods block as the runtime's do: Join,
// Leave, Drop, Return and Start wait for the next tick to run them, and
// Message for the room to answer between ticks. They are for the test's
// goroutine.
type Room struct {
	t      testing.TB
	room   *rooms.Room
	schema *game.Schema
	cancel context.CancelFunc
	done   chan error
	err    error // what Run returned, once it has
	ran    bool  // done has been read
	seen   bool  // the test read err (Wait or Stop)
	peers  map[game.PlayerID]*Peer
}

// Start makes a room of mode (Configure with the room options, rooms.NewRoom
// with the seed) and runs it; Run is stopped, if it has not returned, when
// the test ends, and a Run that failed (a mode panic) fails the test unless
// the test read the error with Stop or Wait. Start must run inside a
// synctest bubble.
func Start(t testing.TB, mode game.Mode, opts ...Option) *Room {
	t.Helper()
	s := setup{seed: 1, cfg: rooms.Config{HashEvery: 1}}
	s.cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	for _, o := range opts {
		o(&s)
	}
	settings, err := mode.Configure(s.opts)
	if err != nil {
		t.Fatalf("roomtest: %s.Configure(%+v): %v", mode.Name(), s.opts, err)
	}
	room, err := rooms.NewRoom("roomtest-"+mode.Name(), mode, settings, s.seed, &s.cfg, nil)
	if err != nil {
		t.Fatalf("roomtest: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &Room{t: t, room: room, schema: mode.Schema(), cancel: cancel, done: make(chan error, 1), peers: map[game.PlayerID]*Peer{}}
	go func() { r.done <- room.Run(ctx) }()
	t.Cleanup(func() {
		r.cancel()
		if err := r.wait(); err != nil && !r.seen {
			t.Errorf("roomtest: the room failed: %v", err)
		}
	})
	return r
}

// Room returns the runtime's room: its Stats, Phase, Settings.
func (r *Room) Room() *rooms.Room { return r.room }

// Sleep advances the fake clock by d and then waits until every goroutine of
// the bubble waits again, so the ticks due by then have run.
func (r *Room) Sleep(d time.Duration) {
	time.Sleep(d)
	synctest.Wait()
}

// Ticks advances the fake clock by n tick periods (see Sleep).
func (r *Room) Ticks(n int) {
	r.Sleep(time.Duration(n) * time.Second / time.Duration(r.room.Settings().TickRate))
}

// Join seats p with a new Peer at the next tick and fails the test if the
// room refuses; see TryJoin.
func (r *Room) Join(p game.Player) *Peer {
	r.t.Helper()
	peer, err := r.TryJoin(p)
	if err != nil {
		r.t.Fatalf("roomtest: join of player %d: %v", p.ID, err)
	}
	return peer
}

// TryJoin seats p with a new Peer at the next tick (rooms.Room.Join) and
// returns the runtime's error when it refuses.
func (r *Room) TryJoin(p game.Player) (*Peer, error) {
	peer := newPeer(r.t, p.ID, r.schema)
	seat, err := r.room.Join(context.Background(), p, peer)
	if err != nil {
		return nil, err
	}
	peer.mu.Lock()
	peer.seat = seat
	peer.mu.Unlock()
	r.peers[p.ID] = peer
	return peer, nil
}

// Peer returns the Peer of player id, nil if it never joined.
func (r *Room) Peer(id game.PlayerID) *Peer { return r.peers[id] }

// Leave frees the seat of id at the next tick.
func (r *Room) Leave(id game.PlayerID) { r.must("leave", r.room.Leave(context.Background(), id)) }

// Drop disconnects id at the next tick; its seat is kept.
func (r *Room) Drop(id game.PlayerID) { r.must("drop", r.room.Drop(context.Background(), id)) }

// Return reattaches id's Peer at the next tick; its next snapshot is a full
// state.
func (r *Room) Return(id game.PlayerID) {
	r.t.Helper()
	p := r.peers[id]
	if p == nil {
		r.t.Fatalf("roomtest: return of player %d, who never joined", id)
	}
	r.must("return", r.room.Return(context.Background(), id, p))
}

// Start starts the match at the next tick and fails the test if the room
// refuses; TryStart returns the error.
func (r *Room) Start() { r.must("start", r.TryStart()) }

// TryStart starts the match at the next tick (rooms.Room.Start).
func (r *Room) TryStart() error { return r.room.Start(context.Background()) }

func (r *Room) must(what string, err error) {
	r.t.Helper()
	if err != nil {
		r.t.Fatalf("roomtest: %s: %v", what, err)
	}
}

// Message sends room:message {type: typ, data} from player from through
// rooms.Room.Message and returns the answer: the reply as the sender
// decodes it (gametest.RoundTrip), or the runtime's error
// (rooms.ErrNotSeated, game.ErrNoHandler, a *rooms.RefusedError).
func (r *Room) Message(from game.PlayerID, typ string, data any) (reply any, err error) {
	r.t.Helper()
	var raw []byte
	if data != nil {
		if raw, err = gametest.Encode(data); err != nil {
			r.t.Fatalf("roomtest: message %q: %v", typ, err)
		}
	}
	var rep any
	answered := false
	if rerr := r.room.Message(context.Background(), game.Message{From: from, Type: typ, Data: raw}, func(a any, e error) {
		rep, err, answered = a, e, true
	}); rerr != nil {
		return nil, rerr
	}
	if !answered {
		return nil, fmt.Errorf("roomtest: message %q was not answered", typ)
	}
	if err != nil || rep == nil {
		return nil, err
	}
	if reply, err = gametest.RoundTrip(rep); err != nil {
		r.t.Fatalf("roomtest: the reply to message %q cannot be sent: %v", typ, err)
	}
	return reply, nil
}

// Wait waits for the room to stop by itself (the match ended and
// rooms.Config.EndedLinger passed; the fake clock runs meanwhile) and
// returns what Run returned.
func (r *Room) Wait() error {
	r.seen = true
	return r.wait()
}

func (r *Room) wait() error {
	if !r.ran {
		r.err, r.ran = <-r.done, true
	}
	return r.err
}

// Stop shuts the room down (every peer gets room:closed {reason:
// "shutdown"}) unless it stopped already, and returns what Run returned.
func (r *Room) Stop() error {
	r.cancel()
	return r.Wait()
}
