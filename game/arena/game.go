package arena

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sort"

	"github.com/tickroom/tickroom/game"
)

// fx is the fixed-point scale of positions and radii: 1/1024 unit. A power
// of two, so converting to the world's float fields is exact.
const fx = 1024

const (
	half      = WorldSize / 2 * fx
	viewR2    = int64(ViewRadius*fx) * int64(ViewRadius*fx)
	orbRFx    = OrbRadius * fx
	baseRFx   = PlayerRadius * fx
	maxRFx    = MaxPlayerRadius * fx
	growthFx2 = 4 * fx * fx // radius grows by 2*sqrt(score) units
)

type player struct {
	id        game.PlayerID
	name      string
	ent       game.EntityID
	x, y, r   int64 // fixed point
	dx, dy    int64 // direction, length <= dirScale
	score     int64
	boostLeft int // ticks of boost left
	coolLeft  int // ticks until a boost may start again
	wantBoost bool
	connected bool
}

type orb struct {
	ent  game.EntityID
	x, y int64
	v    int64
}

// arenaGame is one match. players is kept in ascending PlayerID order and
// orbs in slot order: every loop over them is in a fixed order, so the
// match is a function of the seed and the input log alone.
type arenaGame struct {
	ctx      *game.Context
	w        *game.World
	rnd      *game.Rand
	settings game.Settings
	players  []*player
	orbs     []orb
	byID     []int           // the orbs' slots in ascending entity id order, so View visits in id order
	grid     orbGrid         // the orbs' slots by where they are, for eat
	near     []int           // eat's scratch
	viewBuf  []game.EntityID // View's scratch
	phase    int
	endTick  uint64
	speed    int64 // fixed-point units per tick
	boostT   int   // ticks a boost lasts
	coolT    int   // ticks of cooldown after a boost
}

var _ game.Game = (*arenaGame)(nil)

func newGame(ctx *game.Context) *arenaGame {
	rate := ctx.Settings.TickRate
	if rate <= 0 {
		rate = TickRate
	}
	g := &arenaGame{
		ctx: ctx, w: ctx.World, rnd: ctx.Rand, settings: ctx.Settings,
		orbs:   make([]orb, OrbCount),
		grid:   newOrbGrid(OrbCount),
		speed:  int64(Speed) * fx / int64(rate),
		boostT: BoostSeconds * rate,
		coolT:  BoostCooldownSeconds * rate,
	}
	for i := range g.orbs {
		g.spawnOrb(i)
		g.byID = append(g.byID, i)
	}
	g.w.SetGlobalInt(GlobalPhase, PhaseWaiting)
	return g
}

// randomPos returns a uniform fixed-point position with margin m from the
// edges.
func (g *arenaGame) randomPos(m int64) (int64, int64) {
	span := uint64(2 * (half - m))
	return int64(g.rnd.Uint64N(span)) - half + m, int64(g.rnd.Uint64N(span)) - half + m
}

func (g *arenaGame) spawnOrb(i int) {
	if g.orbs[i].ent != 0 {
		g.w.Remove(g.orbs[i].ent)
	}
	x, y := g.randomPos(orbRFx)
	o := orb{ent: g.w.Spawn(KindOrb), x: x, y: y, v: 1 + int64(g.rnd.Uint64N(3))}
	g.w.SetFloat(o.ent, OrbX, toUnits(x))
	g.w.SetFloat(o.ent, OrbY, toUnits(y))
	g.w.SetInt(o.ent, OrbValue, o.v)
	g.orbs[i] = o
	g.grid.move(i, x, y)
}

func toUnits(v int64) float64 { return float64(v) / fx }

func (g *arenaGame) find(id game.PlayerID) *player {
	i, ok := slices.BinarySearchFunc(g.players, id, func(p *player, id game.PlayerID) int {
		return cmpID(p.id, id)
	})
	if !ok {
		return nil
	}
	return g.players[i]
}

func cmpID(a, b game.PlayerID) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// CanJoin refuses when every seat is taken, after the match, or when the
// player is already seated.
func (g *arenaGame) CanJoin(p game.Player) error {
	switch {
	case g.find(p.ID) != nil:
		return fmt.Errorf("%w: player %d is already seated", game.ErrNotJoinable, p.ID)
	case g.phase == PhaseEnded:
		return fmt.Errorf("%w: the match has ended", game.ErrNotJoinable)
	case len(g.players) >= g.settings.MaxPlayers:
		return game.ErrRoomFull
	}
	return nil
}

