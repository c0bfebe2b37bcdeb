package main

import (
	"math"
	"math/rand/v2"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/arena"
)

// A strategy steers one bot in one seat: next fills in the bot's next input. The bot calls
// it from its input loop, at --input-rate, holding the lock its snapshots are applied under,
// so the mirror does not change while next reads it.
type strategy interface {
	next(v *botView, in *input)
}

// An observer is a strategy that reads the mirror as each snapshot is applied, on the
// connection's reader and under the same lock, while what the snapshot touched is still in
// the processor's cache; the bot then calls next with changed false. With a thousand bots a
// mirror read at the next input, up to an interval later, was read from memory: the arena's
// strategy cost a tenth of gamebot's CPU that way.
type observer interface {
	observe(v *botView)
}

// newStrategy makes the strategy of one seat from the schema its Joined carried. It looks up
// the kinds, fields and inputs it reads and writes by name, once, and fails when the schema
// lacks one: a strategy written for another schema then fails the bot at its join, with the
// reason in the report, instead of steering by the wrong fields. Many bots' connections call
// it at once; each strategy it returns serves one seat.
type newStrategy func(s *game.Schema) (strategy, error)

// botView is what a strategy sees of its bot.
type botView struct {
	mirror  *game.Mirror // the bot's view of the room, as of the last snapshot applied
	player  int64        // the bot's playerId (Joined.you.playerId)
	changed bool         // a snapshot changed the mirror since the last call
	snaps   int          // snapshots applied in this seat
	n       int          // inputs made in this seat before this one
	rate    int          // inputs per second
	rng     *rand.Rand   // the bot's own, seeded by --seed and its index
}

// modeStrategies are the mode strategies gamebot knows, by mode name: with --behaviour
// strategy (the default) a bot plays its mode's, and wander in a mode without one.
//
// To give your mode a strategy, write a newStrategy for it (see arenaSeek in arena.go: it
// finds its kinds, fields and inputs by name in the schema, and steers from the bot's mirror
// in next) and add it here under the mode's name. Tests may set Config.Strategies instead.
func modeStrategies() map[string]newStrategy {
	return map[string]newStrategy{
		arena.Name: newArenaSeek,
	}
}

// idle holds every input at rest: each number at the point of its declared range nearest 0,
// each bool false.
type idle struct{}

func newIdle(*game.Schema) (strategy, error) { return idle{}, nil }

func (idle) next(v *botView, in *input) {
	if v.n > 0 {
		return // the input keeps its values
	}
	for i, f := range in.fields {
		if f.Kind != game.KindBool {
			in.set(i, math.Min(math.Max(0, f.Min), f.Max))
		}
	}
}

// wander knows nothing of the mode: about once a second it draws every declared input anew,
// uniformly within its range (whole numbers for an int, true or false for a bool), and holds
// the values in between. It is the strategy of a mode without one of its own.
type wander struct{}

func newWander(*game.Schema) (strategy, error) { return wander{}, nil }

func (wander) next(v *botView, in *input) {
	if v.n%max(v.rate, 1) != 0 {
		return
	}
	for i, f := range in.fields {
		switch f.Kind {
		case game.KindBool:
			in.setBool(i, v.rng.IntN(2) == 1)
		case game.KindInt:
			lo, hi := math.Ceil(f.Min), math.Floor(f.Max)
			switch {
			case hi < lo:
				in.set(i, f.Min) // no whole number in the range
			case hi-lo < 1<<53:
				in.set(i, lo+float64(v.rng.Int64N(int64(hi-lo)+1)))
			default: // beyond exact float64 integers: near enough
				in.set(i, lo+v.rng.Float64()*(hi-lo))
			}
		default:
			in.set(i, f.Min+v.rng.Float64()*(f.Max-f.Min))
		}
	}
}

// strategyFor returns the strategy maker of the run's behaviour and mode, and its name for the
// report.
func (c *Config) strategyFor() (newStrategy, string) {
	switch c.Behaviour {
	case BehaviourIdle:
		return newIdle, string(BehaviourIdle)
	case BehaviourWander:
		return newWander, string(BehaviourWander)
	}
	if s := c.Strategies[c.Mode]; s != nil {
		return s, c.Mode
	}
	return newWander, string(BehaviourWander)
}
