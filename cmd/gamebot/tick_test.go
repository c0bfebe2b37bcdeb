package main

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/arena"
)

// arenaFeed is a 10-player arena room driven by hand (as the rooms runtime would: one input per
// player, a step, a delta per tick) and the snapshot arguments player 1 received, hashed every
// tenth: what one bot of the standard workload takes in.
type arenaFeed struct {
	schema *game.Schema
	snaps  [][]byte
	pid    int64
}

func newArenaFeed(tb testing.TB, ticks int) *arenaFeed {
	s, err := arena.Mode{}.Configure(game.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	s.MatchTicks = 0 // never ends
	schema := arena.Mode{}.Schema()
	w := game.NewWorld(schema)
	g := arena.Mode{}.New(&game.Context{World: w, Rand: game.NewRand(7), Settings: s})
	for i := 1; i <= 10; i++ {
		g.Join(game.Player{ID: game.PlayerID(i), Name: "p"})
	}
	g.Start()
	rng := rand.New(rand.NewPCG(1, 2))
	heads := make([]float64, 10)
	f := &arenaFeed{schema: schema, pid: 1}
	var view, prev []game.EntityID
	var prevTick uint64
	for t := uint64(1); t <= uint64(ticks); t++ {
		w.BeginTick(t)
		for i := range heads {
			if rng.IntN(10) == 0 {
				heads[i] = rng.Float64() * 2 * math.Pi
			}
			g.Input(game.PlayerID(i+1), arena.Input{X: math.Cos(heads[i]), Y: math.Sin(heads[i])})
		}
		g.Step()
		view = view[:0]
		g.View(1, func(id game.EntityID) { view = append(view, id) })
		view = w.NormalizeView(view)
		e := w.AppendDelta(nil, prevTick, prev, view)
		var h *uint32
		if t%10 == 0 {
			v := w.ViewHash(view)
			h = &v
		}
		f.snaps = append(f.snaps, snapshotBytes(t, prevTick, t, int64(t)*50, e, h))
		prev, view = view, prev
		prevTick = t
	}
	return f
}

// TestArenaFeed: the feed is what a bot takes: every snapshot applies, every hash matches.
func TestArenaFeed(t *testing.T) {
	f := newArenaFeed(t, 200)
	m := game.NewMirror(f.schema)
	hashed := 0
	for i, raw := range f.snaps {
		var s snapshot
		if err := decodeSnapshot(raw, &s); err != nil {
			t.Fatal(err)
		}
		if err := m.Apply(s.E, s.B == 0); err != nil {
			t.Fatalf("snapshot %d: %v", i, err)
		}
		if s.HasH {
			hashed++
			if m.Hash() != s.H {
				t.Fatalf("snapshot %d: hash differs", i)
			}
		}
	}
	if hashed != 20 || m.Len() < 10 {
		t.Fatalf("%d hashed, %d entities held", hashed, m.Len())
	}
}

// BenchmarkBotTick is a bot's own work per tick, without the network: decode a snapshot,
// apply it, check its hash when it has one (every tenth), and make the next input with the
// arena's strategy. The sub-benchmarks split it.
func BenchmarkBotTick(b *testing.B) {
	f := newArenaFeed(b, 2000)
	strat, err := newArenaSeek(f.schema)
	if err != nil {
		b.Fatal(err)
	}
	in := newInput(f.schema.Inputs)
	// warm: a mirror as of the feed's first half, and the second half replayed in a loop (a
	// delta applies to the state it was made against, so each round restarts from a clone).
	warm := game.NewMirror(f.schema)
	for _, raw := range f.snaps[:1000] {
		var s snapshot
		_ = decodeSnapshot(raw, &s)
		_ = warm.Apply(s.E, s.B == 0)
	}
	rest := f.snaps[1000:]
	run := func(b *testing.B, apply, hash, steer bool) {
		var m *game.Mirror
		v := botView{player: f.pid, rng: rand.New(rand.NewPCG(1, 1)), rate: 20}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if i%len(rest) == 0 {
				b.StopTimer()
				m = warm.Clone()
				b.StartTimer()
			}
			var s snapshot
			if err := decodeSnapshot(rest[i%len(rest)], &s); err != nil {
				b.Fatal(err)
			}
			i++
			if apply {
				if err := m.Apply(s.E, s.B == 0); err != nil {
					b.Fatal(err)
				}
			}
			if hash && s.HasH && m.Hash() != s.H {
				b.Fatal("desync")
			}
			if steer {
				v.mirror, v.changed, v.snaps, v.n = m, true, i, i
				strat.next(&v, in)
			}
		}
	}
	b.Run("all", func(b *testing.B) { run(b, true, true, true) })
	b.Run("apply", func(b *testing.B) { run(b, true, false, false) })
	b.Run("apply+hash", func(b *testing.B) { run(b, true, true, false) })
	b.Run("apply+steer", func(b *testing.B) { run(b, true, false, true) })
}