// Join places the player's circle at a random spot.
func (g *arenaGame) Join(pl game.Player) {
	if g.find(pl.ID) != nil {
		return
	}
	p := &player{id: pl.ID, name: pl.Name, r: baseRFx, connected: true}
	p.x, p.y = g.randomPos(maxRFx)
	p.ent = g.w.Spawn(KindPlayer)
	g.w.SetInt(p.ent, PlayerPID, int64(pl.ID))
	g.w.SetString(p.ent, PlayerName, pl.Name)
	g.w.SetFloat(p.ent, PlayerR, toUnits(p.r))
	g.publish(p)
	i, _ := slices.BinarySearchFunc(g.players, pl.ID, func(p *player, id game.PlayerID) int { return cmpID(p.id, id) })
	g.players = slices.Insert(g.players, i, p)
}

// Leave removes the player's circle; its score leaves the ranking.
func (g *arenaGame) Leave(id game.PlayerID) {
	i, ok := slices.BinarySearchFunc(g.players, id, func(p *player, id game.PlayerID) int { return cmpID(p.id, id) })
	if !ok {
		return
	}
	g.w.Remove(g.players[i].ent)
	g.players = slices.Delete(g.players, i, i+1)
}

// Drop stops the player's circle where it is; the seat and score stay.
func (g *arenaGame) Drop(id game.PlayerID) {
	if p := g.find(id); p != nil {
		p.connected, p.dx, p.dy, p.wantBoost = false, 0, 0, false
	}
}

// Return lets a dropped player steer again.
func (g *arenaGame) Return(id game.PlayerID) {
	if p := g.find(id); p != nil {
		p.connected = true
	}
}

// Start begins the match: orbs can be eaten and the clock runs.
func (g *arenaGame) Start() {
	if g.phase != PhaseWaiting {
		return
	}
	g.phase = PhasePlaying
	g.w.SetGlobalInt(GlobalPhase, PhasePlaying)
	if g.settings.MatchTicks > 0 {
		g.endTick = g.w.Tick() + g.settings.MatchTicks
		g.w.SetGlobalInt(GlobalEndTick, int64(g.endTick))
	}
}

// DecodeInput decodes an arena input; see the package-level DecodeInput.
func (g *arenaGame) DecodeInput(raw []byte) (any, error) {
	in, err := DecodeInput(raw)
	if err != nil {
		return nil, err
	}
	return in, nil
}

// Input sets the player's direction (kept until the next input) and notes
// a boost request, honoured by the next Step when no cooldown runs.
func (g *arenaGame) Input(id game.PlayerID, v any) {
	in, ok := v.(Input)
	p := g.find(id)
	if !ok || p == nil || !p.connected {
		return
	}
	p.dx, p.dy = direction(in)
	if in.Boost {
		p.wantBoost = true
	}
}

// Step moves every circle, then (while playing) lets circles eat orbs and
// runs the match clock.
func (g *arenaGame) Step() {
	if g.phase == PhaseEnded {
		return
	}
	for _, p := range g.players {
		g.move(p)
	}
	if g.phase != PhasePlaying {
		return
	}
	for _, p := range g.players {
		g.eat(p)
	}
	if g.endTick != 0 && g.w.Tick() >= g.endTick {
		g.phase = PhaseEnded
		g.w.SetGlobalInt(GlobalPhase, PhaseEnded)
		if g.ctx.EndMatch != nil {
			g.ctx.EndMatch()
		}
	}
}

func (g *arenaGame) move(p *player) {
	switch {
	case p.boostLeft > 0:
		p.boostLeft--
		if p.boostLeft == 0 {
			p.coolLeft = g.coolT
		}
	case p.coolLeft > 0:
		p.coolLeft--
	}
	if p.wantBoost && p.boostLeft == 0 && p.coolLeft == 0 {
		p.boostLeft = g.boostT
	}
	p.wantBoost = false
	speed := g.speed
	if p.boostLeft > 0 {
		speed = speed * BoostNum / BoostDen
	}
	p.x = clamp(p.x+p.dx*speed/dirScale, -half+p.r, half-p.r)
	p.y = clamp(p.y+p.dy*speed/dirScale, -half+p.r, half-p.r)
	g.publish(p)
}

func clamp(v, lo, hi int64) int64 {
	return max(lo, min(hi, v))
}

// publish writes the player's state to its entity; unchanged wire values
// cost nothing.
func (g *arenaGame) publish(p *player) {
	g.w.SetFloat(p.ent, PlayerX, toUnits(p.x))
	g.w.SetFloat(p.ent, PlayerY, toUnits(p.y))
	g.w.SetBool(p.ent, PlayerBoost, p.boostLeft > 0)
}

