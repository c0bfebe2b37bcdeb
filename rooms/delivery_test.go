package rooms

import (
	"context"
	"math"
	"testing"
	"testing/synctest"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/arena"
)

func hashedConfig() *Config {
	c := quietConfig()
	c.HashEvery = 1
	return c
}

// arenaRoom starts a playing arena room with n players on fake peers.
func arenaRoom(t *testing.T, n int, cfg *Config) (*running, []*fakePeer, []*Seat) {
	t.Helper()
	rr := startRoom(t, arena.Mode{}, cfg)
	peers := make([]*fakePeer, n)
	seats := make([]*Seat, n)
	for i := range peers {
		peers[i] = newFakePeer("p"+string(rune('a'+i)), arena.Mode{}.Schema())
		seats[i] = rr.mustJoin(t, game.PlayerID(i+1), peers[i])
	}
	if err := rr.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return rr, peers, seats
}

// steer sends one input for every seat (but skip), turning over time.
func steer(t *testing.T, seats []*Seat, seq int, skip int) {
	for i, s := range seats {
		if i == skip {
			continue
		}
		a := float64(seq*7+i*40) / 50
		s.PushInput(input(t, map[string]any{"seq": seq, "x": math.Cos(a), "y": math.Sin(a)}))
	}
}

// checkChain checks rule 1 on what a peer received: the first snapshot is
// full and every later one applies to the one before it (or is full).
func checkChain(t *testing.T, p *fakePeer) {
	t.Helper()
	got := p.snaps()
	if len(got) == 0 {
		t.Fatalf("peer %s got no snapshot", p.name)
	}
	if got[0].b != 0 {
		t.Errorf("peer %s: first snapshot b=%d, want a full state", p.name, got[0].b)
	}
	for i := 1; i < len(got); i++ {
		if got[i].b != 0 && got[i].b != got[i-1].t {
			t.Errorf("peer %s: snapshot t=%d b=%d follows t=%d", p.name, got[i].t, got[i].b, got[i-1].t)
		}
	}
	p.check(t)
}

