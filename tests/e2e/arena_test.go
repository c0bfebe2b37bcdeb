package e2e

import (
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tickroom/tickroom/netio/client"
)

// TestArenaTwoPlayers: A creates an arena room, B joins by its code written
// in lower case; both steer toward the centre at 20 inputs/s for 2 s, see
// `a` reach their last seq and their circle move, keep a hash-checked mirror
// throughout, and read a sane server clock from time:sync.
func TestArenaTwoPlayers(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr client.Transport) {
		srv := startServer(t)
		a := mustDial(t, srv.URL, tr, "ann")
		b := mustDial(t, srv.URL, tr, "bob")

		ja := a.mustSeat(t, "room:create", map[string]any{"mode": "arena"})
		if len(ja.Schema.Kinds) != 2 || ja.Schema.Kinds[0].Name != "player" {
			t.Errorf("Joined schema: %+v, want the arena's kinds (player, orb)", ja.Schema)
		}
		if ja.Room.Mode != "arena" || len(ja.Room.Code) != 6 || ja.You.SeatToken == "" || ja.You.PlayerID == 0 {
			t.Fatalf("create: Joined %+v", ja)
		}
		jb := b.mustSeat(t, "room:join", map[string]any{"code": strings.ToLower(ja.Room.Code)})
		if jb.Room.ID != ja.Room.ID || jb.You.PlayerID == ja.You.PlayerID || len(jb.Players) != 2 {
			t.Fatalf("join by lower-case code: Joined %+v (creator's room %s)", jb, ja.Room.ID)
		}
		a.mustOK(t, "room:start", map[string]any{}, nil)

		// Both find their own circle.
		for _, p := range []*player{a, b} {
			if !waitFor(5*time.Second, func() bool { _, _, _, ok := p.self(); return ok }) {
				t.Fatalf("player %d never saw its own entity (stats %+v)", p.joined.You.PlayerID, p.stats())
			}
		}

		const inputs = 40 // 20/s for 2 s
		start := map[*player][2]float64{}
		var wg sync.WaitGroup
		for _, p := range []*player{a, b} {
			_, x0, y0, _ := p.self()
			start[p] = [2]float64{x0, y0}
			// Steer toward the centre: 2 s at 200 units/s cannot cross a wall.
			dx, dy := -math.Copysign(1, x0), -math.Copysign(1, y0)
			wg.Add(1)
			go func() {
				defer wg.Done()
				tick := time.NewTicker(time.Second / 20)
				defer tick.Stop()
				for seq := uint64(1); seq <= inputs; seq++ {
					<-tick.C
					if err := p.input(seq, dx, dy, false); err != nil {
						t.Errorf("input %d: %v", seq, err)
						return
					}
				}
			}()
		}
		wg.Wait()
		for _, p := range []*player{a, b} {
			if !waitFor(3*time.Second, func() bool { return p.stats().lastA >= inputs }) {
				t.Errorf("player %d: a = %d, want %d", p.joined.You.PlayerID, p.stats().lastA, inputs)
			}
			_, x1, y1, _ := p.self()
			s := start[p]
			moved := math.Hypot(x1-s[0], y1-s[1])
			// 40 inputs at 20/s: ~2 s at 200 units/s along a diagonal unit vector.
			if moved < 250 {
				t.Errorf("player %d moved %.1f units in 2 s of input, want about 400", p.joined.You.PlayerID, moved)
			}
			t.Logf("player %d moved %.1f units", p.joined.You.PlayerID, moved)
		}

		// time:sync
		t0 := time.Now().UnixMilli()
		var ts struct {
			T0         int64 `msgpack:"t0"`
			ServerTime int64 `msgpack:"serverTime"`
		}
		a.mustOK(t, "time:sync", map[string]any{"t0": t0}, &ts)
		if ts.T0 != t0 {
			t.Errorf("time:sync t0 = %d, want %d", ts.T0, t0)
		}
		if d := time.Duration(ts.ServerTime-time.Now().UnixMilli()) * time.Millisecond; d.Abs() > 3*time.Second {
			t.Errorf("time:sync serverTime is %v off the local clock", d)
		}

		time.Sleep(500 * time.Millisecond)
		for _, p := range []*player{a, b} {
			st := p.stats()
			st.check(t, "player "+p.s.ID())
			if st.full != 1 {
				t.Errorf("player %d: %d full snapshots, want only the first", p.joined.You.PlayerID, st.full)
			}
			if st.hashed != st.received {
				t.Errorf("player %d: %d of %d snapshots hashed, want all (-hash-every 1)", p.joined.You.PlayerID, st.hashed, st.received)
			}
			t.Logf("player %d: %d snapshots (%d B), all hashed and matching, last t=%d a=%d", p.joined.You.PlayerID, st.received, st.bytes, st.lastT, st.lastA)
		}
	})
}
