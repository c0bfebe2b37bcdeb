package cluster

import (
	"reflect"
	"testing"
	"time"

	"github.com/tickroom/tickroom/rooms/lobby"
)

// sameInfo reports whether two RoomInfos are the same to the lobby.
func sameInfo(a, b *lobby.RoomInfo) bool {
	if a == nil || b == nil || !a.Created.Equal(b.Created) {
		return false
	}
	x, y := *a, *b
	x.Created, y.Created = time.Time{}, time.Time{}
	return reflect.DeepEqual(x, y)
}

// TestStoreAcrossNodes: a room added on one node shows on the other with
// the same RoomInfo, by id, by code and in List; updates and removal
// follow within a second, and the other node's subscribers hear of each.
func TestStoreAcrossNodes(t *testing.T) {
	bus := startBus(t)
	a, b := startNode(t, bus.URL), startNode(t, bus.URL)
	seen := watchChanges(b)

	info := newInfo("arena", 1)
	l, err := a.Add(info)
	if err != nil || len(info.Code) != 6 {
		t.Fatalf("add: %v %q", err, info.Code)
	}
	if e, ok := a.Get(info.ID); !ok || e.Info != info || e.Node != a.ID() {
		t.Fatalf("own room on its node: %+v %v", e, ok)
	}
	eventually(t, time.Second, "the room on the other node", func() bool {
		e, ok := b.Get(info.ID)
		return ok && sameInfo(e.Info, info) && e.Node == a.ID()
	})
	if e, ok := b.ByCode(info.Code); !ok || e.Info.ID != info.ID {
		t.Fatalf("by code: %+v %v", e, ok)
	}
	if got := b.List(nil); len(got) != 1 || got[0].Info.ID != info.ID {
		t.Fatalf("list: %+v", got)
	}
	if seen.count(info.ID) == 0 {
		t.Fatal("no change heard for the new room")
	}

	next := *info
	next.Players, next.Phase = 4, "playing"
	before := seen.count(info.ID)
	l.Update(&next)
	eventually(t, time.Second, "the update on the other node", func() bool {
		e, ok := b.Get(info.ID)
		return ok && e.Info.Players == 4 && e.Info.Phase == "playing" && seen.count(info.ID) > before
	})

	l.Remove()
	l.Remove()
	if _, ok := a.Get(info.ID); ok {
		t.Fatal("removed room still on its node")
	}
	eventually(t, time.Second, "the removal on the other node", func() bool {
		_, ok := b.Get(info.ID)
		_, byCode := b.ByCode(info.Code)
		return !ok && !byCode
	})
}

// TestCodesUnique: codes are unique across nodes, taken from each node's
// reservations while the bus is up.
func TestCodesUnique(t *testing.T) {
	bus := startBus(t)
	nodes := []*Node{startNode(t, bus.URL), startNode(t, bus.URL), startNode(t, bus.URL)}
	codes := map[string]bool{}
	for i := range 150 {
		info := newInfo("arena", 0)
		if _, err := nodes[i%3].Add(info); err != nil {
			t.Fatal(err)
		}
		if codes[info.Code] {
			t.Fatalf("code %s given twice", info.Code)
		}
		codes[info.Code] = true
	}
	for _, n := range nodes {
		eventually(t, 3*time.Second, "every room on every node", func() bool { return len(n.List(nil)) == 150 })
	}
	// Every code is claimed in the codes bucket, by its room.
	s := nodes[0].sess.Load()
	for code := range codes {
		e, err := s.codes.Get(t.Context(), code)
		if err != nil || len(e.Value()) < 10 {
			t.Fatalf("code %s in the bucket: %v", code, err)
		}
	}
}

// TestNodeDeath: a node that dies without a word (kill -9) leaves the other
// nodes' lobby within the TTL plus a sweep; the janitor deletes its rooms
// from the bucket, so a node started later never sees them.
func TestNodeDeath(t *testing.T) {
	bus := startBus(t)
	a, b := startNode(t, bus.URL), startNode(t, bus.URL)
	seen := watchChanges(b)
	var ids []string
	for range 5 {
		info := newInfo("arena", 2)
		if _, err := a.Add(info); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, info.ID)
	}
	eventually(t, time.Second, "a's rooms on b", func() bool { return len(b.List(nil)) == 5 })
	before := seen.count(ids[0])
	died := time.Now()
	crash(a)
	eventually(t, 3*time.Second, "a's rooms gone from b", func() bool { return len(b.List(nil)) == 0 })
	if d := time.Since(died); d < 500*time.Millisecond {
		t.Fatalf("rooms gone after %v: before the TTL", d)
	}
	if seen.count(ids[0]) == before {
		t.Fatal("no change heard when the node died")
	}
	if _, ok := b.Get(ids[0]); ok {
		t.Fatal("Get finds a dead node's room")
	}
	// The janitor deletes them once the node has been dead for a TTL.
	s := b.sess.Load()
	eventually(t, 4*time.Second, "the dead node's rooms deleted from the bucket", func() bool {
		_, err := s.rooms.Get(t.Context(), ids[0])
		return err != nil
	})
	c := startNode(t, bus.URL)
	c.cache.mu.RLock()
	n := len(c.cache.rooms)
	c.cache.mu.RUnlock()
	if n != 0 {
		t.Fatalf("a new node holds %d rooms of a dead node", n)
	}
}

// BenchmarkList: the store's part of lobby:list with 10,000 rooms of 3
// other nodes in the cache (the lobby then filters and sorts them).
func BenchmarkList(b *testing.B) {
	c := newCache("self", time.Minute)
	for i := range 10000 {
		node := []string{"n1", "n2", "n3"}[i%3]
		c.applyNode(node, &nodeValue{URL: "http://" + node}, time.Now())
		info := newInfo("arena", i%11)
		info.Code = lobby.NewCode()
		c.applyRoom(info.ID, &roomValue{Node: node, Info: info}, uint64(i+1))
	}
	dst := make([]lobby.Entry, 0, 10000)
	for b.Loop() {
		if n := len(c.list(dst[:0])); n != 10000 {
			b.Fatal(n)
		}
	}
}

// TestSameIDRestart: a node that starts under the id of one that crashed
// (a fixed NodeID) withdraws the rooms the crashed process left: it does
// not run them, and the other nodes would list them while the id is alive.
func TestSameIDRestart(t *testing.T) {
	bus := startBus(t)
	other := startNode(t, bus.URL)
	fixed := func(c *Config) { c.NodeID = "fixed1" }
	first := startNode(t, bus.URL, fixed)
	for range 3 {
		if _, err := first.Add(newInfo("arena", 1)); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, time.Second, "the rooms on the other node", func() bool { return len(other.List(nil)) == 3 })
	crash(first)
	again := startNode(t, bus.URL, fixed)
	eventually(t, 2*time.Second, "the crashed process's rooms withdrawn", func() bool { return len(other.List(nil)) == 0 })
	info := newInfo("arena", 1)
	if _, err := again.Add(info); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Second, "the new process's room listed", func() bool {
		_, ok := other.Get(info.ID)
		return ok && len(other.List(nil)) == 1
	})
}