// eat lets p eat every orb it reaches, in slot order. Only the orbs near p
// can be reached (however much p grows meanwhile), and they are visited in
// the same order as in a scan of every slot.
func (g *arenaGame) eat(p *player) {
	g.near = g.grid.near(g.near[:0], p.x, p.y, eatReach)
	for _, i := range g.near {
		o := &g.orbs[i]
		dx, dy, reach := o.x-p.x, o.y-p.y, p.r+orbRFx
		if dx*dx+dy*dy >= reach*reach {
			continue
		}
		p.score += o.v
		p.r = min(maxRFx, baseRFx+isqrt(p.score*growthFx2))
		g.w.SetInt(p.ent, PlayerScore, p.score)
		g.w.SetFloat(p.ent, PlayerR, toUnits(p.r))
		g.spawnOrb(i)
		g.respawned(i)
	}
}

// isqrt is the integer square root (floor), exact for every int64 >= 0.
func isqrt(n int64) int64 {
	if n <= 0 {
		return 0
	}
	x := int64(1) << ((bits.Len64(uint64(n)) + 1) / 2)
	for {
		y := (x + n/x) / 2
		if y >= x {
			return x
		}
		x = y
	}
}

// View is the player's own circle plus every circle and orb whose center
// lies within ViewRadius of the player's center, in entity id order. A
// player not seated sees nothing.
func (g *arenaGame) View(id game.PlayerID, visit func(game.EntityID)) {
	g.viewBuf = g.AppendView(g.viewBuf[:0], id)
	for _, e := range g.viewBuf {
		visit(e)
	}
}

// AppendView implements game.ViewAppender: View's entities appended to dst.
// Every candidate is written and the length advances only for one in view,
// so whether an orb is seen (a coin toss for the branch predictor) costs no
// branch.
func (g *arenaGame) AppendView(dst []game.EntityID, id game.PlayerID) []game.EntityID {
	me := g.find(id)
	if me == nil {
		return dst
	}
	n := len(dst)
	buf := slices.Grow(dst, len(g.players)+len(g.byID))
	buf = buf[:cap(buf)]
	// Players and orbs merged in entity id order (players are in PlayerID order, which is
	// the order their entities were made), so the room need not sort the view.
	pi, next := 0, g.playerEnt(0)
	for _, slot := range g.byID {
		o := &g.orbs[slot]
		for next < o.ent {
			n = g.appendPlayer(buf, n, me, pi)
			pi++
			next = g.playerEnt(pi)
		}
		buf[n] = o.ent
		if within(me, o.x, o.y) {
			n++
		}
	}
	for ; pi < len(g.players); pi++ {
		n = g.appendPlayer(buf, n, me, pi)
	}
	return buf[:n]
}

// playerEnt is the entity of the i-th player, or one above every entity
// when there is none.
func (g *arenaGame) playerEnt(i int) game.EntityID {
	if i < len(g.players) {
		return g.players[i].ent
	}
	return math.MaxUint32
}

// appendPlayer writes the i-th player's circle at buf[n] and returns n + 1
// when me sees it, else n.
func (g *arenaGame) appendPlayer(buf []game.EntityID, n int, me *player, i int) int {
	p := g.players[i]
	buf[n] = p.ent
	if p == me || within(me, p.x, p.y) {
		n++
	}
	return n
}

// respawned moves orb slot i, which just got a new entity (the highest id), to the end of
// byID.
func (g *arenaGame) respawned(i int) {
	for k, slot := range g.byID {
		if slot == i {
			copy(g.byID[k:], g.byID[k+1:])
			g.byID[len(g.byID)-1] = i
			return
		}
	}
}

func within(me *player, x, y int64) bool {
	dx, dy := x-me.x, y-me.y
	return dx*dx+dy*dy <= viewR2
}

// RankEntry is the wire shape of one line of the results ranking, for
// clients (bots) that decode room:event {type: "results", ranking}.
type RankEntry struct {
	PlayerID game.PlayerID `msgpack:"playerId"`
	Name     string        `msgpack:"name"`
	Score    int64         `msgpack:"score"`
}

// Ranking returns the seated players by score, highest first; equal scores
// keep PlayerID order (the earlier seat first).
func (g *arenaGame) Ranking() []RankEntry {
	out := make([]RankEntry, len(g.players))
	for i, p := range g.players {
		out[i] = RankEntry{PlayerID: p.id, Name: p.name, Score: p.score}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	return out
}

// Results returns {ranking: [{playerId, name, score}, ...]} as plain maps,
// ready for any encoder.
func (g *arenaGame) Results() map[string]any {
	r := g.Ranking()
	ranking := make([]any, len(r))
	for i, e := range r {
		ranking[i] = map[string]any{"playerId": uint32(e.PlayerID), "name": e.Name, "score": e.Score}
	}
	return map[string]any{"ranking": ranking}
}
