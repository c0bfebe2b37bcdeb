package e2e

import (
	"testing"
	"time"

	"github.com/tickroom/tickroom/netio/client"
)

// TestRejoin: B's connection is cut while A keeps playing; a new client
// rejoins with B's seat token inside the grace period, gets a fresh token, a
// full first snapshot whose hash matches, and continues the seat's input
// seq above `a` of that snapshot; the old token is then SEAT_EXPIRED.
func TestRejoin(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr client.Transport) {
		srv := startServer(t)
		a := mustDial(t, srv.URL, tr, "ann")
		b := mustDial(t, srv.URL, tr, "bob")
		ja := a.mustSeat(t, "room:create", map[string]any{"mode": "arena"})
		jb := b.mustSeat(t, "room:join", map[string]any{"roomId": ja.Room.ID})
		a.mustOK(t, "room:start", map[string]any{}, nil)
		defer a.steering(10, 1)()

		const sent = 25
		for seq := uint64(1); seq <= sent; seq++ {
			if err := b.input(seq, 1, 0, false); err != nil {
				t.Fatal(err)
			}
			time.Sleep(30 * time.Millisecond)
		}
		if !waitFor(3*time.Second, func() bool { return b.stats().lastA >= sent }) {
			t.Fatalf("b: a = %d, want %d", b.stats().lastA, sent)
		}

		// Cut B; A keeps receiving at the normal rate meanwhile.
		b.close()
		aBefore := a.stats().received
		time.Sleep(time.Second)
		if n := a.stats().received - aBefore; n < tickRate/2 {
			t.Errorf("a got %d snapshots in the second after b's cut, want about %d", n, tickRate)
		}

		b2 := mustDial(t, srv.URL, tr, "bob")
		j2 := b2.mustSeat(t, "room:rejoin", map[string]any{"seatToken": jb.You.SeatToken})
		if j2.You.PlayerID != jb.You.PlayerID || j2.Room.ID != ja.Room.ID {
			t.Fatalf("rejoin: seat %d in %s, want %d in %s", j2.You.PlayerID, j2.Room.ID, jb.You.PlayerID, ja.Room.ID)
		}
		if j2.You.SeatToken == "" || j2.You.SeatToken == jb.You.SeatToken {
			t.Errorf("rejoin: seat token %q, want a fresh one", j2.You.SeatToken)
		}
		if !waitFor(5*time.Second, func() bool { return b2.stats().hashed > 0 }) {
			t.Fatalf("rejoined client got no hashed snapshot: %+v", b2.stats())
		}
		first, _ := b2.firstSnapshot()
		if first.B != 0 {
			t.Errorf("first snapshot after rejoin has baseline %d, want 0 (full)", first.B)
		}
		if first.A < sent {
			t.Errorf("first snapshot after rejoin has a = %d, want >= %d: the seq belongs to the seat", first.A, sent)
		}
		if _, _, _, ok := b2.self(); !ok {
			t.Errorf("rejoined client does not see its own entity")
		}

		// The old token is gone.
		c := mustDial(t, srv.URL, tr, "eve")
		c.mustFail(t, "room:rejoin", map[string]any{"seatToken": jb.You.SeatToken}, "SEAT_EXPIRED")

		// Inputs continue above a.
		last := first.A + 10
		for seq := first.A + 1; seq <= last; seq++ {
			if err := b2.input(seq, -1, 0, false); err != nil {
				t.Fatal(err)
			}
			time.Sleep(30 * time.Millisecond)
		}
		if !waitFor(3*time.Second, func() bool { return b2.stats().lastA >= last }) {
			t.Errorf("after rejoin: a = %d, want %d", b2.stats().lastA, last)
		}
		time.Sleep(200 * time.Millisecond)
		for name, p := range map[string]*player{"a": a, "b before the cut": b, "b after rejoin": b2} {
			st := p.stats()
			st.check(t, name)
			t.Logf("%s: %d snapshots, %d full, last t=%d a=%d", name, st.received, st.full, st.lastT, st.lastA)
		}
	})
}
