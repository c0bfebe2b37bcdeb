package game_test

import (
	"encoding/binary"
	"encoding/hex"
	"hash/fnv"
	"testing"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/arena"
)

// TestSnapshotFormatExample produces the worked example of
// docs/snapshot-format.md with the arena schema and pins its bytes, and
// checks the hash definition against an independent FNV-1a over the byte
// stream the document spells out.
func TestSnapshotFormatExample(t *testing.T) {
	s := arena.Mode{}.Schema()
	w := game.NewWorld(s)
	w.BeginTick(1)
	p := w.Spawn(arena.KindPlayer) // id 1
	w.SetFloat(p, arena.PlayerX, 10.5)
	w.SetFloat(p, arena.PlayerY, -3.25)
	w.SetFloat(p, arena.PlayerR, 20)
	w.SetInt(p, arena.PlayerPID, 7)
	w.SetString(p, arena.PlayerName, "ann")
	o := w.Spawn(arena.KindOrb) // id 2
	w.SetFloat(o, arena.OrbX, -100)
	w.SetFloat(o, arena.OrbY, 50.125)
	w.SetInt(o, arena.OrbValue, 2)
	w.SetGlobalInt(arena.GlobalPhase, arena.PhasePlaying)
	w.SetGlobalInt(arena.GlobalEndTick, 6001)
	view1 := []game.EntityID{p, o}
	full := w.AppendDelta(nil, 0, nil, view1)

	w.BeginTick(2)
	w.SetFloat(p, arena.PlayerX, 20.5)
	w.SetInt(p, arena.PlayerScore, 2)
	w.SetBool(p, arena.PlayerBoost, true)
	w.Remove(o)
	o2 := w.Spawn(arena.KindOrb) // id 3
	w.SetFloat(o2, arena.OrbX, 400)
	w.SetInt(o2, arena.OrbValue, 1)
	view2 := []game.EntityID{p, o2}
	delta := w.AppendDelta(nil, 1, view1, view2)

	const (
		// flags 0b1100 (created, globals) | created: 2 | player: id 0+1, kind 0, x y r score
		// boost pid name | orb: id 1+1, kind 1, x y v | globals mask 0b11, phase, endTick
		wantFull = "0c" + "02" + "01" + "00" + "a801" + "33" + "c002" + "00" + "00" + "0e" + "03616e6e" +
			"01" + "01" + "bf0c" + "a206" + "04" + "03" + "02" + "e25d"
		// flags 0b0111 (removed, updated, created) | removed: 1, position 1 (gap 1) | updated: 1,
		// head 0 (position 0), mask 0b11001 (x, score, boost), x score boost | created: 1, id
		// 0+3, kind 1, x y v
		wantDelta = "07" + "01" + "01" + "01" + "00" + "19" + "c802" + "04" + "01" + "01" + "03" + "01" + "8032" + "00" + "02"
	)
	if got := hex.EncodeToString(full); got != wantFull {
		t.Errorf("full state\n got %s\nwant %s", got, wantFull)
	}
	if got := hex.EncodeToString(delta); got != wantDelta {
		t.Errorf("delta\n got %s\nwant %s", got, wantDelta)
	}

	m := game.NewMirror(s)
	if err := m.Apply(full, true); err != nil {
		t.Fatal(err)
	}
	h1 := m.Hash()
	if err := m.Apply(delta, false); err != nil {
		t.Fatal(err)
	}
	h2 := m.Hash()

	// The hash input of tick 2, built from the document's definition.
	var b []byte
	u32 := func(v uint32) { b = binary.LittleEndian.AppendUint32(b, v) }
	i64 := func(v int64) { b = binary.LittleEndian.AppendUint64(b, uint64(v)) }
	u32(1)
	b = append(b, 0)        // kind player
	i64(164)                // x 20.5 / (1/8)
	i64(-26)                // y -3.25 / (1/8)
	i64(160)                // r 20 / (1/8)
	i64(2)                  // score
	b = append(b, 1)        // boost
	i64(7)                  // pid
	u32(3)                  // name length
	b = append(b, "ann"...) // name
	u32(3)                  // orb id 3
	b = append(b, 1)        // kind orb
	i64(3200)               // x 400
	i64(0)                  // y
	i64(1)                  // v
	b = append(b, 0xff)     // end of entities
	i64(arena.PhasePlaying) // phase
	i64(6001)               // endTick
	f := fnv.New32a()
	f.Write(b)
	if want := f.Sum32(); h2 != want || w.ViewHash(view2) != want {
		t.Errorf("hash: mirror %#08x, world %#08x, definition %#08x", h2, w.ViewHash(view2), want)
	}
	if h1 != 0x53fe1b3f || h2 != 0x5695104c {
		t.Errorf("hashes %#08x %#08x, the document says 0x53fe1b3f 0x5695104c", h1, h2)
	}
	t.Logf("full  (%d bytes): %s  hash %#08x", len(full), hex.EncodeToString(full), h1)
	t.Logf("delta (%d bytes): %s  hash %#08x", len(delta), hex.EncodeToString(delta), h2)
	t.Logf("hash input of tick 2 (%d bytes): %s", len(b), hex.EncodeToString(b))
}
