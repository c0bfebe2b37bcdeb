package cluster

import (
	"net/http"
	"testing"
	"time"
)

// TestDrainedNode: once a node drains, its room:create goes to another
// node (a Joined with that node's url), quickjoins asked of any node never
// land on it, and another node's room:create stays on that node. The drain
// comes from testnode's POST /test/drain (lobby.Host.Drain): the cluster
// node learns it from its host at the next heartbeat.
func TestDrainedNode(t *testing.T) {
	f := startCluster(t, 3, 1)
	drained := f.nodes[1]
	resp, err := http.Post(drained.URL+"/test/drain", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	waitFor(t, 2*time.Second, "/readyz 503 on the draining node", func() bool {
		return readyz(drained.Admin) == http.StatusServiceUnavailable
	})
	meta := map[string]any{"run": f.run}
	// The other nodes hear of the drain with its next heartbeat (2 s).
	time.Sleep(2500 * time.Millisecond)

	a := dialPeer(t, drained.URL, "creator").mustJoin(t, "room:create", map[string]any{"mode": "arena", "meta": meta, "name": "moved"})
	if a.URL == "" || a.URL == drained.URL || a.Room.Name != "moved" || !a.Players[0].Host {
		t.Fatalf("create on the draining node: url %q, %+v", a.URL, a.Room)
	}
	if b := dialPeer(t, f.nodes[0].URL, "creator").mustJoin(t, "room:create", map[string]any{"mode": "arena", "meta": meta}); b.URL != "" {
		t.Fatalf("create on a node that takes rooms went to %s", b.URL)
	}
	// Quickjoins of many games, asked of every node: none lands on the drained one.
	for i := range 12 {
		nd := f.nodes[i%3]
		q := dialPeer(t, nd.URL, "quick").mustJoin(t, "room:quickjoin", map[string]any{"mode": "arena", "meta": map[string]any{"run": f.run, "game": int64(i)}})
		if at := q.URL; at == drained.URL || at == "" && nd == drained {
			t.Fatalf("quickjoin %d placed on the draining node", i)
		}
	}
}
