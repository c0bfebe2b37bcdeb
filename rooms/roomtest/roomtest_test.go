package roomtest

import (
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/rooms"
)

// clock is a test mode: a timer every 5 ticks writes the tick into a global,
// one after 3 ticks tells player 1, "ping" replies with the tick being
// built, "boom" panics, each player is an entity holding its input x.
type clock struct{}

var clockSchema = &game.Schema{
	Kinds:   []game.EntityKind{{Name: "p", Fields: []game.Field{{Name: "pid", Kind: game.KindInt}, {Name: "x", Kind: game.KindInt}}}},
	Globals: []game.Field{{Name: "fired", Kind: game.KindInt}},
}

func (clock) Name() string         { return "clock" }
func (clock) Schema() *game.Schema { return clockSchema }
func (clock) Configure(game.Options) (game.Settings, error) {
	return game.Settings{MinPlayers: 1, MaxPlayers: 2, MaxPlayersLimit: 2, TickRate: 10, SnapshotRate: 5, MatchTicks: 30}, nil
}

func (clock) New(c *game.Context) game.Game {
	g := &clockGame{c: c, ents: map[game.PlayerID]game.EntityID{}}
	c.Timers.Every(5, func() { c.World.SetGlobalInt(0, int64(c.World.Tick())) })
	c.Timers.After(3, func() { c.EmitTo(1, "after", map[string]any{"tick": c.World.Tick()}) })
	c.Messages.Handle("ping", func(game.Message) (any, error) { return map[string]any{"tick": c.World.Tick()}, nil })
	c.Messages.Handle("boom", func(game.Message) (any, error) { panic("clock: boom") })
	return g
}

type clockGame struct {
	game.BaseGame
	c    *game.Context
	ents map[game.PlayerID]game.EntityID
}

func (g *clockGame) Join(p game.Player) {
	g.ents[p.ID] = g.c.World.Spawn(0)
	g.c.World.SetInt(g.ents[p.ID], 0, int64(p.ID))
}
func (g *clockGame) DecodeInput(raw []byte) (any, error) {
	var x float64
	m, err := game.NewInputMap(raw)
	for err == nil && m.Next() {
		if string(m.Key()) == "x" {
			x, err = m.Number()
		}
	}
	if err == nil {
		err = m.Err()
	}
	return int64(x), err
}
func (g *clockGame) Input(id game.PlayerID, in any) { g.c.World.SetInt(g.ents[id], 1, in.(int64)) }
func (g *clockGame) View(_ game.PlayerID, v func(game.EntityID)) {
	g.c.World.Entities(v)
}
func (g *clockGame) Results() map[string]any { return map[string]any{"last": g.c.World.GlobalInt(0)} }

// TestRoomRun: through the real loop, timers fire on their ticks, snapshots
// come every TickRate/SnapshotRate ticks with `h`, inputs arrive with their
// seq acked, a message is answered between ticks, the match ends with the
// results after MatchTicks, and the room closes after EndedLinger.
func TestRoomRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := Start(t, clock{}, Configure(func(c *rooms.Config) { c.EndedLinger = 2 * time.Second }))
		ann := r.Join(game.Player{ID: 1, Name: "ann"}) // tick 1
		bob := r.Join(game.Player{ID: 2, Name: "bob"}) // tick 2
		ann.Input(map[string]any{"x": 7})
		r.Sleep(100 * time.Millisecond) // tick 3
		if e := ann.RoomEvents("after"); len(e) != 1 || e[0]["tick"] != int64(3) {
			t.Fatalf("after: %v", e)
		}
		if e := bob.RoomEvents("after"); len(e) != 0 {
			t.Fatalf("bob got %v", e)
		}
		r.Ticks(1) // tick 4, a snapshot boundary
		v := bob.View()
		if a, _ := v.Find("p", "pid", 1); a.Int("x") != 7 || v.Tick() != 4 {
			t.Fatalf("bob sees ann at x %d in the snapshot of tick %d", a.Int("x"), v.Tick())
		}
		s := ann.Snapshots()
		if len(s) != 2 || s[0].T != 2 || s[0].B != 0 || s[1].T != 4 || s[1].B != 2 || s[1].A != 1 || !s[1].HasH {
			t.Fatalf("ann's snapshots: %+v", s)
		}
		reply, err := r.Message(1, "ping", nil)
		if err != nil || reply.(map[string]any)["tick"] != int64(5) {
			t.Fatalf("ping: %v, %v", reply, err)
		}
		if _, err := r.Message(1, "nope", nil); !errors.Is(err, game.ErrNoHandler) {
			t.Fatalf("nope: %v", err)
		}
		r.Ticks(1) // tick 5: the every-5 timer
		r.Ticks(1)
		if got := ann.View().GlobalInt("fired"); got != 5 {
			t.Fatalf("fired %d in the snapshot of tick 6", got)
		}
		r.Start() // tick 7; the match ends in tick 37
		r.Sleep(3 * time.Second)
		res := ann.RoomEvents("results")
		if len(res) != 1 || res[0]["last"] != int64(35) || r.Room().Phase() != rooms.PhaseEnded {
			t.Fatalf("results %v, phase %v", res, r.Room().Phase())
		}
		if got := ann.Snapshots(); got[len(got)-1].T != 37 {
			t.Fatalf("final snapshot of tick %d, want 37", got[len(got)-1].T)
		}
		if err := r.Wait(); err != nil || ann.Closed() != string(rooms.CloseEnded) {
			t.Fatalf("wait: %v, closed %q", err, ann.Closed())
		}
	})
}

// TestRoomPanic: a mode that panics closes its room; Stop returns the
// *rooms.PanicError, and a test that read it does not fail.
func TestRoomPanic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := Start(t, clock{}) // the stack goes to the test's output
		p := r.Join(game.Player{ID: 1})
		_, _ = r.Message(1, "boom", nil)
		var perr *rooms.PanicError
		if err := r.Stop(); !errors.As(err, &perr) || p.Closed() != string(rooms.CloseError) {
			t.Fatalf("stop: %v, closed %q", err, p.Closed())
		}
	})
}

// TestPeerChecks: the client side refuses what a client could not follow.
func TestPeerChecks(t *testing.T) {
	p := newPeer(t, 1, clockSchema)
	full := []byte("\x85\xa1t\x02\xa1b\x00\xa1a\x00\xa2ts\x01\xa1e\xc4\x03\x08\x01\x00") // globals only
	if err := p.apply(2, 0, full); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		tick, base uint64
		pkt        string
		want       string
	}{
		{3, 1, "\x85\xa1t\x03\xa1b\x01\xa1a\x00\xa2ts\x01\xa1e\xc4\x01\x00", "the last written is 2"},
		{3, 2, "\x85\xa1t\x04\xa1b\x02\xa1a\x00\xa2ts\x01\xa1e\xc4\x01\x00", "offered as tick 3"},
		{3, 2, "\x86\xa1t\x03\xa1b\x02\xa1a\x00\xa2ts\x01\xa1e\xc4\x01\x00\xa1h\x05", "mirror hash"},
		{3, 2, "\x85\xa1t\x03\xa1b\x02\xa1a\x00\xa2ts\x01\xa1e\xc4\x01\x10", "malformed snapshot section"},
		{3, 2, "\x85\xa1t\x03", "decode"},
	} {
		if err := p.apply(c.tick, c.base, []byte(c.pkt)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("% x: %v, want %q", c.pkt, err, c.want)
		}
	}
	if p.View().Tick() != 2 || len(p.Snapshots()) != 1 {
		t.Fatal("a refused snapshot was kept")
	}
}
