package game_test

import "fmt"
import "github.com/tickroom/tickroom/game"

// clicker is a complete mode: each player is a dot, every input counts.
type clicker struct{}

var clickerSchema = &game.Schema{
	Kinds:   []game.EntityKind{{Name: "dot", Fields: []game.Field{{Name: "pid", Kind: game.KindInt}}}},
	Globals: []game.Field{{Name: "clicks", Kind: game.KindInt}},
}

func (clicker) Name() string         { return "clicker" }
func (clicker) Schema() *game.Schema { return clickerSchema }
func (clicker) Configure(game.Options) (game.Settings, error) {
	return game.Settings{MinPlayers: 1, MaxPlayers: 4, MaxPlayersLimit: 4, TickRate: 10, SnapshotRate: 10}, nil
}
func (clicker) New(c *game.Context) game.Game {
	return &clickerGame{w: c.World, dots: map[game.PlayerID]game.EntityID{}}
}

type clickerGame struct {
	game.BaseGame // no-op defaults for what this mode does not need
	w             *game.World
	dots          map[game.PlayerID]game.EntityID
}

func (g *clickerGame) Join(p game.Player) {
	g.dots[p.ID] = g.w.Spawn(0)
	g.w.SetInt(g.dots[p.ID], 0, int64(p.ID))
}
func (g *clickerGame) Leave(id game.PlayerID)                      { g.w.Remove(g.dots[id]); delete(g.dots, id) }
func (g *clickerGame) DecodeInput([]byte) (any, error)             { return nil, nil }
func (g *clickerGame) Input(game.PlayerID, any)                    { g.w.SetGlobalInt(0, g.w.GlobalInt(0)+1) }
func (g *clickerGame) View(_ game.PlayerID, v func(game.EntityID)) { g.w.Entities(v) }

func Example() { // the runtime's side of one tick and one snapshot, by hand
	var reg game.Registry // a server registers its modes on its own registry
	_ = reg.Register(clicker{})
	mode, _ := reg.Lookup("clicker")
	settings, _ := mode.Configure(game.Options{})
	world := game.NewWorld(mode.Schema())
	g := mode.New(&game.Context{World: world, Rand: game.NewRand(1), Settings: settings})
	world.BeginTick(1)
	g.Join(game.Player{ID: 7, Name: "ann"})
	in, _ := g.DecodeInput([]byte{0x81, 0xa3, 's', 'e', 'q', 1}) // {seq: 1}
	g.Input(7, in)                                               // inputs in seq order, then one step
	g.Step()
	var view []game.EntityID // what player 7 sees, then sorted for the encoder
	g.View(7, func(id game.EntityID) { view = append(view, id) })
	view = world.NormalizeView(view)
	section := world.AppendDelta(nil, 0, nil, view) // baseline 0: a full state
	mirror := game.NewMirror(mode.Schema())
	err := mirror.Apply(section, true)
	fmt.Printf("% x|%v|%d|%v\n", section, err, mirror.GlobalInt(0), mirror.Hash() == world.ViewHash(view))
	// Output: 0c 01 01 00 0e 01 02|<nil>|1|true
}
