package arena

import (
	"math"
	"slices"
	"testing"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/gametest"
	"github.com/vmihailenco/msgpack/v5"
)

// event is one thing from outside that reaches the game during one tick, in
// the order the runtime applies it.
type event struct {
	op     string // join, leave, drop, return, start, input
	pid    game.PlayerID
	name   string
	fields map[string]any // an input's map
}

// generate makes the events of one tick from the generator's randomness:
// joins, a start, steering (some of it malformed), drops, returns, leaves.
func generate(rng *game.Rand, tick uint64, seq map[game.PlayerID]int) []event {
	var evs []event
	switch tick {
	case 1:
		for p := game.PlayerID(1); p <= 8; p++ {
			evs = append(evs, event{op: "join", pid: p, name: "p" + string(rune('0'+p))})
		}
	case 3:
		evs = append(evs, event{op: "start"})
	case 300:
		evs = append(evs, event{op: "drop", pid: 2}, event{op: "leave", pid: 5})
	case 400:
		evs = append(evs, event{op: "return", pid: 2}, event{op: "join", pid: 9, name: "late"})
	}
	for p := game.PlayerID(1); p <= 9; p++ {
		if rng.IntN(10) < 3 {
			continue
		}
		seq[p]++
		in := randomSteer(rng, seq[p])
		if rng.IntN(50) == 0 {
			in["x"] = []any{"malformed"}
		}
		if rng.IntN(80) == 0 {
			in["y"] = math.NaN()
		}
		evs = append(evs, event{op: "input", pid: p, fields: in})
	}
	return evs
}

// play runs a match for ticks ticks from seed in the test kit, feeding it
// the events next gives for each tick; what the runtime would refuse or
// drop (an input of a player not seated, a malformed one) is left out as
// the runtime leaves it out. It returns the match and the players' total
// score at the end.
func play(tb testing.TB, seed uint64, ticks uint64, next func(tick uint64) []event) (*gametest.Match, int64) {
	m, g := newMatch(tb, seed, game.Options{MaxPlayers: 12}, gametest.HashEvery(10))
	for t := uint64(1); t <= ticks; t++ {
		for _, e := range next(t) {
			switch e.op {
			case "join":
				_ = m.TryJoin(game.Player{ID: e.pid, Name: e.name})
			case "leave":
				m.Leave(e.pid)
			case "drop":
				m.Drop(e.pid)
			case "return":
				m.Return(e.pid)
			case "start":
				_ = m.TryStart()
			case "input":
				_ = m.TryInput(e.pid, e.fields)
			}
		}
		m.Step()
		if n := m.World().Len(); n != OrbCount+len(g.players) {
			tb.Fatalf("tick %d: %d entities for %d players", t, n, len(g.players))
		}
	}
	var total int64
	for _, p := range g.players {
		total += p.score
	}
	return m, total
}

// TestReplay: a seed and an input log reproduce a match exactly. The match
// is run twice from the same generator, and once more from its recorded log
// after a round trip through msgpack (CheckReplay); the world hash must
// agree at every tick.
func TestReplay(t *testing.T) {
	const seed, ticks = 20260101, 1200 // one minute at 20 Hz
	live := func() func(uint64) []event {
		rng := game.NewRand(991)
		seq := map[game.PlayerID]int{}
		return func(tick uint64) []event { return generate(rng, tick, seq) }
	}
	m1, score := play(t, seed, ticks, live())
	if score == 0 {
		t.Fatal("nobody scored: the replay proves little")
	}
	m2, _ := play(t, seed, ticks, live())
	h1, h2 := m1.Hashes(), m2.Hashes()
	for i := range h1 {
		if h1[i] != h2[i] {
			t.Fatalf("tick %d: hashes %#x %#x", i+1, h1[i], h2[i])
		}
	}
	m1.CheckReplay()

	m4, _ := play(t, seed+1, 100, live())
	if m4.Hashes()[99] == h1[99] {
		t.Fatal("another seed played the same match")
	}
	log := m1.Log()
	raw, err := msgpack.Marshal(log)
	if err != nil {
		t.Fatal(err)
	}
	inputs := slices.IndexFunc(log.Entries, func(e gametest.Entry) bool { return e.Op == gametest.OpInput })
	t.Logf("%d ticks, %d logged entries (%d bytes, the first input at %d), final hash %#08x", ticks, len(log.Entries), len(raw), inputs, h1[ticks-1])
}

// TestArenaGolden pins one match's final hash, so a change to the
// simulation, the RNG or the world encoding that alters replays shows up.
func TestArenaGolden(t *testing.T) {
	rng := game.NewRand(55)
	seq := map[game.PlayerID]int{}
	m, _ := play(t, 7, 600, func(tick uint64) []event { return generate(rng, tick, seq) })
	h := m.Hashes()
	t.Logf("final hash %#08x", h[len(h)-1])
	if want := uint32(goldenHash); h[len(h)-1] != want {
		t.Fatalf("final hash %#08x, want %#08x", h[len(h)-1], want)
	}
}

const goldenHash = 0x001ea267
