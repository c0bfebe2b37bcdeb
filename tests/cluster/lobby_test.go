package cluster

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/tickroom/tickroom/rooms/lobby"
)

// TestLobbyAcrossNodes: every node lists every node's rooms, with the same
// RoomInfo as the room's own node and in the contract's order; a watcher
// on one node hears of a room made on another, and of its players, within
// a second.
func TestLobbyAcrossNodes(t *testing.T) {
	f := startCluster(t, 3)
	meta := map[string]any{"run": f.run}
	filter := map[string]any{"meta": meta, "includeFull": true}

	watcher := dialPeer(t, f.nodes[0].URL, "watcher")
	if a := watcher.mustAsk(t, "lobby:watch", filter); !a.OK || len(a.Rooms) != 0 {
		t.Fatalf("watch: %+v", a)
	}
	// Rooms on nodes 1, 2 and 0, with 1, 2 and 3 players: the order is
	// node 0's, 2's, 1's, across nodes.
	var made []*lobby.RoomInfo
	for i, nd := range []*node{f.nodes[1], f.nodes[2], f.nodes[0]} {
		owner := dialPeer(t, nd.URL, "owner")
		a := owner.mustJoin(t, "room:create", map[string]any{"mode": "arena", "meta": meta, "name": "room " + string(rune('a'+i))})
		if a.URL != "" {
			t.Fatalf("create on a node that takes rooms placed it elsewhere: %s", a.URL)
		}
		for range i {
			dialPeer(t, nd.URL, "guest").mustJoin(t, "room:join", map[string]any{"roomId": a.Room.ID})
		}
		created := time.Now()
		if nd != f.nodes[0] {
			// The watcher on node 0 hears of a room of another node within 1 s.
			took := waitFor(t, 3*time.Second, "lobby:update for a room of another node", func() bool {
				for _, u := range watcher.lobbyUpdates() {
					for _, r := range u.Rooms {
						if r.ID == a.Room.ID && r.Players == i+1 {
							return true
						}
					}
				}
				return false
			})
			if took > time.Second {
				t.Errorf("lobby:update %v after the change on another node (want within 1 s)", took)
			}
			t.Logf("watch update from another node after %v (since %v)", took, time.Since(created))
		}
		made = append(made, a.Room)
	}

	var want []*lobby.RoomInfo
	for _, nd := range f.nodes {
		p := dialPeer(t, nd.URL, "lister")
		var got []*lobby.RoomInfo
		waitFor(t, 2*time.Second, "3 rooms listed on "+nd.URL, func() bool {
			got = p.list(t, filter)
			return len(got) == 3 && got[0].Players == 3 && got[1].Players == 2 && got[2].Players == 1
		})
		ids := []string{got[0].ID, got[1].ID, got[2].ID}
		if !slices.Equal(ids, []string{made[2].ID, made[1].ID, made[0].ID}) {
			t.Fatalf("order on %s: %v", nd.URL, ids)
		}
		if want == nil {
			want = got
		} else if !reflect.DeepEqual(got, want) {
			t.Fatalf("RoomInfo differs between nodes:\n%+v\n%+v", got, want)
		}
	}
	// The watcher's last word on each room is what every node lists.
	waitFor(t, 2*time.Second, "the watcher up to date", func() bool {
		seen := map[string]*lobby.RoomInfo{}
		for _, u := range watcher.lobbyUpdates() {
			for _, r := range u.Rooms {
				seen[r.ID] = r
			}
		}
		for _, r := range want {
			if s := seen[r.ID]; s == nil || s.Players != r.Players {
				return false
			}
		}
		return true
	})
}
