package cluster

import (
	"errors"
	"testing"
	"time"

	"github.com/tickroom/tickroom/rooms/lobby"
)

// TestBusLoss: with the bus paused and then gone, a node is not ready,
// fails requests for other nodes at once, keeps adding and updating its
// own rooms, and places quickjoins itself; when the bus is back (same port,
// same store) it is ready again and the other nodes list its rooms as they
// are now, those made meanwhile included.
func TestBusLoss(t *testing.T) {
	bus := startBus(t)
	a, b := startNode(t, bus.URL), startNode(t, bus.URL)
	host := &fakeHost{fn: func(_ int, req *lobby.RemoteRequest) (*lobby.Joined, error) { return joinedFor(req), nil }}
	if err := b.Serve(host); err != nil {
		t.Fatal(err)
	}
	info := newInfo("arena", 1)
	l, _ := a.Add(info)
	eventually(t, time.Second, "the room on b", func() bool { _, ok := b.Get(info.ID); return ok })

	bus.Pause()
	eventually(t, 2*time.Second, "a not ready with the bus paused", func() bool { return !a.Ready() })
	start := time.Now()
	if _, err := a.Send(t.Context(), b.ID(), &lobby.RemoteRequest{ID: "r1"}); !errors.Is(err, lobby.ErrUnavailable) || time.Since(start) > 100*time.Millisecond {
		t.Fatalf("send with the bus down: %v after %v", err, time.Since(start))
	}
	if q := a.QuickjoinNode("arena", nil); q != "" {
		t.Fatalf("quickjoin placed on %s with the bus down", q)
	}
	if c := a.CreateNode(); c != "" {
		t.Fatalf("create placed on %s with the bus down", c)
	}
	bus.Kill()
	next := *info
	next.Players = 5
	l.Update(&next) // never waits
	during := newInfo("arena", 2)
	if _, err := a.Add(during); err != nil || len(during.Code) != 6 {
		t.Fatalf("add with the bus down: %v %q", err, during.Code)
	}
	if _, ok := a.Get(during.ID); !ok {
		t.Fatal("own room made with the bus down not found")
	}
	time.Sleep(1500 * time.Millisecond) // past the TTL: a and b see each other as dead
	if _, ok := b.Get(info.ID); ok {
		t.Fatal("a's room still on b after the TTL without the bus")
	}

	bus.Restart(t)
	back := time.Now()
	eventually(t, 10*time.Second, "a ready again", a.Ready)
	eventually(t, 5*time.Second, "a's rooms on b as they are now", func() bool {
		e, ok := b.Get(info.ID)
		e2, ok2 := b.Get(during.ID)
		return ok && ok2 && e.Info.Players == 5 && e2.Info.Code == during.Code
	})
	t.Logf("healed %v after the bus came back", time.Since(back))
	if _, err := a.Send(t.Context(), b.ID(), &lobby.RemoteRequest{ID: "r2", Mode: "arena"}); err != nil {
		t.Fatalf("send after the bus came back: %v", err)
	}
}
