package rooms

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tickroom/tickroom/game"
)

// TestSlowPlayer is the slow-player test: in a 10-player arena room
// one player's connection stalls for 2 s while nine others play. The others
// keep getting one snapshot per tick, the tick never overruns, and when the
// slow connection drains it gets one delta (not a backlog), after which its
// mirror hashes equal to the server's view of it.
func TestSlowPlayer(t *testing.T) {
	for _, inFlight := range []bool{false, true} {
		name := "slot"
		if inFlight {
			name = "in-flight" // the writer blocks inside a write
		}
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rr, peers, seats := arenaRoom(t, 10, hashedConfig())
				slow := peers[9]
				seq := 0
				for range 20 {
					seq++
					steer(t, seats, seq, -1)
					tickOnce()
				}
				counts := make([]int, 10)
				for i, p := range peers {
					counts[i] = len(p.snaps())
				}
				lastBefore := slow.snaps()[counts[9]-1].t
				if inFlight {
					slow.StallInFlight()
				} else {
					slow.Stall()
				}
				for range 40 { // 2 s; the slow player keeps sending input too
					seq++
					steer(t, seats, seq, -1)
					tickOnce()
				}
				for i, p := range peers[:9] {
					if got := len(p.snaps()) - counts[i]; got != 40 {
						t.Errorf("player %d got %d snapshots in 2 s, want 40", i+1, got)
					}
				}
				st := rr.Stats()
				if st.Overruns != 0 || st.CatchUpSteps != 0 {
					t.Errorf("overruns %d, catch-up %d: the tick waited", st.Overruns, st.CatchUpSteps)
				}
				slow.Resume()
				got := slow.snaps()[counts[9]:]
				latest := peers[0].snaps()[len(peers[0].snaps())-1].t
				switch {
				case !inFlight && (len(got) != 1 || got[0].b != lastBefore || got[0].t != latest):
					t.Errorf("drained: %+v, want one delta t=%d b=%d", got, latest, lastBefore)
				case inFlight && (len(got) != 1 || got[0].b != lastBefore):
					// The write that blocked completes; the stale slot packet is dropped.
					t.Errorf("drained: %+v, want only the blocked write, b=%d", got, lastBefore)
				}
				tickOnce()
				got = slow.snaps()[counts[9]:]
				if n := len(got); got[n-1].t != latest+1 || got[n-1].b != got[n-2].t {
					t.Errorf("after draining: t=%d b=%d, want t=%d against t=%d", got[n-1].t, got[n-1].b, latest+1, got[n-2].t)
				}
				for _, p := range peers {
					checkChain(t, p) // every h matched the mirror
				}
				slow.mu.Lock()
				if h := slow.mirror.Hash(); h != got[len(got)-1].h {
					t.Errorf("slow mirror hash %#x, server view hash %#x", h, got[len(got)-1].h)
				}
				slow.mu.Unlock()
				if err := rr.stop(); err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}

// TestModePanicClosesOneRoom: a mode that panics in Step, in Input or in
// DecodeInput closes its room with room:closed {reason: "error"} and logs
// the stack, while another room keeps ticking.
func TestModePanicClosesOneRoom(t *testing.T) {
	for _, where := range []string{"Step", "Input", "DecodeInput"} {
		t.Run(where, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var logBuf bytes.Buffer
				cfg := DefaultConfig()
				cfg.Logger = slog.New(slog.NewTextHandler(&syncWriter{w: &logBuf}, nil))
				badMode, bh := newProbe(20)
				goodMode, _ := newProbe(20)
				bad := startRoom(t, badMode, &cfg)
				good := startRoom(t, goodMode, quietConfig())
				bp := newFakePeer("bad", probeSchema)
				gp := newFakePeer("good", probeSchema)
				bs := bad.mustJoin(t, 1, bp)
				good.mustJoin(t, 1, gp)
				tickOnce()
				bh.mu.Lock()
				switch where {
				case "Step":
					bh.panicStepAt = 5
				case "Input":
					bh.panicInput = true
				case "DecodeInput":
					bh.panicDecode = true
				}
				bh.mu.Unlock()
				bs.PushInput(input(t, map[string]any{"seq": 1}))
				tickOnce()
				tickOnce()
				tickOnce()
				var perr *PanicError
				select {
				case err := <-bad.err:
					if !errors.As(err, &perr) {
						t.Fatalf("Run returned %v, want a *PanicError", err)
					}
				default:
					t.Fatal("the panicking room is still running")
				}
				evs := bp.eventList()
				if len(evs) == 0 || evs[len(evs)-1].name != "room:closed" || evs[len(evs)-1].args[0].(map[string]any)["reason"] != "error" {
					t.Errorf("peer of the failed room got %v, want room:closed error", evs)
				}
				if log := logBuf.String(); !strings.Contains(log, "goroutine") || !strings.Contains(log, "boom") {
					t.Errorf("log has no stack: %q", log)
				}
				if _, err := bad.Join(context.Background(), game.Player{ID: 2}, newFakePeer("late", probeSchema)); !errors.Is(err, ErrClosed) {
					t.Errorf("join after failure: %v, want ErrClosed", err)
				}
				n := good.Stats().Ticks
				tickOnce()
				tickOnce()
				if good.Stats().Ticks != n+2 {
					t.Errorf("the other room stopped ticking")
				}
				checkChain(t, gp)
				if err := good.stop(); err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}

// TestMatchEnd: EndMatch sends the final state, then results, then the
// room closes with reason "ended" after EndedLinger.
func TestMatchEnd(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := hashedConfig()
		cfg.EndedLinger = time.Second
		mode, _ := newProbe(20)
		s, _ := mode.Configure(game.Options{})
		s.MatchTicks = 10
		r, err := NewRoom("m", mode, s, 1, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- r.Run(context.Background()) }()
		p := newFakePeer("p", probeSchema)
		if _, err := r.Join(context.Background(), game.Player{ID: 1}, p); err != nil {
			t.Fatal(err)
		}
		if err := r.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if r.Phase() != PhaseEnded {
			t.Fatalf("phase %v after the match length", r.Phase())
		}
		evs := p.eventList()
		if len(evs) != 1 || evs[0].name != "room:event" || evs[0].args[0].(map[string]any)["type"] != "results" {
			t.Errorf("events %v, want room:event results", evs)
		}
		n := len(p.snaps())
		time.Sleep(time.Second)
		synctest.Wait()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		evs = p.eventList()
		if evs[len(evs)-1].name != "room:closed" || evs[len(evs)-1].args[0].(map[string]any)["reason"] != "ended" {
			t.Errorf("last event %v, want room:closed ended", evs[len(evs)-1])
		}
		if len(p.snaps()) != n {
			t.Errorf("snapshots after the end")
		}
		checkChain(t, p)
	})
}

// syncWriter serializes writes to a buffer the test reads afterwards.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}
