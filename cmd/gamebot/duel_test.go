package main

// duel is a game mode of the tests' own, nothing like the arena, to run gamebot against:
// rooms need two players, inputs of three kinds are declared with ranges and checked
// strictly, and entities carry every field kind.

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/netio/sioparser"
	"github.com/tickroom/tickroom/rooms/server"
	"github.com/vmihailenco/msgpack/v5"
)

const duelName = "duel"

// Fields of a ship, and the globals, in schema order.
const (
	shipPID, shipName, shipHeading, shipThrust, shipShield, shipScore = 0, 1, 2, 3, 4, 5
	globalRound, globalLeader                                         = 0, 1
)

var duelSchema = &game.Schema{
	Kinds: []game.EntityKind{{Name: "ship", Fields: []game.Field{
		{Name: "pid", Kind: game.KindInt},
		{Name: "name", Kind: game.KindString},
		{Name: "heading", Kind: game.KindFloat, Quantum: 1.0 / 256},
		{Name: "thrust", Kind: game.KindInt},
		{Name: "shield", Kind: game.KindBool},
		{Name: "score", Kind: game.KindFloat}, // unquantized: 8 bytes on the wire
	}}},
	Globals: []game.Field{{Name: "round", Kind: game.KindInt}, {Name: "leader", Kind: game.KindString}},
	Inputs: []game.InputField{
		{Name: "turn", Kind: game.KindFloat, Min: -1, Max: 1},
		{Name: "thrust", Kind: game.KindInt, Min: 0, Max: 3},
		{Name: "shield", Kind: game.KindBool},
	},
}

// duel is the mode. Its counters are the test's window on what the rooms did.
type duel struct {
	matchTicks uint64        // 0: matches never end
	hangAfter  int           // > 0: Step blocks on release that many steps into a match
	release    chan struct{} // closed when the test ends
	started    *atomic.Int64 // matches started
	inputs     *atomic.Int64 // inputs applied while playing
}

func newDuel() duel {
	return duel{release: make(chan struct{}), started: new(atomic.Int64), inputs: new(atomic.Int64)}
}

func (duel) Name() string         { return duelName }
func (duel) Schema() *game.Schema { return duelSchema }
func (d duel) Configure(o game.Options) (game.Settings, error) {
	s := game.Settings{MinPlayers: 2, MaxPlayers: 2, MaxPlayersLimit: 4, TickRate: 20, SnapshotRate: 20,
		MatchTicks: d.matchTicks, AutoStart: game.AutoStartManual}
	if o.MaxPlayers != 0 {
		if o.MaxPlayers < 1 || o.MaxPlayers > s.MaxPlayersLimit {
			return s, fmt.Errorf("%w: maxPlayers %d not in 1..4", game.ErrBadOptions, o.MaxPlayers)
		}
		s.MaxPlayers = o.MaxPlayers
	}
	return s, nil
}
func (d duel) New(c *game.Context) game.Game {
	return &duelGame{m: d, w: c.World, ships: map[game.PlayerID]game.EntityID{}}
}

type duelGame struct {
	game.BaseGame
	m       duel
	w       *game.World
	ships   map[game.PlayerID]game.EntityID
	playing bool
	steps   int
}

type duelInput struct {
	turn   float64
	thrust int64
	shield bool
}

func (g *duelGame) Join(p game.Player) {
	e := g.w.Spawn(0)
	g.ships[p.ID] = e
	g.w.SetInt(e, shipPID, int64(p.ID))
	g.w.SetString(e, shipName, p.Name)
}

func (g *duelGame) Leave(id game.PlayerID) { g.w.Remove(g.ships[id]); delete(g.ships, id) }

func (g *duelGame) Start() { g.playing = true; g.m.started.Add(1) }

