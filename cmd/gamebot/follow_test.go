package main

import (
	"testing"

	"github.com/tickroom/tickroom/game/arena"
)

// TestFollowSeat: a Joined with url, a seat on another node of a cluster, is followed. Half
// the bots connect through a proxy that adds the server's own URL to every Joined, as a node
// that does not hold the seat answers; they connect to that URL, rejoin there with the
// Joined's token and play on, with the same checks as the bots that connected to the server
// itself and did not move.
func TestFollowSeat(t *testing.T) {
	backend := startTickroom(t, arena.Mode{})
	front := lyingProxy(t, backend, func(j map[string]any) { j["url"] = backend })
	code, out := runGamebot(t, "--urls", front+","+backend, "--bots", "6", "--duration", "3s", "--json")
	rep := decodeReport(t, out)
	if code != exitOK {
		t.Errorf("exit %d, broken: %q", code, rep.Broken)
	}
	if rep.Moved != 3 || rep.MoveMs.Count != 3 || rep.Joined != 6 || rep.Connected != 6 {
		t.Errorf("%d bots moved (%d moves), %d joined, %d connected; want 3 (3), 6, 6", rep.Moved, rep.MoveMs.Count, rep.Joined, rep.Connected)
	}
	if rep.Desyncs != 0 || rep.BadSnapshots != 0 || rep.Hashed == 0 || rep.ErrorsTotal != 0 {
		t.Errorf("%d desyncs of %d hashed snapshots, %d bad, errors %+v, disconnects %+v",
			rep.Desyncs, rep.Hashed, rep.BadSnapshots, rep.Errors, rep.Disconnects)
	}
	if rep.LatencyMs.Count == 0 || rep.SnapRate < 15 {
		t.Errorf("%d inputs acknowledged, %.1f snapshots/s per bot", rep.LatencyMs.Count, rep.SnapRate)
	}
	if len(rep.Config.URLs) != 2 || rep.Config.URLs[0] != front || rep.Config.URL != front {
		t.Errorf("config urls %q, url %q", rep.Config.URLs, rep.Config.URL)
	}
}
