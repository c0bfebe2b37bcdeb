package cluster

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestSeatRaces: 30 simultaneous joins from three nodes into a room with 9
// free seats seat exactly 9; 200 quickjoins spread over three nodes make
// exactly 20 full rooms of 10.
func TestSeatRaces(t *testing.T) {
	f := startCluster(t, 3)
	meta := map[string]any{"run": f.run}
	owner := dialPeer(t, f.nodes[0].URL, "owner")
	room := owner.mustJoin(t, "room:create", map[string]any{"mode": "arena", "maxPlayers": 10, "meta": meta}).Room

	// dialAll connects n peers, spread over the nodes.
	dialAll := func(n int) []*peer {
		peers := make([]*peer, n)
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p, err := dial(f.nodes[i%3].URL, fmt.Sprintf("p%d", i))
				if err != nil {
					errs <- err
					return
				}
				peers[i] = p
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			for _, p := range peers {
				p.close()
			}
		})
		return peers
	}
	// askAll sends one request from every peer at once.
	askAll := func(peers []*peer, event string, payload any) []*answer {
		answers := make([]*answer, len(peers))
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, p := range peers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				a, err := p.ask(event, payload)
				if err != nil {
					t.Error(err)
					return
				}
				answers[i] = a
			}()
		}
		close(start)
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
		return answers
	}

	seated, full := 0, 0
	for _, a := range askAll(dialAll(30), "room:join", map[string]any{"roomId": room.ID}) {
		switch {
		case a.OK:
			seated++
		case a.Error.Code == "ROOM_FULL":
			full++
		default:
			t.Errorf("join: %+v", a.Error)
		}
	}
	if seated != 9 || full != 21 {
		t.Fatalf("30 joins into 9 free seats: %d seated, %d ROOM_FULL", seated, full)
	}

	quick := map[string]any{"run": f.run, "quick": true}
	rooms := map[string]int{}
	for _, a := range askAll(dialAll(200), "room:quickjoin", map[string]any{"mode": "arena", "meta": quick}) {
		if !a.OK {
			t.Fatalf("quickjoin: %+v", a.Error)
		}
		rooms[a.Room.ID]++
	}
	if len(rooms) != 20 {
		t.Fatalf("200 quickjoins made %d rooms: %v", len(rooms), rooms)
	}
	for id, n := range rooms {
		if n != 10 {
			t.Fatalf("room %s got %d quickjoins", id, n)
		}
	}
	// Every node lists them full.
	for _, nd := range f.nodes {
		p := dialPeer(t, nd.URL, "lister")
		waitFor(t, 2*time.Second, "20 full rooms listed on "+nd.URL, func() bool {
			listed := p.list(t, map[string]any{"meta": quick, "includeFull": true, "limit": 500})
			for _, r := range listed {
				if r.Players != 10 {
					return false
				}
			}
			return len(listed) == 20
		})
	}
}