// DecodeInput accepts exactly the declared inputs, in range: anything else is malformed, and
// the server counts it (/stats inputsMalformed).
func (g *duelGame) DecodeInput(raw []byte) (any, error) {
	var in duelInput
	m, err := game.NewInputMap(raw)
	for err == nil && m.Next() {
		var v float64
		switch string(m.Key()) {
		case "seq":
		case "turn":
			if in.turn, err = m.Number(); err == nil && (in.turn < -1 || in.turn > 1) {
				err = fmt.Errorf("%w: turn %v", game.ErrBadInput, in.turn)
			}
		case "thrust":
			if v, err = m.Number(); err == nil && (v != float64(int64(v)) || v < 0 || v > 3) {
				err = fmt.Errorf("%w: thrust %v", game.ErrBadInput, v)
			}
			in.thrust = int64(v)
		case "shield":
			in.shield, err = m.Bool()
		default:
			err = fmt.Errorf("%w: unknown input %q", game.ErrBadInput, m.Key())
		}
	}
	if err == nil {
		err = m.Err()
	}
	return in, err
}

func (g *duelGame) Input(id game.PlayerID, v any) {
	in, e := v.(duelInput), g.ships[id]
	g.w.SetFloat(e, shipHeading, g.w.Float(e, shipHeading)+in.turn/10)
	g.w.SetInt(e, shipThrust, in.thrust)
	g.w.SetBool(e, shipShield, in.shield)
	if g.playing {
		g.m.inputs.Add(1)
	}
}

func (g *duelGame) Step() {
	if !g.playing {
		return
	}
	g.steps++
	if g.m.hangAfter > 0 && g.steps == g.m.hangAfter {
		<-g.m.release // a room stuck in its mode's code: no more ticks, no more snapshots
	}
	g.w.SetGlobalInt(globalRound, int64(g.steps/20))
	best := -1.0
	for _, e := range g.ships {
		s := g.w.Float(e, shipScore) + float64(g.w.Int(e, shipThrust))/7
		g.w.SetFloat(e, shipScore, s)
		if s > best {
			best = s
			g.w.SetGlobalString(globalLeader, g.w.String(e, shipName))
		}
	}
}

func (g *duelGame) View(_ game.PlayerID, visit func(game.EntityID)) { g.w.Entities(visit) }

// startTickroom serves modes in this process on 127.0.0.1, with a view hash on every
// snapshot, and returns its URL.
func startTickroom(t *testing.T, modes ...game.Mode) string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs a server and bots for seconds")
	}
	cfg := server.DefaultConfig()
	cfg.Modes = modes
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.Lobby.Room.HashEvery = 1
	srv, err := server.New(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("the server did not shut down: %v", err)
		}
		hs.Close()
	})
	return hs.URL
}

// lyingProxy relays Socket.IO over WebSocket to backend, and rewrites every seat request's
// Joined on the way with lie: a server whose Joined schema is not what its snapshots encode.
// Only the WebSocket transport passes (gamebot's default); other paths answer 404, /stats
// among them.
func lyingProxy(t *testing.T, backend string, lie func(joined map[string]any)) string {
	t.Helper()
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/socket.io/") {
			http.NotFound(w, r)
			return
		}
		down, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer down.Close()
		server, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(backend, "http")+r.URL.RequestURI(), nil)
		if err != nil {
			return
		}
		defer server.Close()
		go func() { // to the server as is
			defer server.Close()
			for {
				mt, p, err := down.ReadMessage()
				if err != nil || server.WriteMessage(mt, p) != nil {
					return
				}
			}
		}()
		for {
			mt, p, err := server.ReadMessage()
			if err != nil {
				return
			}
			if mt == websocket.BinaryMessage { // a Socket.IO packet, msgpack parser
				p = rewriteJoined(t, p, lie)
			}
			if down.WriteMessage(mt, p) != nil {
				return
			}
		}
	}))
	t.Cleanup(hs.Close)
	return hs.URL
}

// rewriteJoined applies lie to the packet when it is an ack whose one argument carries a
// schema (a Joined), and returns it re-encoded; any other packet goes as it came.
func rewriteJoined(t *testing.T, p []byte, lie func(map[string]any)) []byte {
	pkt, err := sioparser.DecodeMsgpack(p)
	if err != nil || pkt.Type != sioparser.Ack {
		return p
	}
	var args []map[string]any
	if msgpack.Unmarshal(pkt.Data, &args) != nil || len(args) != 1 || args[0]["schema"] == nil {
		return p
	}
	lie(args[0])
	if pkt.Data, err = sioparser.EncodeArgs("", []any{args[0]}); err == nil {
		p, err = sioparser.EncodeMsgpack(&pkt)
	}
	if err != nil {
		t.Errorf("re-encoding a Joined: %v", err)
	}
	return p
}
