package cluster

import (
	"testing"
)

// TestQuickjoinKey: the same game is the same key whatever the map order;
// values differing in type or value are different games.
func TestQuickjoinKey(t *testing.T) {
	a := quickjoinKey("arena", map[string]any{"a": "x", "b": int64(1), "c": true, "d": 1.5})
	for range 20 {
		if b := quickjoinKey("arena", map[string]any{"d": 1.5, "c": true, "b": int64(1), "a": "x"}); b != a {
			t.Fatalf("%q != %q", a, b)
		}
	}
	keys := map[string]bool{}
	for _, m := range []map[string]any{nil, {"b": int64(1)}, {"b": "1"}, {"b": true}, {"b": 1.5}, {"b=": "x"}, {"b": "=x"}} {
		keys[quickjoinKey("arena", m)] = true
	}
	if len(keys) != 7 {
		t.Fatalf("distinct games share keys: %v", keys)
	}
	if quickjoinKey("arena", nil) != quickjoinKey("arena", map[string]any{}) {
		t.Fatal("nil and empty meta differ")
	}
}

// TestRendezvous: keys spread over the nodes, and a node leaving moves only
// its own keys.
func TestRendezvous(t *testing.T) {
	ids := []string{"n1", "n2", "n3"}
	owner := map[string]string{}
	count := map[string]int{}
	for i := range 3000 {
		k := quickjoinKey("arena", map[string]any{"i": int64(i)})
		owner[k] = rendezvous(ids, k)
		count[owner[k]]++
	}
	for _, id := range ids {
		if count[id] < 800 {
			t.Errorf("node %s places %d of 3000 keys", id, count[id])
		}
	}
	for k, o := range owner {
		if got := rendezvous([]string{"n1", "n3"}, k); o != "n2" && got != o {
			t.Fatalf("key %s moved from %s to %s when n2 left", k, o, got)
		}
	}
	if rendezvous(nil, "x") != "" {
		t.Fatal("no nodes: want \"\"")
	}
}
