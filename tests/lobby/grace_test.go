package lobby

import (
	"sync"
	"testing"
	"time"

	"github.com/tickroom/tickroom/internal/testhost"
	"github.com/tickroom/tickroom/netio/client"
	"github.com/tickroom/tickroom/rooms/lobby"
)

// recorder keeps the room:player events a client receives.
type recorder struct {
	mu  sync.Mutex
	evs []playerEvent
}

type playerEvent struct {
	Op     string `msgpack:"op"`
	Player struct {
		ID        uint32 `msgpack:"id"`
		Host      bool   `msgpack:"host"`
		Connected bool   `msgpack:"connected"`
	} `msgpack:"player"`
}

func record(s *client.Socket) *recorder {
	r := &recorder{}
	s.On("room:player", func(args client.Args, _ client.Ack) {
		var e playerEvent
		if args.Decode(0, &e) == nil {
			r.mu.Lock()
			r.evs = append(r.evs, e)
			r.mu.Unlock()
		}
	})
	return r
}

func (r *recorder) wait(t *testing.T, what string, pred func(playerEvent) bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		r.mu.Lock()
		for _, e := range r.evs {
			if pred(e) {
				r.mu.Unlock()
				return
			}
		}
		r.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no room:player %s", what)
}

type joined struct {
	OK   bool `msgpack:"ok"`
	Room struct {
		ID string `msgpack:"id"`
	} `msgpack:"room"`
	You struct {
		PlayerID  uint32 `msgpack:"playerId"`
		SeatToken string `msgpack:"seatToken"`
	} `msgpack:"you"`
	Error struct {
		Code string `msgpack:"code"`
	} `msgpack:"error"`
}

// TestGraceExpiry: the host disconnects; during grace its seat shows connected: false and it
// stays host; after grace the others get leave and a new host, and the token answers
// SEAT_EXPIRED. Once everybody is gone the room is disposed after EmptyTimeout, and not while a
// seat is in grace.
func TestGraceExpiry(t *testing.T) {
	hc := lobby.DefaultConfig()
	hc.Grace = 500 * time.Millisecond
	hc.EmptyTimeout = 300 * time.Millisecond
	host, url := startHostWith(t, hc)
	socks := dialN(t, url, 3)
	a, b, c := socks[0], socks[1], socks[2]
	rb := record(b)
	var ja, jb joined
	call(t, a, "room:create", map[string]any{"mode": "arena"}, &ja)
	call(t, b, "room:join", map[string]any{"roomId": ja.Room.ID}, &jb)
	a.Disconnect()
	rb.wait(t, "update connected=false", func(e playerEvent) bool {
		return e.Op == "update" && e.Player.ID == ja.You.PlayerID && !e.Player.Connected && e.Player.Host
	})
	rb.wait(t, "leave of the old host", func(e playerEvent) bool { return e.Op == "leave" && e.Player.ID == ja.You.PlayerID })
	rb.wait(t, "hand-over", func(e playerEvent) bool { return e.Op == "update" && e.Player.ID == jb.You.PlayerID && e.Player.Host })
	var re joined
	call(t, c, "room:rejoin", map[string]any{"seatToken": ja.You.SeatToken}, &re)
	if re.OK || re.Error.Code != "SEAT_EXPIRED" {
		t.Fatalf("rejoin after grace: %+v, want SEAT_EXPIRED", re)
	}
	// b's seat in grace keeps the room alive past EmptyTimeout.
	b.Disconnect()
	time.Sleep(400 * time.Millisecond)
	if st := host.Stats(); host.Rooms() != 1 || st.Rooms != 1 || st.Seats != 1 || st.Connected != 0 {
		t.Fatalf("a room whose seats are in grace was disposed, or stats wrong: %+v", st)
	}
	ticks := host.Stats().Totals.Ticks
	deadline := time.Now().Add(5 * time.Second)
	for host.Rooms() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the empty room was not disposed")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The disposed room's counters stay in the host's totals.
	if st := host.Stats(); st.Rooms != 0 || st.Seats != 0 || st.Totals.Ticks < ticks || st.Totals.Ticks == 0 {
		t.Fatalf("after disposal: %+v (ticks before %d)", st, ticks)
	}
}

func call(t *testing.T, s *client.Socket, event string, payload map[string]any, out any) {
	t.Helper()
	if !testhost.Ask(t, s, event, payload, out) {
		t.FailNow()
	}
}
