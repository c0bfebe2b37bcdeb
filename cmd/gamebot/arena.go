package main

import (
	"errors"
	"fmt"
	"math"

	"github.com/tickroom/tickroom/game"
)

// rescanEvery is how many snapshots a seeking bot keeps its target orb
// before it looks for the nearest one again (a full scan of its mirror);
// between scans it steers to the same orb from where it is now.
const rescanEvery = 10

// arenaSeek is the arena's strategy: steer to the nearest orb the bot sees, at full speed,
// without boosting. It is the example of a mode's strategy (modeStrategies).
type arenaSeek struct {
	// From the schema: kinds, fields and inputs by name.
	player, orb           int
	playerX, playerY, pid int
	orbX, orbY            int
	inX, inY              int

	self      game.EntityID // the bot's own circle, 0 until seen
	target    game.EntityID // the orb it steers to, 0 for none
	scannedAt int           // snaps at the last full scan for the nearest orb
	tx, ty    float64       // the direction last computed
}

// newArenaSeek resolves what the seek strategy reads and writes in the arena's schema: player
// {x, y, pid}, orb {x, y}, and the inputs x and y.
func newArenaSeek(s *game.Schema) (strategy, error) {
	a := &arenaSeek{}
	var errs [9]error
	a.player, errs[0] = kindIndex(s, "player")
	a.orb, errs[1] = kindIndex(s, "orb")
	a.playerX, errs[2] = fieldIndex(s, a.player, "x", game.KindFloat)
	a.playerY, errs[3] = fieldIndex(s, a.player, "y", game.KindFloat)
	a.pid, errs[4] = fieldIndex(s, a.player, "pid", game.KindInt)
	a.orbX, errs[5] = fieldIndex(s, a.orb, "x", game.KindFloat)
	a.orbY, errs[6] = fieldIndex(s, a.orb, "y", game.KindFloat)
	a.inX, errs[7] = inputIndex(s, "x", game.KindFloat)
	a.inY, errs[8] = inputIndex(s, "y", game.KindFloat)
	if err := errors.Join(errs[:]...); err != nil {
		return nil, fmt.Errorf("the arena strategy: %w", err)
	}
	return a, nil
}

// observe finds the direction to the nearest orb after each snapshot: the unit direction from
// the bot's own circle, (0, 0) when it sees none. It scans the whole mirror only every
// rescanEvery snapshots or when its target is gone.
func (a *arenaSeek) observe(v *botView) { a.tx, a.ty = a.direction(v) }

// next steers in the direction last found (found now when no snapshot was observed since).
func (a *arenaSeek) next(v *botView, in *input) {
	if v.changed {
		a.observe(v)
	}
	in.set(a.inX, a.tx)
	in.set(a.inY, a.ty)
}

func (a *arenaSeek) direction(v *botView) (float64, float64) {
	m := v.mirror
	if a.self == 0 || m.Kind(a.self) != a.player || m.Int(a.self, a.pid) != v.player {
		a.self, a.target = 0, 0
		for e := range m.All() {
			if e.Kind() == a.player && e.Int(a.pid) == v.player {
				a.self = e.ID()
				break
			}
		}
		if a.self == 0 {
			return 0, 0
		}
	}
	ox, oy := m.Float(a.self, a.playerX), m.Float(a.self, a.playerY)
	if a.target == 0 || m.Kind(a.target) != a.orb || v.snaps >= a.scannedAt+rescanEvery {
		a.scannedAt = v.snaps
		a.target = 0
		best := math.Inf(1)
		for e := range m.All() {
			if e.Kind() != a.orb {
				continue
			}
			dx, dy := e.Float(a.orbX)-ox, e.Float(a.orbY)-oy
			if d := dx*dx + dy*dy; d < best {
				best, a.target = d, e.ID()
			}
		}
	}
	if a.target == 0 {
		return 0, 0
	}
	dx, dy := m.Float(a.target, a.orbX)-ox, m.Float(a.target, a.orbY)-oy
	if n := math.Hypot(dx, dy); n > 0 {
		dx, dy = dx/n, dy/n
	}
	return dx, dy
}
