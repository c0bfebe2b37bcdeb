package cluster

import (
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
)

// QuickjoinNode is the node that places quickjoins of mode and meta: the
// rendezvous (highest random weight) hash of the two over the live nodes
// that take new rooms, so every node sends a quickjoin of the same game to
// the same node, which fills its open rooms before it makes another. ""
// means this node: while the bus is down, quickjoins are placed here.
func (n *Node) QuickjoinNode(mode string, meta map[string]any) string {
	if !n.Ready() {
		return ""
	}
	ids := make([]string, 0, 4)
	if !n.Draining() {
		ids = append(ids, n.id)
	}
	for _, p := range n.cache.alive() {
		if !p.draining {
			ids = append(ids, p.id)
		}
	}
	if w := rendezvous(ids, quickjoinKey(mode, meta)); w != n.id {
		return w
	}
	return ""
}

// CreateNode is a live node other than this one that takes new rooms, the
// one with the fewest rooms (the lowest id on a tie), for a room this node
// cannot make; "" when there is none or the bus is down.
func (n *Node) CreateNode() string {
	if !n.Ready() {
		return ""
	}
	best, fewest := "", 0
	for _, p := range n.cache.alive() {
		if p.draining {
			continue
		}
		if best == "" || p.rooms < fewest || p.rooms == fewest && p.id < best {
			best, fewest = p.id, p.rooms
		}
	}
	return best
}

// rendezvous returns the id with the highest weight for key ("" for none).
func rendezvous(ids []string, key string) string {
	best, top := "", uint64(0)
	for _, id := range ids {
		if w := weight(id, key); best == "" || w > top || w == top && id < best {
			best, top = id, w
		}
	}
	return best
}

// weight is a node's weight for a key: FNV-1a of both, mixed so that ids
// differing in one character spread over the whole range.
func weight(id, key string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	h.Write([]byte{0})
	h.Write([]byte(key))
	x := h.Sum64()
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// quickjoinKey is the canonical form of a quickjoin's game: the mode and
// the meta with sorted keys and typed values, the same on every node for
// the same request.
func quickjoinKey(mode string, meta map[string]any) string {
	var b strings.Builder
	b.WriteString(strconv.Quote(mode))
	keys := make([]string, 0, len(meta))
	for k := range meta {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b.WriteByte(' ')
		b.WriteString(strconv.Quote(k))
		b.WriteByte('=')
		switch v := meta[k].(type) {
		case string:
			b.WriteString("s" + strconv.Quote(v))
		case bool:
			b.WriteString("b" + strconv.FormatBool(v))
		case int64:
			b.WriteString("n" + strconv.FormatInt(v, 10))
		case float64:
			b.WriteString("n" + strconv.FormatFloat(v, 'g', -1, 64))
		default: // the lobby normalizes meta to the types above
			b.WriteString("?")
		}
	}
	return b.String()
}
