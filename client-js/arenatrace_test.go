package clientjs

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/arena"
	"github.com/vmihailenco/msgpack/v5"
)

// arenaTrace is one arena player's movement, one input per tick, as the Go arena computes it;
// test/arena.test.mjs replays it with arenaStep and wants every position bit for bit.
type arenaTrace struct {
	Start traceState  `json:"start"`
	Steps []traceStep `json:"steps"`
}

type traceState struct {
	X     float64 `json:"x"`
	Y     float64 `json:"y"`
	R     float64 `json:"r"`
	Boost bool    `json:"boost"`
}

type traceStep struct {
	Input map[string]any `json:"input"`
	traceState
}

// writeArenaTrace runs an arena match the way a room does (BeginTick, Input, Step) with two
// seated players, the first steered by arenaTraceInputs, and writes the first one's circle
// after every tick (exact positions, not the quantized wire values) as JSON. It returns the
// file's path.
func writeArenaTrace(t *testing.T) string {
	t.Helper()
	settings, err := arena.Mode{}.Configure(game.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w := game.NewWorld(arena.Mode{}.Schema())
	g := arena.Mode{}.New(&game.Context{World: w, Rand: game.NewRand(42), Settings: settings})
	w.BeginTick(1)
	g.Join(game.Player{ID: 1, Name: "traced"})
	g.Join(game.Player{ID: 2, Name: "other"})
	g.Start() // playing: orbs are eaten, so the radius (and the clamp) changes
	g.Step()
	var me game.EntityID
	w.Entities(func(id game.EntityID) {
		if w.Kind(id) == arena.KindPlayer && w.Int(id, arena.PlayerPID) == 1 {
			me = id
		}
	})
	if me == 0 {
		t.Fatal("arena trace: no entity for player 1")
	}
	state := func() traceState {
		return traceState{X: w.Float(me, arena.PlayerX), Y: w.Float(me, arena.PlayerY), R: w.Float(me, arena.PlayerR), Boost: w.Bool(me, arena.PlayerBoost)}
	}
	tr := arenaTrace{Start: state()}
	for i, in := range arenaTraceInputs() {
		raw, err := msgpack.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		w.BeginTick(uint64(i + 2))
		dec, err := g.DecodeInput(raw)
		if err != nil {
			t.Fatalf("arena trace: input %v: %v", in, err)
		}
		g.Input(1, dec)
		g.Step()
		tr.Steps = append(tr.Steps, traceStep{Input: in, traceState: state()})
	}
	b, err := json.Marshal(tr)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "arena-trace.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// arenaTraceInputs covers what the arena's movement does: straight runs into each wall (the
// clamp by the radius), boosts asked for while one runs and during the cooldown, directions
// longer than 1, integer and huge components, absent and nil components, and directions of
// half a 1/4096 step (Go's rounding away from zero) and tiny ones (truncation toward zero).
func arenaTraceInputs() []map[string]any {
	rng := rand.New(rand.NewPCG(7, 11))
	var ins []map[string]any
	for j, d := range [][2]float64{{1, 0.25}, {-0.3, 1}, {-1, -0.1}, {0.2, -1}} {
		for i := range 230 {
			in := map[string]any{"x": d[0], "y": d[1]}
			// boost held down (a boost starts the very tick the cooldown ends), or tapped
			if j == 1 || j == 2 && i%7 == 3 {
				in["boost"] = true
			}
			ins = append(ins, in)
		}
	}
	for range 800 {
		in := map[string]any{}
		switch rng.IntN(10) {
		case 0: // no direction: the circle stops
		case 1:
			in["x"], in["y"] = nil, rng.Float64()*2-1
		case 2:
			in["x"], in["y"] = int64(rng.IntN(5)-2), int64(rng.IntN(5)-2)
		case 3:
			in["x"], in["y"] = (float64(rng.IntN(9))-4.5)/4096, (float64(rng.IntN(9))-4.5)/4096
		case 4:
			in["x"], in["y"] = (rng.Float64()*2-1)*1e300, (rng.Float64()*2-1)*1e300
		default:
			a, l := rng.Float64()*2*math.Pi, rng.Float64()*1.5
			in["x"], in["y"] = l*math.Cos(a), l*math.Sin(a)
		}
		switch rng.IntN(20) {
		case 0, 1:
			in["boost"] = true
		case 2:
			in["boost"] = false
		}
		ins = append(ins, in)
	}
	return ins
}
