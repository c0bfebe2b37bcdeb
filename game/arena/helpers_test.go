package arena

import (
	"testing"

	"github.com/tickroom/tickroom/game"
	"github.com/vmihailenco/msgpack/v5"
)

// match drives one arena game the way the runtime does.
type match struct {
	w     *game.World
	g     *arenaGame
	tick  uint64
	ended int
}

func newMatch(tb testing.TB, seed uint64, opts game.Options) *match {
	tb.Helper()
	s, err := Mode{}.Configure(opts)
	if err != nil {
		tb.Fatal(err)
	}
	m := &match{w: game.NewWorld(Mode{}.Schema())}
	ctx := &game.Context{World: m.w, Rand: game.NewRand(seed), Settings: s, EndMatch: func() { m.ended++ }}
	m.g = Mode{}.New(ctx).(*arenaGame)
	return m
}

// begin starts the next tick; lifecycle calls and inputs follow, then step.
func (m *match) begin() {
	m.tick++
	m.w.BeginTick(m.tick)
}

func (m *match) step() { m.g.Step() }

// input encodes, decodes and applies one input like the runtime would.
func (m *match) input(tb testing.TB, id game.PlayerID, fields map[string]any) {
	tb.Helper()
	in, err := m.g.DecodeInput(encode(tb, fields))
	if err != nil {
		tb.Fatalf("DecodeInput(%v): %v", fields, err)
	}
	m.g.Input(id, in)
}

func encode(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := marshalSorted(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// marshalSorted encodes with map keys sorted, so equal inputs are equal bytes.
func marshalSorted(v any) ([]byte, error) {
	enc := msgpack.GetEncoder()
	defer msgpack.PutEncoder(enc)
	var buf bytesBuffer
	enc.Reset(&buf)
	enc.SetSortMapKeys(true)
	err := enc.Encode(v)
	return buf.b, err
}

type bytesBuffer struct{ b []byte }

func (w *bytesBuffer) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }

// view returns the normalized view of player id.
func (m *match) view(id game.PlayerID) []game.EntityID {
	var v []game.EntityID
	m.g.View(id, func(e game.EntityID) { v = append(v, e) })
	return m.w.NormalizeView(v)
}

// randomSteer returns a random input map: mostly a direction, sometimes a
// boost, sometimes longer than 1.
func randomSteer(rng *game.Rand, seq int) map[string]any {
	in := map[string]any{"seq": seq, "x": rng.Float64()*3 - 1.5, "y": rng.Float64()*3 - 1.5}
	if rng.IntN(40) == 0 {
		in["boost"] = true
	}
	return in
}
