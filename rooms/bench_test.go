package rooms

import (
	"math"
	"syscall"
	"testing"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/arena"
)

// benchPeer is a connection whose writer is instant: it counts bytes and
// reports every snapshot written at once.
type benchPeer struct{ bytes int }

func (p *benchPeer) Send(*Event) error { return nil }
func (p *benchPeer) Close(string)      {}
func (p *benchPeer) OfferSnapshot(tick, base uint64, pkt []byte, w Written) error {
	p.bytes += len(pkt)
	w.SnapshotWritten(tick, base)
	return nil
}

// benchRoom is a playing 10-player arena room driven tick by tick on the
// caller's goroutine (no timer), each player sending one input per tick.
type benchRoom struct {
	r     *Room
	seats []*Seat
	seq   uint64
	buf   []byte
	rng   *game.Rand
	peers []*benchPeer
}

func newBenchRoom(tb testing.TB, seed uint64) *benchRoom {
	s, err := arena.Mode{}.Configure(game.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	s.MatchTicks = 0
	cfg := quietConfig()
	cfg.InputRate, cfg.InputBurst = 1e12, 1e12 // benchmarks push far faster than real time
	cfg.FloodRate = 1e12
	r, err := NewRoom("bench", arena.Mode{}, s, seed, cfg, nil)
	if err != nil {
		tb.Fatal(err)
	}
	r.init()
	br := &benchRoom{r: r, rng: game.NewRand(seed)}
	r.tick++
	r.world.BeginTick(r.tick)
	for i := range 10 {
		p := &benchPeer{}
		seat, err := r.join(game.Player{ID: game.PlayerID(i + 1), Name: "player"}, p)
		if err != nil {
			tb.Fatal(err)
		}
		br.seats = append(br.seats, seat)
		br.peers = append(br.peers, p)
	}
	if err := r.startMatch(); err != nil {
		tb.Fatal(err)
	}
	r.game.Step()
	r.snapshot()
	for range 40 { // spread out
		br.tick()
	}
	return br
}

// tick is the whole server path of one 20 Hz tick: ten inputs decoded and
// queued, the step, and every player's snapshot encoded and offered.
func (br *benchRoom) tick() {
	br.seq++
	for _, s := range br.seats {
		a := br.rng.Angle()
		br.buf = arenaInput(br.buf, br.seq, math.Cos(a), math.Sin(a))
		s.PushInput(br.buf)
	}
	br.r.slot++
	br.r.step()
	br.r.snapshot()
}

// BenchmarkRoomTick10: one arena tick of a 10-player room plus the
// snapshot encode for all ten, with instant fake peers.
func BenchmarkRoomTick10(b *testing.B) {
	br := newBenchRoom(b, 1)
	b.ReportAllocs()
	for b.Loop() {
		br.tick()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/10, "ns/player-tick")
	st := br.r.Stats()
	b.ReportMetric(float64(st.SnapshotBytes)/float64(st.SnapshotsOffered), "B/snapshot")
}

// BenchmarkRooms200x10: 200 arena rooms of 10 players in one process, one
// tick of every room per iteration. ns/player-tick is process CPU time
// (user + system, from getrusage: GC included) per player per tick.
func BenchmarkRooms200x10(b *testing.B) {
	rooms := make([]*benchRoom, 200)
	for i := range rooms {
		rooms[i] = newBenchRoom(b, uint64(i+1))
	}
	cpu0 := cpuTime()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, br := range rooms {
			br.tick()
		}
	}
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(cpu)/float64(b.N)/2000, "ns/player-tick")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/2000, "wall-ns/player-tick")
}

func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
