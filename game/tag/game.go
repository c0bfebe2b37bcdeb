package tag

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/tickroom/tickroom/game"
)

// fx is the fixed-point scale of positions: 1/256 unit, a power of two so
// the world's float fields get exact values.
const fx = 256

const (
	half    = WorldSize / 2 * fx
	radius  = PlayerRadius * fx
	touch2  = (2 * radius) * (2 * radius) // centers closer than this touch
	speed   = Speed * fx / TickRate       // fixed-point units per tick
	itSpeed = speed * ItSpeedNum / ItSpeedDen
)

type player struct {
	id         game.PlayerID
	name       string
	ent        game.EntityID
	x, y       int64 // fixed point
	dx, dy     int64 // direction, length <= dirScale
	connected  bool
	itTicks    int64
	taunts     int64
	tauntReady uint64 // the first tick a taunt is accepted again
}

// tagGame is one round. players is kept in ascending PlayerID order, so
// every loop over them runs in a fixed order.
type tagGame struct {
	ctx     *game.Context
	w       *game.World
	players []*player
	phase   int
	it      *player
	guard   game.PlayerID // who "it" may not tag while guardT runs
	guardT  *game.Timer
}

var (
	_ game.Game       = (*tagGame)(nil)
	_ game.MatchEnder = (*tagGame)(nil)
)

func (g *tagGame) find(id game.PlayerID) *player {
	i, ok := slices.BinarySearchFunc(g.players, id, cmpPlayer)
	if !ok {
		return nil
	}
	return g.players[i]
}

func cmpPlayer(p *player, id game.PlayerID) int { return cmp.Compare(p.id, id) }

// CanJoin refuses a seated player, a full room and an ended round.
func (g *tagGame) CanJoin(p game.Player) error {
	switch {
	case g.find(p.ID) != nil:
		return fmt.Errorf("%w: player %d is already seated", game.ErrNotJoinable, p.ID)
	case g.phase == PhaseEnded:
		return fmt.Errorf("%w: the round has ended", game.ErrNotJoinable)
	case len(g.players) >= g.ctx.Settings.MaxPlayers:
		return game.ErrRoomFull
	}
	return nil
}

// Join places the player at a random spot.
func (g *tagGame) Join(pl game.Player) {
	p := &player{id: pl.ID, name: pl.Name, connected: true}
	span := uint64(2 * (half - radius))
	p.x = int64(g.ctx.Rand.Uint64N(span)) - half + radius
	p.y = int64(g.ctx.Rand.Uint64N(span)) - half + radius
	p.ent = g.w.Spawn(KindPlayer)
	g.w.SetInt(p.ent, PlayerPID, int64(pl.ID))
	g.w.SetString(p.ent, PlayerName, pl.Name)
	g.publish(p)
	i, _ := slices.BinarySearchFunc(g.players, pl.ID, cmpPlayer)
	g.players = slices.Insert(g.players, i, p)
}

// Leave removes the player. "it" leaving passes "it" on; a round left with
// fewer than two players ends.
func (g *tagGame) Leave(id game.PlayerID) {
	i, ok := slices.BinarySearchFunc(g.players, id, cmpPlayer)
	if !ok {
		return
	}
	p := g.players[i]
	g.w.Remove(p.ent)
	g.players = slices.Delete(g.players, i, i+1)
	if g.phase != PhasePlaying {
		return
	}
	if len(g.players) < 2 {
		g.end()
		return
	}
	if g.it == p {
		g.it = nil
		g.pickIt(0)
	}
}

// Drop stops the player where it is; "it" dropping passes "it" on, so that
// the round goes on.
func (g *tagGame) Drop(id game.PlayerID) {
	p := g.find(id)
	if p == nil {
		return
	}
	p.connected, p.dx, p.dy = false, 0, 0
	if g.phase == PhasePlaying && g.it == p {
		g.pickIt(0)
	}
}

// Return lets a dropped player move again.
func (g *tagGame) Return(id game.PlayerID) {
	if p := g.find(id); p != nil {
		p.connected = true
	}
}

// Start begins the round with a random "it".
func (g *tagGame) Start() {
	g.phase = PhasePlaying
	g.w.SetGlobalInt(GlobalPhase, PhasePlaying)
	if n := g.ctx.Settings.MatchTicks; n > 0 {
		g.w.SetGlobalInt(GlobalEndTick, int64(g.w.Tick()+n))
	}
	g.pickIt(0)
}

// pickIt makes a random connected player other than by "it" (anyone
// connected if there is no other).
func (g *tagGame) pickIt(by game.PlayerID) {
	var can []*player
	for _, p := range g.players {
		if p.connected && p.id != by && p != g.it {
			can = append(can, p)
		}
	}
	if len(can) == 0 {
		return
	}
	g.pass(can[g.ctx.Rand.IntN(len(can))], by)
}

// pass makes p "it", tagged by by (0: the game chose): p is told, the
// others learn who is it now, and p may not tag by back for a while.
func (g *tagGame) pass(p *player, by game.PlayerID) {
	if old := g.it; old != nil {
		g.w.SetBool(old.ent, PlayerIt, false)
	}
	g.it = p
	g.w.SetBool(p.ent, PlayerIt, true)
	g.w.SetGlobalInt(GlobalIt, int64(p.id))
	g.ctx.EmitTo(p.id, "it", map[string]any{"by": int64(by)})
	g.ctx.EmitExcept([]game.PlayerID{p.id}, "tag", map[string]any{"it": int64(p.id), "by": int64(by)})
	if g.guardT != nil {
		g.guardT.Stop()
	}
	g.guard, g.guardT = by, nil
	if by != 0 {
		g.guardT = g.ctx.Timers.After(NoTagBackTicks, func() { g.guard, g.guardT = 0, nil })
	}
}

