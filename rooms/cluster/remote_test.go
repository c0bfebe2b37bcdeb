package cluster

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/tickroom/tickroom/rooms/lobby"
	"github.com/tickroom/tickroom/tests/cluster/clusterproc"
)

func joinedFor(req *lobby.RemoteRequest) *lobby.Joined {
	info := newInfo(req.Mode, 2)
	return &lobby.Joined{Room: info, You: lobby.You{PlayerID: 2, SeatToken: "nb.tok"},
		Players: []lobby.PlayerInfo{{ID: 1, Name: "a"}, {ID: 2, Name: req.Name}}, URL: "http://b.example"}
}

// TestSend: a request reaches the node it is for and its answer comes
// back: a seat, or the node's own refusal; a node that is not there is
// ErrNodeGone, one that does not answer in time ErrUnavailable, and a try
// without an answer is sent again with the same id.
func TestSend(t *testing.T) {
	bus := startBus(t)
	a, b := startNode(t, bus.URL), startNode(t, bus.URL)
	host := &fakeHost{fn: func(try int, req *lobby.RemoteRequest) (*lobby.Joined, error) {
		switch req.Name {
		case "full":
			return nil, &lobby.RequestError{Code: lobby.CodeRoomFull, Message: "the room is full"}
		case "slow-once":
			if try == 1 {
				time.Sleep(500 * time.Millisecond) // past the first try
			}
		case "stuck":
			time.Sleep(3 * time.Second)
		case "closed":
			return nil, lobby.ErrClosed
		}
		return joinedFor(req), nil
	}}
	if err := b.Serve(host); err != nil {
		t.Fatal(err)
	}
	if err := b.Serve(host); err == nil {
		t.Fatal("Serve twice")
	}
	ctx := t.Context()
	req := &lobby.RemoteRequest{ID: "q1", Op: lobby.RemoteQuickjoin, Mode: "arena", Name: "ann",
		Meta: map[string]any{"lvl": int64(2)}, Subject: "acct"}
	j, err := a.Send(ctx, b.ID(), req)
	if err != nil || j.URL != "http://b.example" || j.You.SeatToken != "nb.tok" || len(j.Players) != 2 || j.Room.Meta["level"] != int64(3) {
		t.Fatalf("answer: %+v %v", j, err)
	}
	if got := host.requests()[0]; got.ID != "q1" || got.Name != "ann" || got.Meta["lvl"] != int64(2) || got.Subject != "acct" {
		t.Fatalf("request as received: %+v", got)
	}

	_, err = a.Send(ctx, b.ID(), &lobby.RemoteRequest{ID: "f1", Op: lobby.RemoteJoin, Name: "full"})
	var re *lobby.RequestError
	if !errors.As(err, &re) || re.Code != lobby.CodeRoomFull {
		t.Fatalf("refusal: %v", err)
	}
	_, err = a.Send(ctx, b.ID(), &lobby.RemoteRequest{ID: "c1", Op: lobby.RemoteJoin, Name: "closed"})
	if !errors.As(err, &re) || re.Code != lobby.CodeUnavailable {
		t.Fatalf("a host shutting down: %v", err)
	}

	before := len(host.requests())
	if _, err := a.Send(ctx, b.ID(), &lobby.RemoteRequest{ID: "s1", Op: lobby.RemoteJoin, Name: "slow-once"}); err != nil {
		t.Fatalf("retried request: %v", err)
	}
	reqs := host.requests()[before:]
	if len(reqs) < 2 || reqs[0].ID != "s1" || reqs[1].ID != "s1" {
		t.Fatalf("a retry keeps the id: %+v", reqs)
	}

	start := time.Now()
	if _, err := a.Send(ctx, "nobody", req); !errors.Is(err, lobby.ErrNodeGone) || time.Since(start) > time.Second {
		t.Fatalf("no such node: %v after %v", err, time.Since(start))
	}
	short, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if _, err := a.Send(short, b.ID(), &lobby.RemoteRequest{ID: "x1", Name: "stuck"}); !errors.Is(err, lobby.ErrUnavailable) {
		t.Fatalf("no answer in time: %v", err)
	}
	// A request for this node itself goes straight to its host.
	if err := a.Serve(host); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Send(ctx, a.ID(), &lobby.RemoteRequest{ID: "self", Mode: "arena"}); err != nil {
		t.Fatalf("to itself: %v", err)
	}
}

