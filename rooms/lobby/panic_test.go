package lobby

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/arena"
	"github.com/tickroom/tickroom/netio/client"
	"github.com/tickroom/tickroom/netio/socketio"
)

// boomMode is a mode that panics in one place: "configure", "step",
// "decode" or "view".
type boomMode struct{ where string }

func (m boomMode) Name() string       { return "boom-" + m.where }
func (boomMode) Schema() *game.Schema { return idleSchema }
func (m boomMode) Configure(game.Options) (game.Settings, error) {
	if m.where == "configure" {
		panic("boom in Configure")
	}
	return game.Settings{MinPlayers: 1, MaxPlayers: 4, MaxPlayersLimit: 4, TickRate: 20, SnapshotRate: 20, JoinInProgress: true}, nil
}
func (m boomMode) New(c *game.Context) game.Game { return &boomGame{where: m.where, w: c.World} }

type boomGame struct {
	game.BaseGame
	where string
	w     *game.World
}

func (g *boomGame) Step() {
	if g.where == "step" && g.w.Tick() == 5 {
		panic("boom in Step")
	}
}
func (g *boomGame) DecodeInput([]byte) (any, error) {
	if g.where == "decode" {
		panic("boom in DecodeInput")
	}
	return nil, nil
}
func (g *boomGame) View(game.PlayerID, func(game.EntityID)) {
	if g.where == "view" && g.w.Tick() > 3 {
		panic("boom in View")
	}
}

// TestPanicsStayInTheirRoomOrConnection: a panic in a mode's Configure or in
// a request handler closes the one connection that caused it; a panic in a
// mode's Step, DecodeInput or View closes its room with room:closed
// {reason: "error"}. Meanwhile a player in another room keeps getting its
// snapshots, and the server keeps accepting connections.
func TestPanicsStayInTheirRoomOrConnection(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Logger = quietLogger() // the stacks are expected
	cfg.Room.Logger = cfg.Logger
	for _, m := range []game.Mode{arena.Mode{}, boomMode{"configure"}, boomMode{"step"}, boomMode{"decode"}, boomMode{"view"}} {
		if err := cfg.Modes.Register(m); err != nil {
			t.Fatal(err)
		}
	}
	h, err := NewHost(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	url := serveAttached(t, h, func(nsp *socketio.Namespace) {
		// A request handler of the lobby's own that panics.
		nsp.OnConnection(func(s *socketio.Socket) {
			c := &conn{h: h, s: s}
			boom := func(*conn, []byte, answerFunc) { panic("boom in a handler") }
			s.On("test:panic", h.serve(c, &route{event: "test:panic", fn: boom, stats: newRequestStats("test:panic")}))
		})
	})

	healthy := dial(t, url)
	var snaps atomic.Int64
	healthy.On("snapshot", func(client.Args, client.Ack) { snaps.Add(1) })
	if a := ask(t, healthy, "room:create", map[string]any{"mode": "arena"}); !a.OK {
		t.Fatalf("create arena: %+v", a)
	}
	stillTicking := func(what string) {
		t.Helper()
		n := snaps.Load()
		time.Sleep(300 * time.Millisecond)
		if got := snaps.Load() - n; got < 3 {
			t.Fatalf("after %s: the healthy room's player got %d snapshots in 300 ms", what, got)
		}
		fresh := dial(t, url) // the server still takes connections
		if a := ask(t, fresh, "lobby:list", map[string]any{}); !a.OK {
			t.Fatalf("after %s: a new connection's lobby:list: %+v", what, a)
		}
	}

	for _, tc := range []struct {
		name   string
		act    func(t *testing.T, s *client.Socket)
		closes string // "connection" or "room"
	}{
		{"Configure", func(t *testing.T, s *client.Socket) {
			_ = s.EmitWithAck("room:create", func(client.Args, error) {}, map[string]any{"mode": "boom-configure"})
		}, "connection"},
		{"a request handler", func(t *testing.T, s *client.Socket) {
			_ = s.EmitWithAck("test:panic", func(client.Args, error) {}, map[string]any{})
		}, "connection"},
		{"Step", func(t *testing.T, s *client.Socket) {
			if a := ask(t, s, "room:create", map[string]any{"mode": "boom-step"}); !a.OK {
				t.Fatalf("create: %+v", a)
			}
		}, "room"},
		{"DecodeInput", func(t *testing.T, s *client.Socket) {
			if a := ask(t, s, "room:create", map[string]any{"mode": "boom-decode"}); !a.OK {
				t.Fatalf("create: %+v", a)
			}
			_ = s.Emit("input", map[string]any{"seq": 1})
		}, "room"},
		{"View", func(t *testing.T, s *client.Socket) {
			if a := ask(t, s, "room:create", map[string]any{"mode": "boom-view"}); !a.OK {
				t.Fatalf("create: %+v", a)
			}
		}, "room"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := h.Panics() + h.Stats().Totals.Panics
			s := dial(t, url)
			gone := make(chan string, 1)
			s.OnDisconnect(func(reason string) { gone <- reason })
			closed := make(chan string, 1)
			s.On("room:closed", func(args client.Args, _ client.Ack) {
				var ev struct {
					Reason string `msgpack:"reason"`
				}
				_ = args.Decode(0, &ev)
				closed <- ev.Reason
			})
			tc.act(t, s)
			switch tc.closes {
			case "connection":
				select {
				case <-gone:
				case <-time.After(5 * time.Second):
					t.Fatal("the connection was not closed")
				}
			case "room":
				select {
				case r := <-closed:
					if r != "error" {
						t.Fatalf("room:closed %q, want error", r)
					}
				case <-time.After(5 * time.Second):
					t.Fatal("no room:closed")
				}
				if !s.Connected() {
					t.Fatal("a room's panic closed the player's connection too")
				}
			}
			if got := h.Panics() + h.Stats().Totals.Panics; got != before+1 {
				t.Errorf("panics counted: %d -> %d, want one more", before, got)
			}
			stillTicking(fmt.Sprintf("a panic in %s", tc.name))
		})
	}
}