func TestSnapshotsFullThenDeltas(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rr, peers, seats := arenaRoom(t, 3, hashedConfig())
		for seq := 1; seq <= 40; seq++ {
			steer(t, seats, seq, -1)
			tickOnce()
		}
		for _, p := range peers {
			checkChain(t, p)
			got := p.snaps()
			for i := 1; i < len(got); i++ {
				if got[i].t != got[i-1].t+1 {
					t.Errorf("peer %s: snapshot t=%d after t=%d: one per tick expected", p.name, got[i].t, got[i-1].t)
				}
			}
			for _, s := range got[1:] {
				if s.b == 0 {
					t.Errorf("peer %s: unexpected full state at t=%d", p.name, s.t)
				}
			}
			if last := got[len(got)-1]; last.a != 40 {
				t.Errorf("peer %s: a=%d, want 40", p.name, last.a)
			}
		}
		if st := rr.Stats(); st.FullSnapshots != 3 || st.BaselineViolations != 0 {
			t.Errorf("full %d, violations %d; want 3, 0", st.FullSnapshots, st.BaselineViolations)
		}
		if err := rr.stop(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestStalledPeerSlotReplaced: a peer whose writer takes nothing for 1 s
// has its slot replaced every tick (no backlog); when the writer runs again
// it writes one snapshot, a delta against what it last received, and the
// mirror matches the server's view hash.
func TestStalledPeerSlotReplaced(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rr, peers, seats := arenaRoom(t, 2, hashedConfig())
		slow := peers[1]
		seq := 0
		run := func(ticks int) {
			for range ticks {
				seq++
				steer(t, seats, seq, -1)
				tickOnce()
			}
		}
		run(5)
		before := slow.snaps()
		slow.Stall()
		run(20)
		if n := len(slow.snaps()); n != len(before) {
			t.Fatalf("a stalled peer received %d snapshots", n-len(before))
		}
		slow.mu.Lock()
		replaced := slow.replaced
		slow.mu.Unlock()
		if replaced != 19 {
			t.Errorf("slot replaced %d times in 20 ticks, want 19", replaced)
		}
		slow.Resume()
		after := slow.snaps()
		if len(after) != len(before)+1 {
			t.Fatalf("after draining: %d snapshots, want exactly one", len(after)-len(before))
		}
		one := after[len(after)-1]
		latest := peers[0].snaps()[len(peers[0].snaps())-1].t
		if one.b != before[len(before)-1].t || one.t != latest || !one.hasH {
			t.Errorf("drained snapshot t=%d b=%d, want the latest tick against t=%d", one.t, one.b, before[len(before)-1].t)
		}
		run(5)
		checkChain(t, slow)
		checkChain(t, peers[0])
		if err := rr.stop(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestInFlightSnapshotBaseline: the writer takes a snapshot and blocks on
// it (a socket write); later offers sit in the slot with the older
// baseline. After the blocked write completes, the writer's baseline check
// drops the slot's packet, and the room's next delta is against the
// snapshot actually written.
func TestInFlightSnapshotBaseline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rr, peers, seats := arenaRoom(t, 2, hashedConfig())
		slow := peers[1]
		for seq := 1; seq <= 5; seq++ {
			steer(t, seats, seq, -1)
			tickOnce()
		}
		slow.StallInFlight()
		for seq := 6; seq <= 15; seq++ {
			steer(t, seats, seq, -1)
			tickOnce()
		}
		slow.Resume()
		slow.mu.Lock()
		drops := slow.baseDrops
		slow.mu.Unlock()
		if drops != 1 {
			t.Errorf("writer dropped %d stale-baseline packets, want 1", drops)
		}
		tickOnce()
		got := slow.snaps()
		last := got[len(got)-1]
		if prev := got[len(got)-2]; last.b != prev.t || last.b == 0 {
			t.Errorf("after the in-flight write: t=%d b=%d, previous t=%d", last.t, last.b, prev.t)
		}
		checkChain(t, slow)
		if st := rr.Stats(); st.BaselineViolations != 0 {
			t.Errorf("violations %d", st.BaselineViolations)
		}
		if err := rr.stop(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestBaselineViolationDetected: a Peer that breaks the contract (writes a
// delta whose baseline it did not write last) is detected and repaired
// with a full state.
func TestBaselineViolationDetected(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rr, peers, seats := arenaRoom(t, 1, hashedConfig())
		p := peers[0]
		p.mu.Lock()
		p.noBaseCheck = true
		p.mu.Unlock()
		for seq := 1; seq <= 3; seq++ {
			steer(t, seats, seq, -1)
			tickOnce()
		}
		p.StallInFlight()
		tickOnce()
		tickOnce()
		p.Resume() // writes the in-flight one, then a delta over the wrong baseline
		tickOnce()
		if st := rr.Stats(); st.BaselineViolations != 1 {
			t.Errorf("violations %d, want 1", st.BaselineViolations)
		}
		got := p.snaps()
		if last := got[len(got)-1]; last.b != 0 {
			t.Errorf("after a violation: b=%d, want a full state", last.b)
		}
		if err := rr.stop(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestResyncRejoinFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rr, peers, seats := arenaRoom(t, 2, hashedConfig())
		ctx := context.Background()
		for seq := 1; seq <= 5; seq++ {
			steer(t, seats, seq, -1)
			tickOnce()
		}
		if err := rr.Resync(ctx, 1); err != nil {
			t.Fatal(err)
		}
		tickOnce()
		got := peers[0].snaps()
		if last := got[len(got)-1]; last.b != 0 {
			t.Errorf("after resync: b=%d, want full", last.b)
		}
		tickOnce()
		if got = peers[0].snaps(); got[len(got)-1].b == 0 {
			t.Errorf("deltas did not resume after the full state")
		}
		if err := rr.Drop(ctx, 2); err != nil {
			t.Fatal(err)
		}
		tickOnce()
		n := len(peers[1].snaps())
		tickOnce()
		if len(peers[1].snaps()) != n {
			t.Errorf("a dropped seat still gets snapshots")
		}
		fresh := newFakePeer("rejoined", arena.Mode{}.Schema())
		if err := rr.Return(ctx, 2, fresh); err != nil {
			t.Fatal(err)
		}
		seats[1].PushInput(input(t, map[string]any{"seq": 6}))
		tickOnce()
		tickOnce()
		checkChain(t, fresh)
		if got := fresh.snaps(); got[0].b != 0 || got[len(got)-1].a != 6 {
			t.Errorf("rejoined: first b=%d, a=%d; want full, 6 (seq belongs to the seat)", got[0].b, got[len(got)-1].a)
		}
		// Taking over an attached seat closes the old connection's room.
		other := newFakePeer("other", arena.Mode{}.Schema())
		if err := rr.Return(ctx, 2, other); err != nil {
			t.Fatal(err)
		}
		evs := fresh.eventList()
		if len(evs) == 0 || evs[len(evs)-1].name != "room:closed" || evs[len(evs)-1].args[0].(map[string]any)["reason"] != "rejoined" {
			t.Errorf("old connection events %v, want room:closed rejoined", evs)
		}
		tickOnce()
		checkChain(t, other)
		checkChain(t, peers[0])
		if err := rr.stop(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestSharedEncoding: ten players who see everything and are up to date
// share one section per snapshot.
func TestSharedEncoding(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mode, _ := newProbe(20)
		rr := startRoom(t, mode, hashedConfig())
		peers := make([]*fakePeer, 10)
		seats := make([]*Seat, 10)
		for i := range peers {
			peers[i] = newFakePeer("p", probeSchema)
			seats[i] = rr.mustJoin(t, game.PlayerID(i+1), peers[i])
		}
		tickOnce()
		tickOnce()
		before := rr.Stats()
		for seq := 1; seq <= 20; seq++ {
			for i, s := range seats {
				s.PushInput(input(t, map[string]any{"seq": seq, "x": seq * i}))
			}
			tickOnce()
		}
		st := rr.Stats()
		snaps, encodes := st.Snapshots-before.Snapshots, st.SectionEncodes-before.SectionEncodes
		if snaps != 20 || encodes != 20 {
			t.Errorf("%d snapshots took %d section encodes, want 20 and 20", snaps, encodes)
		}
		if st.SnapshotsOffered-before.SnapshotsOffered != 200 {
			t.Errorf("offered %d, want 200", st.SnapshotsOffered-before.SnapshotsOffered)
		}
		// One stalled player forms a group of its own until it catches up.
		peers[3].Stall()
		tickOnce()
		tickOnce()
		mid := rr.Stats()
		if got := mid.SectionEncodes - st.SectionEncodes; got != 3 { // 1 + (1 shared + 1 stalled)
			t.Errorf("with one player behind: %d encodes over 2 snapshots, want 3", got)
		}
		peers[3].Resume()
		for _, p := range peers {
			checkChain(t, p)
		}
		if err := rr.stop(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestHistoryWindowFull: a baseline older than the views the room keeps
// gets a full state.
func TestHistoryWindowFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := hashedConfig()
		cfg.HistoryViews = 4
		rr, peers, seats := arenaRoom(t, 1, cfg)
		p := peers[0]
		for seq := 1; seq <= 3; seq++ {
			steer(t, seats, seq, -1)
			tickOnce()
		}
		p.StallInFlight()
		for seq := 4; seq <= 12; seq++ {
			steer(t, seats, seq, -1)
			tickOnce()
		}
		p.Resume()
		tickOnce()
		full := 0
		for _, s := range p.snaps()[1:] {
			if s.b == 0 {
				full++
			}
		}
		if full != 1 {
			t.Errorf("baseline outside the window: %d full states after the first, want 1", full)
		}
		checkChain(t, p)
		if err := rr.stop(); err != nil {
			t.Fatal(err)
		}
	})
}
