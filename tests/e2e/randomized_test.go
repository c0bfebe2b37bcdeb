package e2e

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// TestRandomized is the long test: TICKROOM_E2E_CLIENTS Go clients
// (default 50) in arena rooms of 10 for TICKROOM_E2E_SECONDS (default 60),
// transports mixed (client i uses websocket, polling or polling-then-upgrade
// by i mod 3). Each client steers at random (~14 inputs/s, occasional
// boost), stalls now and then (its snapshot handler blocks for 0.5-2 s, so
// its connection stops being read), asks for room:resync now and then, and
// now and then has its connection cut and rejoins with its seat token from a
// new connection, continuing its seq above `a` of the first snapshot. Every
// snapshot carries `h`: the test wants zero hash mismatches, zero decode
// errors, zero baseline violations, a full state after every rejoin and
// resync, and at the end every client's `a` equal to its last seq.
func TestRandomized(t *testing.T) {
	n := envInt("TICKROOM_E2E_CLIENTS", 50)
	run := time.Duration(envInt("TICKROOM_E2E_SECONDS", 60)) * time.Second
	srv := startServer(t)

	type bot struct {
		i                        int
		p                        *player
		token                    string
		total                    stats
		stalls, rejoins, resyncs int
		fails                    []string
	}
	bots := make([]*bot, n)
	var roomIDs []string
	for i := range bots {
		tr := transports[i%len(transports)].tr
		p, err := dial(t.Context(), srv.URL, tr, fmt.Sprintf("bot-%d", i))
		if err != nil {
			t.Fatalf("dial bot %d: %v", i, err)
		}
		b := &bot{i: i, p: p}
		bots[i] = b
		t.Cleanup(func() { b.p.close() })
		if i%10 == 0 {
			j := p.mustSeat(t, "room:create", map[string]any{"mode": "arena"})
			roomIDs = append(roomIDs, j.Room.ID)
		} else {
			p.mustSeat(t, "room:join", map[string]any{"roomId": roomIDs[len(roomIDs)-1]})
		}
		b.token = p.joined.You.SeatToken
	}
	for i := 0; i < n; i += 10 {
		bots[i].p.mustOK(t, "room:start", map[string]any{}, nil)
	}

	deadline := time.Now().Add(run)
	var wg sync.WaitGroup
	for _, b := range bots {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(b.i), 99))
			failf := func(format string, args ...any) {
				if len(b.fails) < 5 {
					b.fails = append(b.fails, fmt.Sprintf(format, args...))
				}
			}
			var x, y float64
			for step := 0; time.Now().Before(deadline); step++ {
				time.Sleep(50 * time.Millisecond)
				if step%20 == 0 {
					a := rng.Float64() * 2 * math.Pi
					x, y = math.Cos(a), math.Sin(a)
				}
				if rng.Float64() < 0.7 {
					_ = b.p.input(b.p.seq.Add(1), x, y, rng.Float64() < 0.02)
				}
				switch r := rng.Float64(); {
				case r < 1.0/(20*12): // a stall about every 12 s
					d := time.Duration(500+rng.IntN(1500)) * time.Millisecond
					b.stalls++
					b.p.stall.Store(time.Now().Add(d).UnixNano())
					time.Sleep(d)
				case r < 1.0/(20*12)+1.0/(20*20): // a cut and rejoin about every 20 s
					b.rejoins++
					b.total.add(b.p.stats())
					b.p.close()
					time.Sleep(time.Duration(100+rng.IntN(900)) * time.Millisecond)
					p, err := dial(t.Context(), srv.URL, b.p.tr, fmt.Sprintf("bot-%d", b.i))
					if err != nil {
						failf("redial: %v", err)
						return
					}
					old := b.p
					b.p = p
					ae, err := p.seat("room:rejoin", map[string]any{"seatToken": b.token})
					if err != nil || ae != nil {
						failf("rejoin: %v %+v", err, ae)
						return
					}
					if p.joined.You.PlayerID != old.joined.You.PlayerID || p.joined.You.SeatToken == b.token {
						failf("rejoin gave seat %d token %q (was %d)", p.joined.You.PlayerID, p.joined.You.SeatToken, old.joined.You.PlayerID)
					}
					b.token = p.joined.You.SeatToken
					if !waitFor(5*time.Second, func() bool { _, ok := p.firstSnapshot(); return ok }) {
						failf("no snapshot within 5 s of a rejoin")
						return
					}
					first, _ := p.firstSnapshot()
					if first.B != 0 {
						failf("first snapshot after rejoin has b=%d", first.B)
					}
					p.seq.Store(first.A)
				case r < 1.0/(20*12)+1.0/(20*20)+1.0/(20*30): // a resync about every 30 s
					b.resyncs++
					before := b.p.stats().full
					if ae, err := b.p.request("room:resync", map[string]any{}, nil); err != nil || ae != nil {
						failf("resync: %v %+v", err, ae)
						continue
					}
					if !waitFor(3*time.Second, func() bool { return b.p.stats().full > before }) {
						failf("no full snapshot within 3 s of room:resync")
					}
				}
			}
			last := b.p.seq.Load()
			if !waitFor(3*time.Second, func() bool { return b.p.stats().lastA == last }) {
				failf("at the end a = %d, last seq sent %d", b.p.stats().lastA, last)
			}
		}()
	}
	wg.Wait()
	if !srv.Alive() {
		t.Fatal("the server exited")
	}

	var all stats
	var stalls, rejoins, resyncs, failed int
	for _, b := range bots {
		b.total.add(b.p.stats())
		all.add(b.total)
		stalls += b.stalls
		rejoins += b.rejoins
		resyncs += b.resyncs
		if len(b.fails) > 0 {
			failed++
			t.Errorf("bot %d (%v): %q", b.i, b.p.tr, b.fails)
		}
		if b.total.hashed == 0 {
			t.Errorf("bot %d saw no hashed snapshot", b.i)
		}
	}
	t.Logf("%d clients in %d rooms for %v: %d snapshots (%d full, %d hashed, %.1f MB), %d stalls, %d rejoins, %d resyncs; %d hash mismatches, %d decode errors, %d rule violations",
		n, len(roomIDs), run, all.received, all.full, all.hashed, float64(all.bytes)/1e6, stalls, rejoins, resyncs, all.mismatches, all.decodeErrs, all.ruleErrs)
	if all.mismatches+all.decodeErrs+all.ruleErrs+all.aDown > 0 {
		t.Errorf("%d hash mismatches, %d decode errors, %d rule violations, a went down %d times; first: %q",
			all.mismatches, all.decodeErrs, all.ruleErrs, all.aDown, all.errs)
	}
}
