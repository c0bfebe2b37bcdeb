package lobby

import (
	"testing"
	"time"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/netio/client"
	"github.com/tickroom/tickroom/rooms"
)

// TestOperatorView: RoomStatuses, Room and CloseRoom show and close what is
// running; Requests counts answers by code; TickTimes grows with the ticks.
func TestOperatorView(t *testing.T) {
	cfg := DefaultConfig()
	if err := cfg.Modes.Register(shopMode{}); err != nil {
		t.Fatal(err)
	}
	h, url := serveHost(t, &cfg)
	a, b := dial(t, url), dial(t, url)
	red := map[string]any{"team": "red"}
	r := askReply(t, a, "room:create", map[string]any{"mode": "shop", "playerMeta": red})
	if !r.OK {
		t.Fatalf("create: %+v", r)
	}
	askReply(t, b, "room:join", map[string]any{"roomId": "nope"})
	askReply(t, b, "room:join", map[string]any{"roomId": r.Room.ID, "playerMeta": red})
	for range 3 {
		_ = a.Emit("input", map[string]any{"seq": 1})
	}
	time.Sleep(300 * time.Millisecond)

	st := h.RoomStatuses()
	if len(st) != 1 || st[0].Info.ID != r.Room.ID || st[0].Info.Players != 2 || st[0].Connected != 2 || st[0].Stats.Ticks == 0 {
		t.Fatalf("RoomStatuses: %+v", st)
	}
	if st[0].TickTimes.Count() == 0 || h.TickTimes().Count() < st[0].TickTimes.Count() {
		t.Fatalf("tick times: room %d, host %d", st[0].TickTimes.Count(), h.TickTimes().Count())
	}
	d, err := h.Room(t.Context(), r.Room.ID)
	if err != nil || len(d.Players) != 2 || !d.Players[0].Host || d.Players[0].Inputs != 3 || d.Players[0].Snapshots == 0 || d.Players[1].Bytes == 0 {
		t.Fatalf("Room: %+v, %v", d, err)
	}
	if _, err := h.Room(t.Context(), "nope"); err != ErrNoRoom {
		t.Fatalf("an unknown room: %v", err)
	}
	codes := map[string]map[string]uint64{}
	for _, rep := range h.Requests() {
		codes[rep.Event] = rep.Results
	}
	if codes["room:create"]["OK"] != 1 || codes["room:join"]["OK"] != 1 || codes["room:join"][CodeRoomNotFound] != 1 {
		t.Fatalf("request counts: %v", codes)
	}

	closed := make(chan string, 1)
	b.On("room:closed", func(args client.Args, _ client.Ack) {
		var ev struct {
			Reason string `msgpack:"reason"`
		}
		_ = args.Decode(0, &ev)
		closed <- ev.Reason
	})
	if err := h.CloseRoom(t.Context(), r.Room.ID, rooms.CloseShutdown); err != nil {
		t.Fatal(err)
	}
	select {
	case reason := <-closed:
		if reason != "shutdown" {
			t.Fatalf("closed: %q", reason)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no room:closed after CloseRoom")
	}
}

// slowByeMode is shopMode whose games take their time to let go when
// their room closes (Dispose), so the room's goroutine lingers after its
// players were told room:closed.
type slowByeMode struct{ shopMode }

func (slowByeMode) Name() string { return "slowbye" }
func (m slowByeMode) New(c *game.Context) game.Game {
	return slowByeGame{m.shopMode.New(c).(*shopGame)}
}

type slowByeGame struct{ *shopGame }

func (slowByeGame) Dispose(string) { time.Sleep(300 * time.Millisecond) }

// TestOutOfTheRoomOnClosed: a client that asks for a seat as soon as it
// hears room:closed is in no room any more (the lobby lets it go before the
// event goes out, not when the room's goroutine has ended), whether the
// room was closed or the match ended.
func TestOutOfTheRoomOnClosed(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Room.EndedLinger = 50 * time.Millisecond
	if err := cfg.Modes.Register(slowByeMode{}); err != nil {
		t.Fatal(err)
	}
	h, url := serveHost(t, &cfg)
	red := map[string]any{"team": "red"}
	for _, how := range []string{"closed by an operator", "match ended"} {
		a, b := dial(t, url), dial(t, url)
		again := make(chan reply, 1)
		a.On("room:closed", func(client.Args, client.Ack) {
			// On the client's reader: ask at once, answer later.
			_ = a.EmitWithAck("room:create", func(args client.Args, err error) {
				var r reply
				if err == nil {
					_ = args.Decode(0, &r)
				}
				again <- r
			}, map[string]any{"mode": "slowbye", "playerMeta": red})
		})
		// A quickjoin room starts when its second player comes; its match lasts 10 ticks.
		q := map[string]any{"mode": "slowbye", "meta": map[string]any{"case": how}, "playerMeta": red}
		r := askReply(t, a, "room:quickjoin", q)
		if !r.OK {
			t.Fatalf("%s: quickjoin: %+v", how, r)
		}
		if how == "closed by an operator" {
			if err := h.CloseRoom(t.Context(), r.Room.ID, rooms.CloseShutdown); err != nil {
				t.Fatal(err)
			}
		} else if j := askReply(t, b, "room:quickjoin", q); !j.OK {
			t.Fatalf("%s: second quickjoin: %+v", how, j)
		}
		select {
		case r := <-again:
			if !r.OK {
				t.Fatalf("%s: a create sent on room:closed: %+v", how, r)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: no room:closed", how)
		}
	}
}
