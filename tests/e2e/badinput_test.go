package e2e

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/tickroom/tickroom/netio/client"
	"github.com/vmihailenco/msgpack/v5"
)

// TestBadInputIsolated: a third client sends malformed inputs and requests
// of the wrong shape while A keeps playing; A's snapshot rate during the
// abuse stays within 80% of its rate just before, every hash matches, the
// abuser's own seat keeps working and the server stays up.
func TestBadInputIsolated(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr client.Transport) {
		srv := startServer(t)
		a := mustDial(t, srv.URL, tr, "ann")
		ja := a.mustSeat(t, "room:create", map[string]any{"mode": "arena"})
		a.mustOK(t, "room:start", map[string]any{}, nil)
		defer a.steering(10, 3)()

		// A's normal rate.
		time.Sleep(500 * time.Millisecond)
		r0, t0 := a.stats().received, time.Now()
		time.Sleep(2 * time.Second)
		base := float64(a.stats().received-r0) / time.Since(t0).Seconds()

		r1, t1 := a.stats().received, time.Now()
		c := mustDial(t, srv.URL, tr, "eve")
		// Requests of the wrong shape, before having a seat.
		c.mustFail(t, "room:leave", map[string]any{}, "NOT_IN_ROOM")
		c.mustFail(t, "room:join", map[string]any{"roomId": ja.Room.ID, "code": ja.Room.Code}, "BAD_REQUEST")
		c.mustFail(t, "room:join", map[string]any{}, "BAD_REQUEST")
		c.mustFail(t, "room:join", nil, "BAD_REQUEST") // absent payload counts as {}
		c.mustFail(t, "room:join", "not a map", "BAD_REQUEST")
		c.mustFail(t, "room:join", []any{1, 2}, "BAD_REQUEST")
		c.mustFail(t, "room:join", map[string]any{"roomId": 42}, "BAD_REQUEST")
		c.mustFail(t, "room:create", map[string]any{"mode": "no-such-mode"}, "UNKNOWN_MODE")
		c.mustFail(t, "room:create", map[string]any{"mode": "arena", "maxPlayers": 1000}, "BAD_REQUEST")
		c.mustFail(t, "room:join", map[string]any{"code": "ZZZZZZ"}, "ROOM_NOT_FOUND")
		c.mustFail(t, "room:rejoin", map[string]any{"seatToken": "nope"}, "SEAT_EXPIRED")
		c.mustFail(t, "time:sync", map[string]any{"t0": "soon"}, "BAD_REQUEST")
		// A request without an ack callback: dropped, nothing answers or breaks.
		if err := c.s.Emit("room:join", map[string]any{"roomId": ja.Room.ID}); err != nil {
			t.Fatal(err)
		}
		if err := c.s.Emit("room:create", "garbage"); err != nil {
			t.Fatal(err)
		}
		c.mustSeat(t, "room:join", map[string]any{"roomId": ja.Room.ID})
		c.mustFail(t, "room:join", map[string]any{"roomId": ja.Room.ID}, "ALREADY_IN_ROOM")

		// Malformed inputs, at most ~40/s so the rate limit is not what drops them.
		huge := strings.Repeat("x", 500_000) // under the 1 MB maxPayload, on every transport
		bad := []any{
			map[string]any{"seq": "1", "x": 1.0, "y": 0.0},
			map[string]any{"seq": 1, "x": "left", "y": 0.0},
			map[string]any{"seq": 1, "x": math.NaN(), "y": 0.0},
			map[string]any{"seq": 1, "x": math.Inf(1), "y": 0.0},
			map[string]any{"seq": 0, "x": 1.0, "y": 0.0},
			map[string]any{"seq": -5, "x": 1.0, "y": 0.0},
			map[string]any{"seq": 1.5, "x": 1.0, "y": 0.0},
			map[string]any{"seq": uint64(1) << 60, "x": 1.0, "y": 0.0},
			map[string]any{"x": 1.0, "y": 0.0},
			map[string]any{"seq": 1, "boost": "yes"},
			map[string]any{"seq": 1, "x": huge}, // a huge string where a number belongs
			map[string]any{"seq": 1, "x": map[string]any{"deep": []any{1, 2, 3}}},
			"not a map", 42, nil, []any{1, 2, 3}, []byte{0xc1, 0xff},
		}
		for _, in := range bad {
			if err := c.s.Emit("input", in); err != nil {
				t.Fatalf("emit %T: %v", in, err)
			}
			time.Sleep(25 * time.Millisecond)
		}
		if err := c.s.Emit("input"); err != nil { // no argument at all
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
		if got := c.stats().lastA; got != 0 {
			t.Errorf("after only malformed inputs a = %d, want 0", got)
		}
		// Seq 100 applies; 50 (backwards) and a malformed 101 do not.
		_ = c.input(100, 1, 0, false)
		if !waitFor(3*time.Second, func() bool { return c.stats().lastA == 100 }) {
			t.Fatalf("a = %d, want 100", c.stats().lastA)
		}
		_ = c.input(50, -1, 0, false)
		_ = c.s.Emit("input", map[string]any{"seq": 101, "x": math.NaN()})
		time.Sleep(400 * time.Millisecond)
		if got := c.stats().lastA; got != 100 {
			t.Errorf("after seq 50 and a malformed seq 101: a = %d, want 100", got)
		}
		_ = c.input(102, 0, 1, false)
		if !waitFor(3*time.Second, func() bool { return c.stats().lastA == 102 }) {
			t.Errorf("a = %d, want 102", c.stats().lastA)
		}
		c.mustOK(t, "time:sync", map[string]any{"t0": 1}, nil)

		// A reserved event name. netio/client refuses to send one
		// (ErrReservedEvent), so a raw WebSocket client sends it; the
		// contract says the server closes that connection.
		if err := c.s.Emit("disconnect", map[string]any{}); err != client.ErrReservedEvent {
			t.Errorf("netio/client sent a reserved event name: %v", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		raw, err := dialRaw(ctx, srv.URL, 0)
		if err != nil {
			t.Fatal(err)
		}
		pkt, _ := msgpack.Marshal(map[string]any{"type": 2, "nsp": "/", "data": []any{"disconnect", map[string]any{}}})
		if err := raw.write(2 /* binary */, pkt); err != nil {
			t.Fatal(err)
		}
		select {
		case <-raw.done:
		case <-time.After(5 * time.Second):
			t.Errorf("the server did not close a connection that sent the reserved event \"disconnect\"")
			raw.close()
		}

		during := float64(a.stats().received-r1) / time.Since(t1).Seconds()
		t.Logf("A's snapshot rate: %.1f/s before, %.1f/s during the abuse", base, during)
		if during < 0.8*base {
			t.Errorf("A's snapshot rate fell from %.1f/s to %.1f/s while another client misbehaved", base, during)
		}
		if !srv.Alive() {
			t.Fatal("the server exited")
		}
		a.mustOK(t, "time:sync", map[string]any{"t0": 2}, nil)
		a.stats().check(t, "a")
		c.stats().check(t, "the abuser")
	})
}
