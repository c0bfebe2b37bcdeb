package cluster

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/tickroom/tickroom/rooms/lobby"
)

// maxGap is the longest wait between two snapshots a player may see while
// another node dies or the bus is out: the rooms tick at 20 Hz and never
// wait for the bus, so anything near a second is a stall (the slack is for
// race-detector builds on a loaded machine).
const maxGap = time.Second

// listedIDs is the ids of the rooms p lists under filter.
func listedIDs(t *testing.T, p *peer, filter map[string]any) []string {
	var ids []string
	for _, r := range p.list(t, filter) {
		ids = append(ids, r.ID)
	}
	return ids
}

// checkGaps fails the test if a player's snapshots stopped for longer than
// maxGap since from.
func checkGaps(t *testing.T, from time.Time, players ...*peer) {
	t.Helper()
	for i, p := range players {
		n, gap := p.snapshots(from)
		t.Logf("player %d: %d snapshots, longest gap %v", i, n, gap)
		if n == 0 || gap > maxGap {
			t.Errorf("player %d: %d snapshots, a gap of %v", i, n, gap)
		}
	}
}

// TestNodeKilled: a node killed with kill -9 leaves the lobby of every other
// node within 15 s; joins into its rooms answer ROOM_NOT_FOUND and rejoins
// into them SEAT_EXPIRED, before and after; the players of the other nodes
// see no gap in their snapshots.
func TestNodeKilled(t *testing.T) {
	f := startCluster(t, 3)
	meta := map[string]any{"run": f.run}
	filter := map[string]any{"meta": meta, "includeFull": true}
	var players []*peer
	for _, nd := range f.nodes[:2] {
		p := dialPeer(t, nd.URL, "player")
		p.mustJoin(t, "room:create", map[string]any{"mode": "arena", "meta": meta})
		players = append(players, p)
	}
	doomed := dialPeer(t, f.nodes[2].URL, "doomed").mustJoin(t, "room:create", map[string]any{"mode": "arena", "meta": meta}).Room
	seat := dialPeer(t, f.nodes[0].URL, "remote").mustJoin(t, "room:join", map[string]any{"roomId": doomed.ID})
	if seat.URL != f.nodes[2].URL {
		t.Fatalf("join through node 0: url %q", seat.URL)
	}
	listers := []*peer{dialPeer(t, f.nodes[0].URL, "lister"), dialPeer(t, f.nodes[1].URL, "lister")}
	for _, l := range listers {
		waitFor(t, 2*time.Second, "3 rooms listed", func() bool { return len(listedIDs(t, l, filter)) == 3 })
	}
	waitFor(t, 5*time.Second, "snapshots flowing", func() bool {
		n0, _ := players[0].snapshots(time.Time{})
		n1, _ := players[1].snapshots(time.Time{})
		return n0 > 5 && n1 > 5
	})

	killed := time.Now()
	f.nodes[2].Kill()
	// checkDead: a dead node's room cannot be joined, nor its seat taken back.
	checkDead := func(via string) {
		dialPeer(t, via, "joiner").mustFail(t, "room:join", map[string]any{"roomId": doomed.ID}, lobby.CodeRoomNotFound)
		dialPeer(t, via, "joiner").mustFail(t, "room:join", map[string]any{"code": doomed.Code}, lobby.CodeRoomNotFound)
		dialPeer(t, via, "rejoiner").mustFail(t, "room:rejoin", map[string]any{"seatToken": seat.You.SeatToken}, lobby.CodeSeatExpired)
	}
	checkDead(f.nodes[0].URL)
	for i, l := range listers {
		took := waitFor(t, 15*time.Second-time.Since(killed), "the dead node's room gone from the lobby", func() bool {
			return !slices.Contains(listedIDs(t, l, filter), doomed.ID)
		})
		t.Logf("node %d dropped the dead node's room %v after the kill", i, time.Since(killed))
		_ = took
	}
	checkDead(f.nodes[1].URL)
	checkGaps(t, killed, players...)
}

// TestBusLost: with the NATS server paused, then killed and started again
// on the same port and store, the rooms keep ticking with no gap for their
// players; every node's /readyz turns 503 within 10 s and back to 200
// within 15 s of the bus's return; meanwhile a join into another node's
// room answers UNAVAILABLE and a node's own rooms take players; once the
// bus is back every node lists every room with its current count.
func TestBusLost(t *testing.T) {
	f := startCluster(t, 3)
	meta := map[string]any{"run": f.run}
	filter := map[string]any{"meta": meta, "includeFull": true}
	var players []*peer
	var rooms []*lobby.RoomInfo
	for _, nd := range f.nodes {
		p := dialPeer(t, nd.URL, "player")
		rooms = append(rooms, p.mustJoin(t, "room:create", map[string]any{"mode": "arena", "meta": meta}).Room)
		players = append(players, p)
	}
	waitFor(t, 5*time.Second, "snapshots flowing", func() bool {
		for _, p := range players {
			if n, _ := p.snapshots(time.Time{}); n < 5 {
				return false
			}
		}
		return true
	})

	lost := time.Now()
	f.bus.Pause()
	for i, nd := range f.nodes {
		waitFor(t, 10*time.Second-time.Since(lost), "/readyz 503 without the bus", func() bool {
			return readyz(nd.Admin) == http.StatusServiceUnavailable
		})
		t.Logf("node %d not ready %v after the bus paused", i, time.Since(lost))
	}
	dialPeer(t, f.nodes[1].URL, "far").mustFail(t, "room:join", map[string]any{"roomId": rooms[0].ID}, lobby.CodeUnavailable)
	// A node's own rooms go on: a second player in node 1's room, and a new room there.
	dialPeer(t, f.nodes[1].URL, "near").mustJoin(t, "room:join", map[string]any{"roomId": rooms[1].ID})
	during := dialPeer(t, f.nodes[1].URL, "maker").mustJoin(t, "room:create", map[string]any{"mode": "arena", "meta": meta})
	if during.URL != "" {
		t.Fatalf("create without the bus placed elsewhere: %s", during.URL)
	}

	f.bus.Kill()
	f.bus.Restart(t)
	back := time.Now()
	for i, nd := range f.nodes {
		waitFor(t, 15*time.Second-time.Since(back), "/readyz 200 with the bus back", func() bool {
			return readyz(nd.Admin) == http.StatusOK
		})
		t.Logf("node %d ready %v after the bus came back", i, time.Since(back))
	}
	for i, nd := range f.nodes {
		l := dialPeer(t, nd.URL, "lister")
		waitFor(t, 15*time.Second-time.Since(back), "every room with its count", func() bool {
			want := map[string]int{rooms[0].ID: 1, rooms[1].ID: 2, rooms[2].ID: 1, during.Room.ID: 1}
			got := l.list(t, filter)
			for _, r := range got {
				if want[r.ID] != r.Players {
					return false
				}
			}
			return len(got) == len(want)
		})
		t.Logf("node %d lists every room %v after the bus came back", i, time.Since(back))
	}
	checkGaps(t, lost, players...)
}