// TestPlacement: every node sends quickjoins of one game to the same node,
// which is never a draining one; CreateNode is another live node that
// takes rooms.
func TestPlacement(t *testing.T) {
	bus := startBus(t)
	nodes := []*Node{startNode(t, bus.URL), startNode(t, bus.URL), startNode(t, bus.URL)}
	for _, n := range nodes {
		eventually(t, 2*time.Second, "three live nodes", func() bool { return len(n.cache.alive()) == 2 })
	}
	// placer is the node that places a game, as n sees it.
	placer := func(n *Node, mode string, meta map[string]any) string {
		if p := n.QuickjoinNode(mode, meta); p != "" {
			return p
		}
		return n.ID()
	}
	spread := map[string]bool{}
	for i := range 30 {
		meta := map[string]any{"i": int64(i)}
		p := placer(nodes[0], "arena", meta)
		for _, n := range nodes[1:] {
			if q := placer(n, "arena", meta); q != p {
				t.Fatalf("nodes disagree on game %d: %s vs %s", i, p, q)
			}
		}
		spread[p] = true
	}
	if len(spread) != 3 {
		t.Fatalf("30 games placed on %d nodes", len(spread))
	}
	meta := map[string]any{"i": int64(0)}
	winner := placer(nodes[0], "arena", meta)
	var w *Node
	for _, n := range nodes {
		if n.ID() == winner {
			w = n
		}
	}
	w.SetDraining(true)
	for _, n := range nodes {
		eventually(t, 2*time.Second, "the draining node skipped", func() bool { return placer(n, "arena", meta) != winner })
		if c := n.CreateNode(); c == "" || c == n.ID() || c == winner {
			t.Fatalf("CreateNode on %s: %q (draining %s)", n.ID(), c, winner)
		}
	}
	if !w.Draining() {
		t.Fatal("Draining")
	}
	w.SetDraining(false)
	for _, n := range nodes {
		eventually(t, 2*time.Second, "the node back", func() bool { return placer(n, "arena", meta) == winner })
	}
	// A host that drains is noticed at the next heartbeat, without SetDraining.
	host := &fakeHost{fn: func(int, *lobby.RemoteRequest) (*lobby.Joined, error) { return nil, nil }}
	if err := w.Serve(host); err != nil {
		t.Fatal(err)
	}
	host.mu.Lock()
	host.draining = true
	host.mu.Unlock()
	eventually(t, 2*time.Second, "the host's drain seen by the others", func() bool { return placer(nodes[0], "arena", meta) != winner || nodes[0] == w })
}

// BenchmarkSend: one remote request's round trip over the bus, node to
// node, with a host that answers at once: what a cross-node seat request
// adds to the owner's own work.
func BenchmarkSend(b *testing.B) {
	bus := clusterproc.StartNATS(b, natsBin, b.TempDir(), false)
	a, c := startNode(b, bus.URL), startNode(b, bus.URL)
	host := &fakeHost{fn: func(_ int, req *lobby.RemoteRequest) (*lobby.Joined, error) { return joinedFor(req), nil }}
	if err := c.Serve(host); err != nil {
		b.Fatal(err)
	}
	lat := make([]time.Duration, 0, b.N)
	i := 0
	for b.Loop() {
		i++
		start := time.Now()
		if _, err := a.Send(b.Context(), c.ID(), &lobby.RemoteRequest{ID: strconv.Itoa(i), Op: lobby.RemoteJoin, Mode: "arena", Name: "p"}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		host.mu.Lock()
		host.reqs = host.reqs[:0]
		host.mu.Unlock()
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
