package gametest_test

import (
	"fmt"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/gametest"
)

// counter is a small mode: inputs {add} add to a global total, and each
// player is an entity holding its own sum.
type counter struct{}

var counterSchema = &game.Schema{
	Kinds:   []game.EntityKind{{Name: "player", Fields: []game.Field{{Name: "pid", Kind: game.KindInt}, {Name: "sum", Kind: game.KindInt}}}},
	Globals: []game.Field{{Name: "total", Kind: game.KindInt}},
}

func (counter) Name() string         { return "counter" }
func (counter) Schema() *game.Schema { return counterSchema }
func (counter) Configure(game.Options) (game.Settings, error) {
	return game.Settings{MinPlayers: 1, MaxPlayers: 2, MaxPlayersLimit: 2, TickRate: 10, SnapshotRate: 10}, nil
}
func (counter) New(c *game.Context) game.Game {
	return &counterGame{w: c.World, ents: map[game.PlayerID]game.EntityID{}}
}

type counterGame struct {
	game.BaseGame
	w    *game.World
	ents map[game.PlayerID]game.EntityID
}

func (g *counterGame) Join(p game.Player) {
	g.ents[p.ID] = g.w.Spawn(0)
	g.w.SetInt(g.ents[p.ID], 0, int64(p.ID))
}

func (g *counterGame) DecodeInput(raw []byte) (any, error) {
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
	return int64(add), err
}

func (g *counterGame) Input(id game.PlayerID, in any) {
	e := g.ents[id]
	g.w.SetInt(e, 1, g.w.Int(e, 1)+in.(int64))
	g.w.SetGlobalInt(0, g.w.GlobalInt(0)+in.(int64))
}

func (g *counterGame) View(_ game.PlayerID, visit func(game.EntityID)) { g.w.Entities(visit) }

// exampleTB stands for the *testing.T a test passes: it panics on failure.
type exampleTB struct{}

func (exampleTB) Helper()                           {}
func (exampleTB) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

func Example() {
	var t exampleTB // in a test: the test's *testing.T
	m := gametest.New(t, counter{})
	m.Join(game.Player{ID: 1, Name: "ann"}, game.Player{ID: 2, Name: "bob"})
	m.Input(1, map[string]any{"add": 2}) // seq 1
	m.Input(1, map[string]any{"add": 3}) // seq 2
	m.Input(2, map[string]any{"add": 4})
	m.Step() // joins, inputs, Step, and a snapshot each client applies and checks

	bob := m.View(2) // what bob's client holds
	ann, _ := bob.Find("player", "pid", 1)
	fmt.Println("total", bob.GlobalInt("total"), "ann", ann.Int("sum"), "acked", m.Acked(1))

	err := m.TryInput(2, map[string]any{"add": "four"})
	fmt.Println(err)

	m.CheckReplay() // the same seed and log play the same match
	// Output:
	// total 9 ann 5 acked 2
	// game: malformed input: add: not a number
}
