package rooms

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tickroom/tickroom/netio/sioparser"
)

// TestSnapshotCanonical: appendSnapshot writes canonical msgpack (Normalize changes nothing),
// which socketPeer relies on when it hands the packet over as sioparser.Canonical.
func TestSnapshotCanonical(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	edges := []uint64{0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, math.MaxUint32, math.MaxUint32 + 1, 1 << 53}
	pick := func() uint64 {
		if rng.IntN(2) == 0 {
			return edges[rng.IntN(len(edges))]
		}
		return rng.Uint64N(1 << uint(rng.IntN(54)))
	}
	for i := 0; i < 5000; i++ {
		e := make([]byte, []int{0, 1, 31, 255, 256, 70000}[rng.IntN(6)])
		ts := int64(pick())
		if rng.IntN(4) == 0 {
			ts = -ts
		}
		pkt := appendSnapshot(nil, pick(), pick(), pick(), ts, e, uint32(pick()), rng.IntN(2) == 0)
		norm, err := sioparser.Normalize(pkt)
		if err != nil {
			t.Fatalf("snapshot % x: %v", pkt[:min(len(pkt), 40)], err)
		}
		if !bytes.Equal(norm, pkt) {
			t.Fatalf("not canonical:\n got % x\nwant % x", pkt[:min(len(pkt), 60)], norm[:min(len(norm), 60)])
		}
	}
}