// DecodeInput decodes a tag input; see the package-level DecodeInput.
func (g *tagGame) DecodeInput(raw []byte) (any, error) {
	in, err := DecodeInput(raw)
	if err != nil {
		return nil, err
	}
	return in, nil
}

// Input sets the player's direction, kept until the next input.
func (g *tagGame) Input(id game.PlayerID, v any) {
	if p := g.find(id); p != nil && p.connected {
		p.dx, p.dy = direction(v.(Input))
	}
}

// Step moves everyone; while playing, "it" tags the first player it
// touches (lowest id first) and is charged the tick.
func (g *tagGame) Step() {
	for _, p := range g.players {
		s := int64(speed)
		if p == g.it {
			s = itSpeed
		}
		p.x = max(-half+radius, min(half-radius, p.x+p.dx*s/dirScale))
		p.y = max(-half+radius, min(half-radius, p.y+p.dy*s/dirScale))
		g.publish(p)
	}
	if g.phase != PhasePlaying || g.it == nil {
		return
	}
	it := g.it
	for _, p := range g.players {
		if p == it || !p.connected || p.id == g.guard {
			continue
		}
		if dx, dy := p.x-it.x, p.y-it.y; dx*dx+dy*dy < touch2 {
			g.pass(p, it.id)
			break
		}
	}
	g.it.itTicks++
	g.w.SetInt(g.it.ent, PlayerItTicks, g.it.itTicks)
	if end := g.w.GlobalInt(GlobalEndTick); end > 0 && int64(g.w.Tick()) >= end {
		g.end()
	}
}

// end ends the round in this tick, so that the final snapshot shows it
// (the runtime would end it at the same tick by Settings.MatchTicks; a
// World write after that, in MatchEnded, would reach no client).
func (g *tagGame) end() {
	g.phase = PhaseEnded
	g.w.SetGlobalInt(GlobalPhase, PhaseEnded)
	g.ctx.EndMatch()
}

func (g *tagGame) publish(p *player) {
	g.w.SetFloat(p.ent, PlayerX, float64(p.x)/fx)
	g.w.SetFloat(p.ent, PlayerY, float64(p.y)/fx)
}

// View is the whole world: a handful of players.
func (g *tagGame) View(_ game.PlayerID, visit func(game.EntityID)) {
	for _, p := range g.players {
		visit(p.ent)
	}
}

// Refusals of room:message "taunt" (the sender gets REFUSED with the text).
var (
	// ErrTauntCooldown: less than TauntCooldown ticks after the sender's
	// last taunt.
	ErrTauntCooldown = errors.New("tag: taunt cooling down")
	// ErrRoundOver: the round has ended.
	ErrRoundOver = errors.New("tag: the round is over")
)

// tauntMsg is room:message "taunt"'s data.
type tauntMsg struct {
	Text string `msgpack:"text"`
}

// taunt sends {type: "taunt", from, text} to every other player and
// replies {heard: how many are connected to hear it}.
func (g *tagGame) taunt(m game.Message) (any, error) {
	if g.phase == PhaseEnded {
		return nil, ErrRoundOver
	}
	var t tauntMsg
	if err := m.Decode(&t); err != nil {
		return nil, err
	}
	if n := utf8.RuneCountInString(t.Text); n < 1 || n > MaxTauntRunes {
		return nil, fmt.Errorf("%w: a taunt has 1..%d characters", game.ErrBadInput, MaxTauntRunes)
	}
	p := g.find(m.From)
	if p == nil {
		return nil, fmt.Errorf("%w: player %d has left", game.ErrNotJoinable, m.From)
	}
	now := g.w.Tick()
	if now < p.tauntReady {
		return nil, fmt.Errorf("%w: %d ticks to go", ErrTauntCooldown, p.tauntReady-now)
	}
	p.tauntReady = now + TauntCooldown
	p.taunts++
	g.w.SetInt(p.ent, PlayerTaunts, p.taunts)
	g.ctx.EmitExcept([]game.PlayerID{p.id}, "taunt", map[string]any{"from": int64(p.id), "text": t.Text})
	heard := 0
	for _, o := range g.players {
		if o != p && o.connected {
			heard++
		}
	}
	return map[string]any{"heard": heard}, nil
}

// RankEntry is one line of the results ranking.
type RankEntry struct {
	PlayerID game.PlayerID `msgpack:"playerId"`
	Name     string        `msgpack:"name"`
	ItTicks  int64         `msgpack:"itTicks"`
}

// Ranking returns the seated players by ticks spent as "it", fewest first;
// equal times keep PlayerID order.
func (g *tagGame) Ranking() []RankEntry {
	out := make([]RankEntry, len(g.players))
	for i, p := range g.players {
		out[i] = RankEntry{PlayerID: p.id, Name: p.name, ItTicks: p.itTicks}
	}
	slices.SortStableFunc(out, func(a, b RankEntry) int { return cmp.Compare(a.ItTicks, b.ItTicks) })
	return out
}

// Results returns {winner, ranking: [{playerId, name, itTicks}, ...]}.
func (g *tagGame) Results() map[string]any {
	r := g.Ranking()
	ranking := make([]any, len(r))
	for i, e := range r {
		ranking[i] = map[string]any{"playerId": int64(e.PlayerID), "name": e.Name, "itTicks": e.ItTicks}
	}
	res := map[string]any{"ranking": ranking}
	if len(r) > 0 {
		res["winner"] = int64(r[0].PlayerID)
	}
	return res
}

// MatchEnded closes the round however it ended: messages still reach the
// game in phase ended, and taunts are over.
func (g *tagGame) MatchEnded(map[string]any) { g.phase = PhaseEnded }
