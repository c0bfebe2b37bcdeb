package server_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/netio/client"
	"github.com/tickroom/tickroom/rooms/server"
)

// counter is a whole game mode: each player is a counter, and an input {add: n}
// (n in 1..9) adds n to the player's count and to the room's total.
type counter struct{}

var counterSchema = &game.Schema{
	Kinds: []game.EntityKind{{Name: "player", Fields: []game.Field{
		{Name: "pid", Kind: game.KindInt}, {Name: "count", Kind: game.KindInt}}}},
	Globals: []game.Field{{Name: "total", Kind: game.KindInt}},
}

func (counter) Name() string         { return "counter" }
func (counter) Schema() *game.Schema { return counterSchema }
func (counter) Configure(game.Options) (game.Settings, error) {
	return game.Settings{MinPlayers: 1, MaxPlayers: 8, MaxPlayersLimit: 8, TickRate: 10, SnapshotRate: 10,
		AutoStart: game.AutoStartImmediately}, nil
}
func (counter) New(c *game.Context) game.Game {
	return &counterGame{w: c.World, ids: map[game.PlayerID]game.EntityID{}}
}

type counterGame struct {
	game.BaseGame // no-op defaults for what this mode does not need
	w             *game.World
	ids           map[game.PlayerID]game.EntityID
}

func (g *counterGame) Join(p game.Player) {
	g.ids[p.ID] = g.w.Spawn(0)
	g.w.SetInt(g.ids[p.ID], 0, int64(p.ID))
}
func (g *counterGame) Leave(id game.PlayerID) { g.w.Remove(g.ids[id]); delete(g.ids, id) }
func (g *counterGame) DecodeInput(raw []byte) (any, error) { // on the connection's goroutine: no state
	var add float64
	m, err := game.NewInputMap(raw)
	for err == nil && m.Next() {
		if string(m.Key()) == "add" {
			add, err = m.Number()
		}
	}
	if err == nil {
		err = m.Err()
	}
	if err == nil && (add < 1 || add > 9 || add != float64(int64(add))) {
		err = fmt.Errorf("%w: add %v is not 1..9", game.ErrBadInput, add)
	}
	return int64(add), err
}
func (g *counterGame) Input(id game.PlayerID, in any) {
	e, n := g.ids[id], in.(int64)
	g.w.SetInt(e, 1, g.w.Int(e, 1)+n)
	g.w.SetGlobalInt(0, g.w.GlobalInt(0)+n)
}
func (g *counterGame) View(_ game.PlayerID, visit func(game.EntityID)) { g.w.Entities(visit) }

// A server of the counter mode on a loopback port and one player on it: the
// player makes a room, adds 5, reads the count back from a snapshot, and
// hears the room close when the server shuts down.
func Example() {
	cfg := server.DefaultConfig()
	cfg.Modes = []game.Mode{counter{}}
	cfg.Logger = slog.New(slog.DiscardHandler) // a real server logs; the example prints
	srv, err := server.New(&cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0") // listening here tells the port before serving
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, stop := context.WithCancel(context.Background()) // a main would use signal.NotifyContext
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()

	// The player, with the Go client; socket.io-client in a browser does the same.
	wait, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	opts := client.DefaultOptions()
	opts.Transport = client.TransportWebSocket
	opts.Reconnection = false
	s, err := client.Dial(wait, "http://"+ln.Addr().String(), map[string]any{"name": "ada"}, &opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Manager().Close()
	mirror := game.NewMirror(counterSchema) // other clients build it from the join ack's schema
	counts, closed := make(chan string, 1), make(chan string, 1)
	s.On("snapshot", func(args client.Args, _ client.Ack) { // called in order, one at a time
		var snap struct {
			B uint64 `msgpack:"b"` // the baseline tick: 0 is a full state
			A uint64 `msgpack:"a"` // the last input seq applied
			E []byte `msgpack:"e"` // the entity section
		}
		if args.Decode(0, &snap) != nil || mirror.Apply(snap.E, snap.B == 0) != nil || snap.A < 1 {
			return
		}
		me := mirror.IDs()[0] // the only player
		select {
		case counts <- fmt.Sprintf("count %d, total %d", mirror.Int(me, 1), mirror.GlobalInt(0)):
		default:
		}
	})
	s.On("room:closed", func(args client.Args, _ client.Ack) {
		var ev struct {
			Reason string `msgpack:"reason"`
		}
		_ = args.Decode(0, &ev)
		closed <- ev.Reason
	})
	var joined struct {
		OK   bool `msgpack:"ok"`
		Room struct {
			Mode string `msgpack:"mode"`
		} `msgpack:"room"`
		You struct {
			PlayerID uint32 `msgpack:"playerId"`
		} `msgpack:"you"`
	}
	ack, err := s.EmitWithAckContext(wait, "room:create", map[string]any{"mode": "counter"})
	if err == nil {
		err = ack.Decode(0, &joined)
	}
	if err != nil || !joined.OK {
		fmt.Println("room:create:", err, joined.OK)
		return
	}
	fmt.Printf("in a %s room as player %d\n", joined.Room.Mode, joined.You.PlayerID)
	_ = s.Emit("input", map[string]any{"seq": 1, "add": 5})
	select {
	case line := <-counts:
		fmt.Println(line)
	case <-wait.Done():
		fmt.Println("no snapshot with the input")
		return
	}
	stop() // what SIGINT does to cmd/gameserver: the rooms close, then the connections
	select {
	case reason := <-closed:
		fmt.Println("room closed:", reason)
	case <-wait.Done():
		fmt.Println("no room:closed")
		return
	}
	fmt.Println("served:", <-served)
	// Output:
	// in a counter room as player 1
	// count 5, total 5
	// room closed: shutdown
	// served: <nil>
}
