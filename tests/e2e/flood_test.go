package e2e

import (
	"testing"
	"time"

	"github.com/tickroom/tickroom/netio/client"
)

// TestInputFlood: a player sending 400 inputs a second (the contract's limit
// is 300/s for 3 s) gets notice {code: "RATE_LIMITED"} and is disconnected,
// while the other player in the room keeps its snapshot rate and hashes.
func TestInputFlood(t *testing.T) {
	srv := startServer(t)
	a := mustDial(t, srv.URL, client.TransportWebSocket, "calm")
	f := mustDial(t, srv.URL, client.TransportWebSocket, "flood")
	ja := a.mustSeat(t, "room:create", map[string]any{"mode": "arena"})
	f.mustSeat(t, "room:join", map[string]any{"roomId": ja.Room.ID})

	notice := make(chan string, 1)
	f.s.On("notice", func(args client.Args, _ client.Ack) {
		var v struct {
			Code string `msgpack:"code"`
		}
		_ = args.Decode(0, &v)
		select {
		case notice <- v.Code:
		default:
		}
	})
	gone := make(chan string, 1)
	f.s.OnDisconnect(func(reason string) {
		select {
		case gone <- reason:
		default:
		}
	})

	defer a.steering(20, 3)()

	before := a.stats().received
	start := time.Now()
	tick := time.NewTicker(time.Second / 400)
	defer tick.Stop()
	var code, reason string
flood:
	for seq := uint64(1); time.Since(start) < 10*time.Second; seq++ {
		select {
		case code = <-notice:
		case reason = <-gone:
			break flood
		case <-tick.C:
			_ = f.input(seq, 1, 0, false)
		}
	}
	if reason == "" {
		select {
		case reason = <-gone:
		case <-time.After(5 * time.Second):
		}
	}
	elapsed := time.Since(start)
	if code == "" {
		select {
		case code = <-notice:
		default:
		}
	}
	t.Logf("flooder: notice %q, disconnected (%q) after %v", code, reason, elapsed.Round(time.Millisecond))
	if code != "RATE_LIMITED" {
		t.Errorf("flooder got notice %q, want RATE_LIMITED", code)
	}
	if reason == "" {
		t.Fatal("the flooder was not disconnected")
	}
	// The calm player kept playing through it, and through the disconnect:
	// the room goroutine must not wait on the flooder's way out.
	time.Sleep(2 * time.Second)
	elapsed = time.Since(start)
	got := a.stats().received - before
	want := int(elapsed.Seconds() * tickRate * 0.8)
	if got < want {
		t.Errorf("calm player got %d snapshots in %v, want at least %d", got, elapsed, want)
	}
	a.stats().check(t, "calm")
}
