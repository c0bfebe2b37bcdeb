package rooms

import (
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

// tickOnce lets the room run the next tick (20 Hz) and settle.
func tickOnce() {
	time.Sleep(50 * time.Millisecond)
	synctest.Wait()
}

func TestInputsSeqOrderAndDuplicates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mode, h := newProbe(20)
		rr := startRoom(t, mode, quietConfig())
		peer := newFakePeer("p1", probeSchema)
		seat := rr.mustJoin(t, 1, peer)
		tickOnce()
		for _, seq := range []int{3, 1, 2} {
			seat.PushInput(input(t, map[string]any{"seq": seq}))
		}
		tickOnce()
		if got := h.appliedOf(1); !slices.Equal(got, []uint64{1, 2, 3}) {
			t.Fatalf("applied %v, want [1 2 3]", got)
		}
		if s := peer.snaps(); s[len(s)-1].a != 3 {
			t.Errorf("a = %d after applying 1..3, want 3", s[len(s)-1].a)
		}
		// 3 again (duplicate of the last applied), 2 (stale), 5, 4, 5 again.
		for _, seq := range []int{3, 2, 5, 4, 5} {
			seat.PushInput(input(t, map[string]any{"seq": seq}))
		}
		tickOnce()
		if got := h.appliedOf(1); !slices.Equal(got, []uint64{1, 2, 3, 4, 5}) {
			t.Fatalf("applied %v, want [1 2 3 4 5]", got)
		}
		st := rr.Stats()
		if st.InputsApplied != 5 || st.InputsDuplicate != 2 || st.InputsStale != 1 {
			t.Errorf("applied %d, duplicate %d, stale %d; want 5, 2, 1", st.InputsApplied, st.InputsDuplicate, st.InputsStale)
		}
		if s := peer.snaps(); s[len(s)-1].a != 5 {
			t.Errorf("a = %d, want 5", s[len(s)-1].a)
		}
		peer.check(t)
		if err := rr.stop(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestInputQueueKeepsNewest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mode, h := newProbe(20)
		cfg := quietConfig()
		cfg.InputRate, cfg.InputBurst = 1e6, 1e6 // the queue, not the bucket, limits here
		rr := startRoom(t, mode, cfg)
		seat := rr.mustJoin(t, 1, newFakePeer("p1", probeSchema))
		tickOnce()
		for seq := 1; seq <= 100; seq++ {
			seat.PushInput(input(t, map[string]any{"seq": seq}))
		}
		tickOnce()
		got := h.appliedOf(1)
		if len(got) != 64 || got[0] != 37 || got[63] != 100 {
			t.Errorf("applied %d inputs %v..., want the newest 64 (37..100)", len(got), got[:min(3, len(got))])
		}
		if st := rr.Stats(); st.InputsQueueFull != 36 || st.InputsApplied != 64 {
			t.Errorf("queue-full drops %d, applied %d; want 36, 64", st.InputsQueueFull, st.InputsApplied)
		}
		if err := rr.stop(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestInputTokenBucket(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mode, h := newProbe(20)
		cfg := quietConfig()
		cfg.InputQueue = 1000
		rr := startRoom(t, mode, cfg)
		seat := rr.mustJoin(t, 1, newFakePeer("p1", probeSchema))
		tickOnce()
		seq := 0
		push := func(n int) {
			for range n {
				seq++
				seat.PushInput(input(t, map[string]any{"seq": seq}))
			}
		}
		push(100) // at one instant: the burst of 30 passes
		tickOnce()
		if st := rr.Stats(); st.InputsApplied != 30 || st.InputsRateLimited != 70 {
			t.Fatalf("burst: applied %d, rate-limited %d; want 30, 70", st.InputsApplied, st.InputsRateLimited)
		}
		time.Sleep(time.Second) // refills 60, capped at the burst of 30
		push(100)
		tickOnce()
		if st := rr.Stats(); st.InputsApplied != 60 || st.InputsRateLimited != 140 {
			t.Fatalf("after 1 s: applied %d, rate-limited %d; want 60, 140", st.InputsApplied, st.InputsRateLimited)
		}
		// Sustained: 120/s for 2 s passes 60/s (plus what is left of the burst).
		before := rr.Stats().InputsApplied
		for range 240 {
			push(1)
			time.Sleep(time.Second / 120)
		}
		tickOnce()
		if got := rr.Stats().InputsApplied - before; got < 120 || got > 151 {
			t.Errorf("120/s for 2 s: %d applied, want 120..151", got)
		}
		if got := h.appliedOf(1); !slices.IsSorted(got) {
			t.Errorf("applied seqs not ascending")
		}
		if err := rr.stop(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestInputFloodDisconnects(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mode, _ := newProbe(20)
		rr := startRoom(t, mode, quietConfig())
		flooder := newFakePeer("flooder", probeSchema)
		steady := newFakePeer("steady", probeSchema)
		fs := rr.mustJoin(t, 1, flooder)
		ss := rr.mustJoin(t, 2, steady)
		tickOnce()
		start := time.Now()
		var closedAt time.Duration
		for i := 1; i <= 1600; i++ { // 400/s for 4 s; 250/s is not a flood
			fs.PushInput(input(t, map[string]any{"seq": i}))
			if i%8 < 5 {
				ss.PushInput(input(t, map[string]any{"seq": i}))
			}
			time.Sleep(time.Second / 400)
			if closedAt == 0 {
				flooder.mu.Lock()
				if flooder.closed != "" {
					closedAt = time.Since(start)
				}
				flooder.mu.Unlock()
			}
		}
		synctest.Wait()
		if closedAt < 2*time.Second || closedAt > 3*time.Second+100*time.Millisecond {
			t.Errorf("flooder closed after %v, want within the third second", closedAt)
		}
		evs := flooder.eventList()
		if len(evs) == 0 || evs[len(evs)-1].name != "notice" || evs[len(evs)-1].args[0].(map[string]any)["code"] != "RATE_LIMITED" {
			t.Errorf("flooder's last event %v, want notice RATE_LIMITED", evs)
		}
		steady.mu.Lock()
		if steady.closed != "" {
			t.Errorf("a 250/s sender was disconnected")
		}
		steady.mu.Unlock()
		if st := rr.Stats(); st.Floods != 1 {
			t.Errorf("floods %d, want 1", st.Floods)
		}
		// The flooder's seat is dropped: no snapshot after the disconnect.
		n := len(flooder.snaps())
		tickOnce()
		tickOnce()
		if len(flooder.snaps()) != n {
			t.Errorf("snapshots kept flowing to a disconnected flooder")
		}
		if err := rr.stop(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestInputMalformed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mode, h := newProbe(20)
		rr := startRoom(t, mode, quietConfig())
		seat := rr.mustJoin(t, 1, newFakePeer("p1", probeSchema))
		tickOnce()
		bad := [][]byte{
			{0x93, 1, 2, 3}, // not a map
			{0xc1},          // not msgpack
			{},              // nothing
			input(t, map[string]any{"x": 1}),
			input(t, map[string]any{"seq": 0}),
			input(t, map[string]any{"seq": -1}),
			input(t, map[string]any{"seq": 1.5}),
			input(t, map[string]any{"seq": "1"}),
			input(t, map[string]any{"seq": uint64(1) << 53}),
			input(t, map[string]any{"seq": nil}),
			input(t, map[string]any{"seq": 1, "bad": true}), // DecodeInput refuses it
		}
		for _, b := range bad {
			seat.PushInput(b)
		}
		seat.PushInput(input(t, map[string]any{"seq": 2.0})) // an integral float is fine
		seat.PushInput(input(t, map[string]any{"seq": uint64(1)<<53 - 1}))
		tickOnce()
		if st := rr.Stats(); st.InputsMalformed != uint64(len(bad)) || st.InputsApplied != 2 {
			t.Errorf("malformed %d, applied %d; want %d, 2", st.InputsMalformed, st.InputsApplied, len(bad))
		}
		if got := h.appliedOf(1); !slices.Equal(got, []uint64{2, 1<<53 - 1}) {
			t.Errorf("applied %v", got)
		}
		if err := rr.stop(); err != nil {
			t.Fatal(err)
		}
	})
}
