package e2e

import (
	"context"
	"math"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/tickroom/tickroom/netio/client"
	"github.com/tickroom/tickroom/netio/engineio"
)

// TestSlowLink is the slow-link test, small-receive-buffer variant:
// a raw WebSocket client with a small SO_RCVBUF (set before connect) that
// takes bytes out of the kernel at a third of the rate its snapshot stream
// runs at unthrottled (measured first, on the same client, over 3 s). The
// server must skip states for it (latest-wins slot, a bounded unsent count)
// rather than queue them, so the age of the newest state it holds levels off
// at the link's own delay instead of growing by 2/3 of a tick per tick.
//
// Age at a moment = (latest tick applied by a normal client in the room) -
// (latest tick applied by the slow client), in ticks, sampled every 50 ms.
//
// The link's own delay is how long the bytes that can sit in the pipe take
// to drain at the throttled rate r: the kernel receive buffer R (read back
// with getsockopt), the unsent bytes the server lets the kernel hold before
// it holds back the snapshot slot U (engineio LatestMaxUnsent, 0 by default) and one
// snapshot frame F (the largest seen, plus the WebSocket header):
//
//	linkDelay = (R + U + F) / r        bound = 3 + ceil(linkDelay * 20 Hz) ticks
//
// That bound alone is loose (the kernel advertises less than R), so the
// test also checks that the age stops growing: its worst value in the last
// 3 s may exceed its worst value in seconds 4-7 by at most 1 s (20 ticks),
// where a server that queued every snapshot would add about 67 ticks (2/3 of
// 20 Hz over 5 s) and reach about 160 ticks by the end.
//
// The buffer asked for is 1024 bytes (Linux raises it to its minimum, 2304
// on this kernel), not 4096: 4096 becomes 8192, which at a third of a
// 10-player room's stream (~650 B/s) holds over 12 s of snapshots, so over
// a 12 s run a bounded age and an unbounded one look the same. With
// TICKROOM_E2E_RCVBUF=4096 the test runs with that buffer (and a run long
// enough for the pipe to fill).
func TestSlowLink(t *testing.T) {
	srv := startServer(t)
	const bots = 10
	rcvbuf := envInt("TICKROOM_E2E_RCVBUF", 1024)
	run := 12 * time.Second
	if rcvbuf > 1024 {
		run = time.Duration(rcvbuf/1024*6) * time.Second
	}
	var ps []*player
	for i := range bots {
		ps = append(ps, mustDial(t, srv.URL, client.TransportWebSocket, "bot"))
		if i == 0 {
			ps[0].mustSeat(t, "room:create", map[string]any{"mode": "arena", "maxPlayers": 32})
		} else {
			ps[i].mustSeat(t, "room:join", map[string]any{"roomId": ps[0].joined.Room.ID})
		}
	}
	ps[0].mustOK(t, "room:start", map[string]any{}, nil)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i, p := range ps {
		wg.Add(1)
		go func() { defer wg.Done(); p.steer(stop, 10, uint64(i)) }()
	}
	defer func() { close(stop); wg.Wait() }()
	ref := ps[0]

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	slow, err := dialRaw(ctx, srv.URL, rcvbuf)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.close()
	var j joined
	if ae, err := slow.request(ctx, "room:join", map[string]any{"roomId": ref.joined.Room.ID}, &j); err != nil || ae != nil {
		t.Fatalf("slow client join: %v %+v", err, ae)
	}
	slow.setPID(j.You.PlayerID)

	// The unthrottled stream rate of this player, on the wire.
	time.Sleep(time.Second)
	b0, s0 := slow.conn.total.Load(), slow.stats().received
	const measure = 3 * time.Second
	time.Sleep(measure)
	fullRate := float64(slow.conn.total.Load()-b0) / measure.Seconds()
	fullSnaps := float64(slow.stats().received-s0) / measure.Seconds()
	rate := int64(fullRate / 3)
	t.Logf("unthrottled: %.0f B/s, %.1f snapshots/s; throttling to %d B/s", fullRate, fullSnaps, rate)
	if rate < 100 {
		t.Fatalf("the stream is too thin to measure: %.0f B/s", fullRate)
	}
	slow.conn.rate.Store(rate)

	b1, st1 := slow.conn.total.Load(), slow.stats()
	var ages []float64
	var mid, late float64 // worst age in seconds 4-7 and in the last 3 s
	began := time.Now()
	tick := time.NewTicker(50 * time.Millisecond)
	for time.Since(began) < run {
		<-tick.C
		age := math.Max(0, float64(ref.stats().lastT)-float64(slow.stats().lastT))
		ages = append(ages, age)
		switch el := time.Since(began); {
		case el >= 4*time.Second && el < 7*time.Second:
			mid = math.Max(mid, age)
		case el >= run-3*time.Second:
			late = math.Max(late, age)
		}
	}
	tick.Stop()
	var line []int
	for i := 0; i < len(ages); i += 20 {
		line = append(line, int(ages[i]))
	}
	t.Logf("age each second: %v", line)
	st2 := slow.stats()
	got := float64(slow.conn.total.Load()-b1) / run.Seconds()

	R, U, F := slow.rcvbuf(), engineio.DefaultConfig().LatestMaxUnsent, slow.maxFrame()+4 // +4: WebSocket frame header
	linkDelay := float64(R+U+F) / float64(rate)
	bound := 3 + math.Ceil(linkDelay*tickRate)
	sort.Float64s(ages)
	maxAge, p50 := ages[len(ages)-1], ages[len(ages)/2]
	t.Logf("throttled %v: read %.0f B/s (%.0f%% of the stream), %d snapshots (%.1f/s), R=%d U=%d F=%d -> link delay %.2fs, bound %.0f ticks; age median %.0f, max %.0f ticks (queueing would reach ~%.0f)",
		run, got, 100*got/fullRate, st2.received-st1.received, float64(st2.received-st1.received)/run.Seconds(),
		R, U, F, linkDelay, bound, p50, maxAge, 2.0/3*tickRate*run.Seconds())
	if maxAge > bound {
		t.Errorf("the slow client's newest state got %.0f ticks old, bound %.0f", maxAge, bound)
	}
	t.Logf("worst age in seconds 4-7: %.0f ticks, in the last 3 s: %.0f ticks", mid, late)
	if late > mid+tickRate {
		t.Errorf("the slow client's age kept growing: worst %.0f ticks in seconds 4-7, %.0f in the last 3 s", mid, late)
	}
	if st2.received-st1.received < 5 {
		t.Errorf("the slow client got only %d snapshots in %v", st2.received-st1.received, run)
	}
	st2.check(t, "slow client")
	ref.stats().check(t, "reference client")
}
