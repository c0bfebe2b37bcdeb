package game

import (
	"errors"
	"slices"
	"testing"
)

// TestTimers: After and Every fire on the right ticks, due ones in the order they fall due and
// then in the order they were set; Stop cancels; a timer set while firing waits for a later tick.
func TestTimers(t *testing.T) {
	var ts Timers
	var got []string
	note := func(s string) func() { return func() { got = append(got, s) } }
	ts.After(3, note("a3"))
	ts.After(1, note("b1"))
	every := ts.Every(2, note("e"))
	ts.After(3, note("c3")) // same tick as a3, set later: after it
	ts.After(0, note("z1")) // 0 counts as 1
	stopped := ts.After(2, note("never"))
	if !stopped.Stop() || stopped.Stop() {
		t.Fatal("Stop: want true once, then false")
	}
	var ticks [][]string
	for tick := uint64(1); tick <= 6; tick++ {
		got = nil
		ts.Fire(tick)
		if tick == 4 {
			ts.After(1, note("late5"))
			ts.After(0, note("late5b"))
		}
		ticks = append(ticks, got)
	}
	want := [][]string{{"b1", "z1"}, {"e"}, {"a3", "c3"}, {"e"}, {"late5", "late5b"}, {"e"}}
	for i := range want {
		if !slices.Equal(ticks[i], want[i]) {
			t.Fatalf("tick %d fired %v, want %v (all: %v)", i+1, ticks[i], want[i], ticks)
		}
	}
	if !every.Stop() || ts.Pending() != 0 {
		t.Fatalf("after stopping the repeating timer: %d pending", ts.Pending())
	}
	// A timer set from a running timer for the same tick runs in the next one.
	ts.After(1, func() { ts.After(1, note("chained")) })
	got = nil
	ts.Fire(7)
	ts.Fire(8)
	if !slices.Equal(got, []string{"chained"}) {
		t.Fatalf("chained: %v", got)
	}
	// Clear drops everything.
	ts.Every(1, note("x"))
	ts.Clear()
	got = nil
	ts.Fire(9)
	if len(got) != 0 || ts.Pending() != 0 {
		t.Fatalf("after Clear: fired %v, %d pending", got, ts.Pending())
	}
}

// TestTimerStopsItself: a repeating timer that stops itself while running fires no more.
func TestTimerStopsItself(t *testing.T) {
	var ts Timers
	n := 0
	var tm *Timer
	tm = ts.Every(1, func() {
		n++
		if n == 2 {
			tm.Stop()
		}
	})
	for tick := uint64(1); tick <= 5; tick++ {
		ts.Fire(tick)
	}
	if n != 2 {
		t.Fatalf("fired %d times, want 2", n)
	}
}

func TestMessages(t *testing.T) {
	var ms Messages
	if _, err := ms.Dispatch(Message{Type: "x"}); !errors.Is(err, ErrNoHandler) {
		t.Fatalf("no handler: %v", err)
	}
	ms.Handle("buy", func(m Message) (any, error) {
		var req struct {
			Item string `msgpack:"item"`
		}
		if err := m.Decode(&req); err != nil {
			return nil, err
		}
		if req.Item != "sword" {
			return nil, errors.New("sold out")
		}
		return map[string]any{"from": uint32(m.From), "item": req.Item}, nil
	})
	if !ms.Has("buy") || ms.Has("sell") {
		t.Fatal("Has")
	}
	// {"item": "sword"} and {"item": "shield"} as canonical msgpack.
	sword := []byte("\x81\xa4item\xa5sword")
	shield := []byte("\x81\xa4item\xa6shield")
	rep, err := ms.Dispatch(Message{From: 7, Type: "buy", Data: sword})
	if err != nil || rep.(map[string]any)["item"] != "sword" {
		t.Fatalf("buy sword: %v %v", rep, err)
	}
	if _, err := ms.Dispatch(Message{From: 7, Type: "buy", Data: shield}); err == nil || err.Error() != "sold out" {
		t.Fatalf("buy shield: %v", err)
	}
	if _, err := ms.Dispatch(Message{Type: "buy"}); !errors.Is(err, ErrBadInput) {
		t.Fatalf("no data: %v", err)
	}
}
