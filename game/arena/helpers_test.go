package arena

import (
	"testing"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/gametest"
	"github.com/vmihailenco/msgpack/v5"
)

// newMatch is an arena match driven by the test kit, which runs it in the
// runtime's order and checks every player's snapshots, and its game. Long
// matches pass gametest.HashEvery in kit: an arena view is a hundred
// entities, hashed twice per player per check.
func newMatch(tb testing.TB, seed uint64, opts game.Options, kit ...gametest.Option) (*gametest.Match, *arenaGame) {
	tb.Helper()
	m := gametest.New(tb, Mode{}, append([]gametest.Option{gametest.Seed(seed), gametest.RoomOptions(opts)}, kit...)...)
	return m, m.Game().(*arenaGame)
}

// view returns the normalized view of player id, as the runtime takes it.
func view(m *gametest.Match, g *arenaGame, id game.PlayerID) []game.EntityID {
	var v []game.EntityID
	g.View(id, func(e game.EntityID) { v = append(v, e) })
	return m.World().NormalizeView(v)
}

// encode writes v as msgpack with map keys sorted but without the canonical
// forms the kit writes (a float32 stays a float32, an int8 an int8), so
// that DecodeInput is tried on encodings a sloppy peer might use.
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

// randomSteer returns a random input map: mostly a direction, sometimes a
// boost, sometimes longer than 1.
func randomSteer(rng *game.Rand, seq int) map[string]any {
	in := map[string]any{"seq": seq, "x": rng.Float64()*3 - 1.5, "y": rng.Float64()*3 - 1.5}
	if rng.IntN(40) == 0 {
		in["boost"] = true
	}
	return in
}
