package clientjs

import (
	"errors"
	"fmt"

	"github.com/tickroom/tickroom/game"
)

// shopMode is a mode with room:message handlers, for the JS client's message tests and the
// README's examples (test/messages.e2e.test.mjs, test/readme.e2e.test.mjs): each customer is an
// entity with its gold and the team from its playerMeta; "buy" answers a reply or REFUSED,
// "whisper" and "shout" send room:events to one player and to all but the sender, "echo"
// answers its data. CanJoin refuses the blue team (REFUSED), and a joiner gets a "welcome".
type shopMode struct{}

// The shop's schema indexes.
const (
	shopCustomer     = 0 // kind
	shopCustomerPID  = 0
	shopCustomerGold = 1
	shopCustomerTeam = 2
	shopGlobalOpen   = 0
	shopGlobalSales  = 1
	shopStartGold    = 10
	shopApplePrice   = 3
)

var shopSchema = &game.Schema{
	Kinds: []game.EntityKind{{Name: "customer", Fields: []game.Field{
		{Name: "pid", Kind: game.KindInt}, {Name: "gold", Kind: game.KindInt}, {Name: "team", Kind: game.KindString},
	}}},
	Globals: []game.Field{{Name: "open", Kind: game.KindBool}, {Name: "sales", Kind: game.KindInt}},
}

func (shopMode) Name() string         { return "shop" }
func (shopMode) Schema() *game.Schema { return shopSchema }
func (shopMode) Configure(o game.Options) (game.Settings, error) {
	maxPlayers := 4
	if o.MaxPlayers > 0 {
		if o.MaxPlayers > 8 {
			return game.Settings{}, fmt.Errorf("%w: at most 8 customers", game.ErrBadOptions)
		}
		maxPlayers = o.MaxPlayers
	}
	return game.Settings{MinPlayers: 1, MaxPlayers: maxPlayers, MaxPlayersLimit: 8, TickRate: 20, SnapshotRate: 20, JoinInProgress: true}, nil
}

func (shopMode) New(c *game.Context) game.Game {
	g := &shopGame{c: c, customers: map[game.PlayerID]game.EntityID{}}
	c.World.SetGlobalBool(shopGlobalOpen, true)
	c.Messages.Handle("buy", g.buy)
	c.Messages.Handle("whisper", g.whisper)
	c.Messages.Handle("shout", g.shout)
	c.Messages.Handle("echo", func(m game.Message) (any, error) {
		if len(m.Data) == 0 {
			return nil, nil
		}
		var v any
		if err := m.Decode(&v); err != nil {
			return nil, err
		}
		return v, nil
	})
	return g
}

type shopGame struct {
	game.BaseGame
	c         *game.Context
	customers map[game.PlayerID]game.EntityID
}

func (g *shopGame) CanJoin(p game.Player) error {
	if p.Meta["team"] == "blue" {
		return errors.New("no blue team in this shop")
	}
	return nil
}

func (g *shopGame) Join(p game.Player) {
	w := g.c.World
	id := w.Spawn(shopCustomer)
	w.SetInt(id, shopCustomerPID, int64(p.ID))
	w.SetInt(id, shopCustomerGold, shopStartGold)
	team, _ := p.Meta["team"].(string)
	w.SetString(id, shopCustomerTeam, team)
	g.customers[p.ID] = id
	// The joiner is seated after Join returns: the welcome goes out on the next tick.
	g.c.Timers.After(1, func() { g.c.EmitTo(p.ID, "welcome", map[string]any{"gold": shopStartGold}) })
}

func (g *shopGame) Leave(id game.PlayerID) {
	if e, ok := g.customers[id]; ok {
		g.c.World.Remove(e)
		delete(g.customers, id)
	}
}

func (g *shopGame) View(_ game.PlayerID, visit func(game.EntityID)) {
	g.c.World.Entities(visit)
}

// buy sells an apple: {item: "apple"} answers {item, price, gold} and tells the room of the
// sale; anything else, or too little gold, is REFUSED.
func (g *shopGame) buy(m game.Message) (any, error) {
	var req struct {
		Item string `msgpack:"item"`
	}
	if err := m.Decode(&req); err != nil || req.Item != "apple" {
		return nil, errors.New("we only sell apples")
	}
	w := g.c.World
	id := g.customers[m.From]
	gold := w.Int(id, shopCustomerGold)
	if gold < shopApplePrice {
		return nil, errors.New("not enough gold")
	}
	w.SetInt(id, shopCustomerGold, gold-shopApplePrice)
	w.SetGlobalInt(shopGlobalSales, w.GlobalInt(shopGlobalSales)+1)
	g.c.Emit("sale", map[string]any{"item": req.Item, "by": uint32(m.From)})
	return map[string]any{"item": req.Item, "price": shopApplePrice, "gold": gold - shopApplePrice}, nil
}

// whisper sends {to, text} as room:event "whisper" {from, text} to player `to` only.
func (g *shopGame) whisper(m game.Message) (any, error) {
	var req struct {
		To   uint32 `msgpack:"to"`
		Text string `msgpack:"text"`
	}
	if err := m.Decode(&req); err != nil {
		return nil, err
	}
	g.c.EmitTo(game.PlayerID(req.To), "whisper", map[string]any{"from": uint32(m.From), "text": req.Text})
	return nil, nil
}

// shout sends {text} as room:event "shout" {from, text} to everyone but the sender.
func (g *shopGame) shout(m game.Message) (any, error) {
	var req struct {
		Text string `msgpack:"text"`
	}
	if err := m.Decode(&req); err != nil {
		return nil, err
	}
	g.c.EmitExcept([]game.PlayerID{m.From}, "shout", map[string]any{"from": uint32(m.From), "text": req.Text})
	return nil, nil
}
