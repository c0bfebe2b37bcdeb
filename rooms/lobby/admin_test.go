package lobby

import (
	"testing"
	"time"

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
