package ops

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/tickroom/tickroom/internal/testscrape"
)

// TestMetricsSession scrapes /metrics with Prometheus' own text parser before, during and
// after a real 3-player arena session over the npm socket.io-client (tests/node/ops
// session.mjs), and checks that each metric moved as the session says it should: rooms and
// players, connections by transport, a handshake refused for its auth, ticks and tick times,
// snapshots sent (about players x 20 Hz x seconds), full and skipped, bytes both ways, inputs
// by outcome, requests by event and code with their latency, and one slow client (a polling
// player that never polls again while the host chats) disconnected by its reason.
func TestMetricsSession(t *testing.T) {
	srv, admin := startServer(t, "-chat-rate", "-1", "-outbox-bytes", "65536")
	metrics := admin + "/metrics"
	before := testscrape.Get(t, metrics, "")
	const seconds = 4
	node := startNode(t, "ops/session.mjs", srv.URL, 90*time.Second, "SESSION_SECONDS="+strconv.Itoa(seconds))
	roomID := node.line("ROOM ", 30*time.Second)
	stallPolling(t, srv.URL, roomID)
	var room struct {
		Players []struct{ Connected bool }
	}
	waitJSON(t, admin+"/admin/api/rooms/"+roomID, &room, func() bool { return len(room.Players) == 4 })

	during := testscrape.Get(t, metrics, "")
	expect(t, during, "tickroom_connections", 3, 3, "transport", "websocket")
	expect(t, during, "tickroom_connections", 1, 1, "transport", "polling")
	expect(t, during, "tickroom_players", 4, 4, "state", "connected")
	expect(t, during, "tickroom_rooms", 1, 1, "mode", "arena", "phase", "playing")

	t0 := time.Now()
	node.send("GO")
	var done struct {
		Snapshots []float64
		Seconds   float64
		Inputs    []float64
	}
	if err := json.Unmarshal([]byte(node.line("DONE ", 60*time.Second)), &done); err != nil {
		t.Fatal(err)
	}
	node.wait(30 * time.Second)
	var after testscrape.Families
	deadline := time.Now().Add(10 * time.Second)
	for { // the disconnects reach the server
		after = testscrape.Get(t, metrics, "")
		if after.Sum("tickroom_players", "state", "connected") == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	window := time.Since(t0).Seconds() + 1 // between the scrapes around the session, roughly
	d := func(name string, labels ...string) float64 {
		return after.Sum(name, labels...) - before.Sum(name, labels...)
	}
	t.Logf("session: %+v; window %.1f s", done, window)

	// Rooms and players: the room plays on, its four seats wait in their grace period.
	expect(t, after, "tickroom_rooms", 1, 1, "mode", "arena", "phase", "playing")
	expect(t, after, "tickroom_players", 0, 0, "state", "connected")
	expect(t, after, "tickroom_players", 4, 4, "state", "grace")
	expect(t, after, "tickroom_connections", 0, 0)
	expectDelta(t, d, "tickroom_connections_refused_total", 1, 1, "reason", "bad_auth")
	expectDelta(t, d, "tickroom_connections_refused_total", 1, 1) // that one only

	// Ticks: 20 a second in one room.
	lo, hi := 0.8*20*done.Seconds, 20*(window+float64(seconds))+5
	expectDelta(t, d, "tickroom_ticks_total", lo, hi)
	expectDelta(t, d, "tickroom_tick_duration_seconds", lo, hi) // a histogram: its count
	expectDelta(t, d, "tickroom_tick_overruns_total", 0, 20)

	// Snapshots: each player received about 20 a second; the server wrote at least what they
	// received; the stalled player's were replaced before they could be written.
	received := done.Snapshots[0] + done.Snapshots[1] + done.Snapshots[2]
	if received < 0.8*3*20*done.Seconds {
		t.Errorf("players received %v snapshots in %.1f s, want about 3 x 20 x seconds", done.Snapshots, done.Seconds)
	}
	expectDelta(t, d, "tickroom_snapshots_sent_total", received, 3*20*(window+float64(seconds))+20)
	expectDelta(t, d, "tickroom_snapshots_full_total", 4, 200) // the stalled player gets full states: no baseline of its was written
	expectDelta(t, d, "tickroom_snapshots_skipped_total", 10, 1e9, "reason", "replaced")
	expectDelta(t, d, "tickroom_snapshot_bytes_total", 10*received, 1e12)
	expectDelta(t, d, "tickroom_bytes_sent_total", 10*received, 1e12, "transport", "websocket")
	expectDelta(t, d, "tickroom_bytes_received_total", 10*(done.Inputs[0]+done.Inputs[1]+done.Inputs[2]), 1e12, "transport", "websocket")
	expectDelta(t, d, "tickroom_bytes_received_total", 40, 1e6, "transport", "polling")

	// Inputs by outcome.
	expectDelta(t, d, "tickroom_inputs_total", 0.5*3*20*done.Seconds, 1e6, "outcome", "applied")
	expectDelta(t, d, "tickroom_inputs_total", 1, 1, "outcome", "malformed")
	expectDelta(t, d, "tickroom_inputs_total", 1, 2, "outcome", "late")
	expectDelta(t, d, "tickroom_inputs_total", 50, 100, "outcome", "rate_limited")

	// Requests by event and code, with their latency.
	expectDelta(t, d, "tickroom_requests_total", 1, 1, "event", "room:create", "code", "OK")
	expectDelta(t, d, "tickroom_requests_total", 3, 3, "event", "room:join", "code", "OK")
	expectDelta(t, d, "tickroom_requests_total", 1, 1, "event", "room:start", "code", "OK")
	expectDelta(t, d, "tickroom_requests_total", 300, 300, "event", "room:chat", "code", "OK")
	expectDelta(t, d, "tickroom_request_duration_seconds", 300, 300, "event", "room:chat")

	// Disconnects: the stalled player as a slow client, the three by their own disconnect.
	expectDelta(t, d, "tickroom_disconnects_total", 1, 1, "reason", "slow_client")
	expectDelta(t, d, "tickroom_disconnects_total", 5, 5) // the refused handshake's connection too
	expectDelta(t, d, "tickroom_panics_recovered_total", 0, 0)
	expectDelta(t, d, "tickroom_input_flood_disconnects_total", 0, 0)
	expect(t, after, "tickroom_ready", 1, 1)
	expect(t, after, "tickroom_draining", 0, 0)
}

// expect checks that metric name (summed over the samples with labels) is within [lo, hi].
func expect(t *testing.T, f testscrape.Families, name string, lo, hi float64, labels ...string) {
	t.Helper()
	if !f.Has(name) {
		t.Errorf("no metric %s", name)
		return
	}
	if v := f.Sum(name, labels...); v < lo || v > hi {
		t.Errorf("%s%v = %v, want within [%v, %v]", name, labels, v, lo, hi)
	}
}

// expectDelta checks that metric name moved by [lo, hi] between the scrapes of d.
func expectDelta(t *testing.T, d func(string, ...string) float64, name string, lo, hi float64, labels ...string) {
	t.Helper()
	if v := d(name, labels...); v < lo || v > hi {
		t.Errorf("%s%v grew by %v, want within [%v, %v]", name, labels, v, lo, hi)
	}
}

// waitJSON polls url into v until ok.
func waitJSON(t *testing.T, url string, v any, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, body := httpGet(t, url)
		if code == 200 && json.Unmarshal([]byte(body), v) == nil && ok() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: %d %s", url, code, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
