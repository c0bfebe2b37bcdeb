package arena

import (
	"encoding/binary"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/tickroom/tickroom/game"
	"github.com/vmihailenco/msgpack/v5"
)

// room10 is a playing 10-player arena room whose players steer at random:
// each keeps a full-speed heading and turns to a new random one now and
// then, and sometimes boosts. It drives the game by hand, with decoded
// inputs and no checks, because the benchmarks measure the game's own cost
// per tick; the tests drive matches with game/gametest.
type room10 struct {
	w     *game.World
	g     *arenaGame
	tick  uint64
	rng   *game.Rand
	heads []Input
	views [][]game.EntityID // each player's view at the previous snapshot
	spare [][]game.EntityID // reused buffers for the next views
	buf   []byte
}

func newRoom10(tb testing.TB) *room10 {
	s, err := Mode{}.Configure(game.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	s.MatchTicks = 0 // never ends: benchmarks run any number of ticks
	w := game.NewWorld(Mode{}.Schema())
	r := &room10{w: w, g: Mode{}.New(&game.Context{World: w, Rand: game.NewRand(42), Settings: s}).(*arenaGame),
		rng: game.NewRand(4242), heads: make([]Input, 10), views: make([][]game.EntityID, 10), spare: make([][]game.EntityID, 10)}
	r.begin()
	for i := range r.heads {
		r.g.Join(game.Player{ID: game.PlayerID(i + 1), Name: "player"})
		r.turn(i)
	}
	r.g.Start()
	r.g.Step()
	for i := range r.views {
		r.views[i] = r.w.NormalizeView(r.g.AppendView(nil, game.PlayerID(i+1)))
	}
	return r
}

// begin starts the next tick, as the runtime does before anything of it.
func (r *room10) begin() {
	r.tick++
	r.w.BeginTick(r.tick)
}

func (r *room10) turn(i int) {
	a := r.rng.Angle()
	r.heads[i] = Input{X: math.Cos(a), Y: math.Sin(a)}
}

// advance applies one input per player (its heading, maybe turned) and steps.
func (r *room10) advance() {
	r.begin()
	for i := range r.heads {
		if r.rng.IntN(10) == 0 {
			r.turn(i)
		}
		in := r.heads[i]
		in.Boost = r.rng.IntN(100) == 0
		r.g.Input(game.PlayerID(i+1), in)
	}
	r.g.Step()
}

// snapshot encodes every player's section against its previous view (the
// previous tick at 20 Hz) and returns the total section bytes.
func (r *room10) snapshot() int {
	total := 0
	for i := range r.views {
		cur := r.w.NormalizeView(r.g.AppendView(r.spare[i][:0], game.PlayerID(i+1)))
		r.buf = r.w.AppendDelta(r.buf[:0], r.tick-1, r.views[i], cur)
		total += len(r.buf)
		r.views[i], r.spare[i] = cur, r.views[i]
	}
	return total
}

// BenchmarkArenaTick10: one Step of a 10-player room, inputs included.
func BenchmarkArenaTick10(b *testing.B) {
	r := newRoom10(b)
	b.ReportAllocs()
	for b.Loop() {
		r.advance()
	}
}

// BenchmarkDecodeInput: one arena input as the JS client sends it, decoded
// as the runtime does on the connection's reader.
func BenchmarkDecodeInput(b *testing.B) {
	raw := encode(b, map[string]any{"seq": 12345, "x": 0.6, "y": -0.8, "boost": true})
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeInput(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkArenaDelta10: one snapshot boundary of a 10-player room at
// 20 Hz: each player's view and its delta against the previous tick.
func BenchmarkArenaDelta10(b *testing.B) {
	r := newRoom10(b)
	b.ReportAllocs()
	bytes := 0
	for b.Loop() {
		b.StopTimer()
		r.advance()
		b.StartTimer()
		bytes += r.snapshot()
	}
	b.ReportMetric(float64(bytes)/float64(b.N)/10, "B/player")
}

// BenchmarkArenaRoomTick10: the whole game-side cost of one 20 Hz tick of
// a 10-player room: inputs, Step and ten deltas.
func BenchmarkArenaRoomTick10(b *testing.B) {
	r := newRoom10(b)
	b.ReportAllocs()
	for b.Loop() {
		r.advance()
		r.snapshot()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/10/1000, "µs/player")
}

// TestArenaSnapshotSize measures a 10-player room with players steering
// continuously for 60 s at 20 Hz, every player taking deltas against the
// previous tick: bytes per moving entity inside the section (target: at
// most 6), counted on the update records of the moving players in the
// sections actually sent, and section bytes per player per second.
func TestArenaSnapshotSize(t *testing.T) {
	r := newRoom10(t)
	for i := 0; i < 40; i++ { // spread out first
		r.advance()
		r.snapshot()
	}
	schema := Mode{}.Schema()
	const ticks = 60 * TickRate
	var sections, snapshots, movers, moverBytes, longGaps int
	for i := 0; i < ticks; i++ {
		before := r.positions()
		r.advance()
		after := r.positions()
		prev := make([][]game.EntityID, len(r.views))
		for pi := range prev {
			prev[pi] = append([]game.EntityID(nil), r.views[pi]...)
		}
		sections += r.snapshot()
		for pi := range r.views {
			moving := map[game.EntityID]bool{}
			for _, id := range intersect(prev[pi], r.views[pi]) {
				if r.w.Kind(id) == KindPlayer && before[id] != after[id] {
					moving[id] = true
				}
			}
			sec := r.w.AppendDelta(nil, r.tick-1, prev[pi], r.views[pi])
			seen := 0
			err := walkUpdates(schema, sec, func(pos int) int { return r.w.Kind(prev[pi][pos]) }, func(pos, gapLen, n int) {
				if moving[prev[pi][pos]] {
					seen++
					moverBytes += n
					if gapLen > 1 {
						longGaps++
					}
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if seen != len(moving) {
				t.Fatalf("%d moving players, %d update records of them", len(moving), seen)
			}
			movers += seen
			m, err := marshalCompact(map[string]any{
				"t": r.tick, "b": r.tick - 1, "a": 1000 + r.tick, "ts": time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli(),
				"e": sec,
			})
			if err != nil {
				t.Fatal(err)
			}
			snapshots += len(m)
		}
	}
	perMover := float64(moverBytes) / float64(movers)
	perSec := float64(sections) / 10 / 60
	t.Logf("bytes per moving entity in the section: %.2f (%d moving-entity updates, %d with a position gap over 1 byte)", perMover, movers, longGaps)
	t.Logf("section bytes per player per second at 20 Hz: %.1f; snapshot map {t,b,a,ts,e} with compact ints: %.1f B/s", perSec, float64(snapshots)/10/60)
	if perMover > 6.0 {
		t.Errorf("%.2f bytes per moving entity, target <= 6", perMover)
	}
}

// walkUpdates walks the removed and updated parts of a section as
// docs/snapshot-format.md lays them out and calls record for every update
// record with its position in the baseline view, the length of its head
// (gap and mask-repeat bit) and its length in bytes; kindAt gives the kind
// at a position.
func walkUpdates(s *game.Schema, sec []byte, kindAt func(pos int) int, record func(pos, gapLen, n int)) error {
	off := 0
	uv := func() (int, int) {
		v, n := binary.Uvarint(sec[off:])
		if n <= 0 {
			panic("bad uvarint")
		}
		off += n
		return int(v), n
	}
	flags := sec[0] // removed 1, updated 2, created 4, globals 8
	off = 1
	nrem, nupd := 0, 0
	if flags&1 != 0 {
		nrem, _ = uv()
	}
	for range nrem {
		uv()
	}
	if flags&2 != 0 {
		nupd, _ = uv()
	}
	pos, prevMask := -1, 0
	for range nupd {
		start := off
		head, gapLen := uv()
		pos += 1 + head>>1
		mask := prevMask
		if head&1 == 0 {
			mask, _ = uv()
		}
		prevMask = mask
		fields := s.Kinds[kindAt(pos)].Fields
		for f, fd := range fields {
			if mask&(1<<f) == 0 {
				continue
			}
			switch {
			case fd.Kind == game.KindBool:
				off++
			case fd.Kind == game.KindFloat && fd.Quantum == 0:
				off += 8
			case fd.Kind == game.KindString:
				n, _ := uv()
				off += n
			default:
				uv()
			}
		}
		if mask>>len(fields) != 0 || off > len(sec) {
			return fmt.Errorf("bad update record at %d: % x", start, sec)
		}
		record(pos, gapLen, off-start)
	}
	return nil
}

// marshalCompact encodes with the smallest integer forms, as a snapshot
// encoder should (msgpack/v5 writes uint64 as 9 bytes unless asked).
func marshalCompact(v any) ([]byte, error) {
	var buf bytesBuffer
	enc := msgpack.NewEncoder(&buf)
	enc.UseCompactInts(true)
	err := enc.Encode(v)
	return buf.b, err
}

// positions returns every player entity's wire position (1/8 unit).
func (r *room10) positions() map[game.EntityID][2]int64 {
	out := map[game.EntityID][2]int64{}
	for _, p := range r.g.players {
		out[p.ent] = [2]int64{int64(math.Round(r.w.Float(p.ent, PlayerX) * 8)), int64(math.Round(r.w.Float(p.ent, PlayerY) * 8))}
	}
	return out
}

func intersect(a, b []game.EntityID) []game.EntityID {
	var out []game.EntityID
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}
