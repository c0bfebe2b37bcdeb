package game

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// checkPages checks the page invariants against the reference set of live
// ids: a kept page's live count and stamps agree with its entities, a page
// is dropped exactly when all its ids were handed out and none is live
// (the last possible page aside), and Entities, Len, Exists, Kind and Hash
// agree with the reference.
func checkPages(t *testing.T, w *World, ref map[EntityID]int, ctx string) {
	t.Helper()
	perPage := map[int]int{}
	for id := range ref {
		perPage[int(id>>pageBits)]++
	}
	for i, p := range w.pages {
		lastID := EntityID(i<<pageBits | pageMask)
		full := w.next > lastID
		if p == nil {
			if perPage[i] != 0 || !full {
				t.Fatalf("%s: page %d dropped with %d live, all handed out %v", ctx, i, perPage[i], full)
			}
			continue
		}
		if p == w.spare {
			t.Fatalf("%s: page %d is in use and is the spare", ctx, i)
		}
		if full && perPage[i] == 0 {
			t.Fatalf("%s: page %d kept with every id handed out and none live", ctx, i)
		}
		n := 0
		for j, e := range p.ents {
			id := EntityID(i<<pageBits | j)
			if e == nil {
				if p.stamps[j] != removedStamp {
					t.Fatalf("%s: id %d not live, stamp %d", ctx, id, p.stamps[j])
				}
				if _, ok := ref[id]; ok {
					t.Fatalf("%s: id %d live in the reference, missing", ctx, id)
				}
				continue
			}
			n++
			if k, ok := ref[id]; !ok || k != e.kind {
				t.Fatalf("%s: id %d kind %d, reference %d (live %v)", ctx, id, e.kind, k, ok)
			}
			if p.stamps[j] > w.tick {
				t.Fatalf("%s: id %d stamp %d after tick %d", ctx, id, p.stamps[j], w.tick)
			}
		}
		if n != p.live || n != perPage[i] {
			t.Fatalf("%s: page %d live %d, counted %d, reference %d", ctx, i, p.live, n, perPage[i])
		}
	}
	if w.spare != nil {
		if w.spare.live != 0 {
			t.Fatalf("%s: spare live %d", ctx, w.spare.live)
		}
		for j, e := range w.spare.ents {
			if e != nil {
				t.Fatalf("%s: spare holds an entity at %d", ctx, j)
			}
		}
	}
	want := make([]EntityID, 0, len(ref))
	for id := range ref {
		want = append(want, id)
	}
	slices.Sort(want)
	var got []EntityID
	w.Entities(func(id EntityID) { got = append(got, id) })
	if !slices.Equal(got, want) {
		t.Fatalf("%s: Entities %v, reference %v", ctx, got, want)
	}
	if w.Len() != len(ref) {
		t.Fatalf("%s: Len %d, reference %d", ctx, w.Len(), len(ref))
	}
	if w.Hash() != w.ViewHash(want) {
		t.Fatalf("%s: Hash differs from the hash of every reference id", ctx)
	}
	probe := []EntityID{0, 1, pageMask, pageSize, pageSize + 1, 2*pageSize - 1, 2 * pageSize, w.next - 1, w.next, w.next + 1, w.next + pageSize, 1 << 31}
	for range 32 {
		probe = append(probe, EntityID(rand.IntN(int(w.next)+2*pageSize)))
	}
	for _, id := range probe {
		k, ok := ref[id]
		if !ok {
			k = -1
		}
		if w.Exists(id) != ok || w.Kind(id) != k {
			t.Fatalf("%s: id %d: Exists %v Kind %d, reference live %v kind %d", ctx, id, w.Exists(id), w.Kind(id), ok, k)
		}
		if !ok && (w.Int(id, fI) != 0 || w.Float(id, fX) != 0 || w.Bool(id, fB) || w.String(id, fS) != "") {
			t.Fatalf("%s: id %d not live reads non-zero", ctx, id)
		}
	}
}

// TestPagesChurnAgainstReference mixes spawn bursts, removals (random, of
// whole pages, of the oldest, twice, of ids never spawned or long gone,
// at page boundaries) and writes over many pages, checks the world against
// a reference set of live ids and the pages' invariants every tick, and
// follows it with deltas against baselines up to 150 ticks old (whose
// pages were freed, and whose freed pages were reused as spares) applied
// to mirrors, as TestDeltaProperty does.
func TestPagesChurnAgainstReference(t *testing.T) {
	const seeds = 3 // ~60,000 ids over ~240 pages each; more seeds found nothing more
	for seed := uint64(1); seed <= seeds; seed++ {
		rng := rand.New(rand.NewPCG(seed, 77))
		w := NewWorld(testSchema)
		ref := map[EntityID]int{}
		ints := map[EntityID]int64{} // the last int written to each live kind-0 entity
		var live []EntityID
		var hist []held
		var maxKept int
		for tick := uint64(1); tick <= 400; tick++ {
			w.BeginTick(tick)
			for n := rng.IntN(40); n > 0; n-- {
				switch op := rng.IntN(100); {
				case op < 30 || len(live) == 0:
					for b := 1 + rng.IntN(1+rng.IntN(300)); b > 0; b-- { // bursts cross pages
						k := rng.IntN(len(testSchema.Kinds))
						id := w.Spawn(k)
						if _, dup := ref[id]; dup || id == 0 {
							t.Fatalf("seed %d: Spawn handed out %d again", seed, id)
						}
						ref[id] = k
						live = append(live, id)
						if k == 0 {
							ints[id] = 0
						}
					}
				case op < 45:
					i := rng.IntN(len(live))
					id := live[i]
					w.Remove(id)
					delete(ref, id)
					delete(ints, id)
					live = slices.Delete(live, i, i+1)
					w.Remove(id) // twice: nothing
				case op < 55: // the oldest half
					for _, id := range live[:len(live)/2] {
						w.Remove(id)
						delete(ref, id)
						delete(ints, id)
					}
					live = slices.Clone(live[len(live)/2:])
				case op < 62: // every live id of one page
					pg := live[rng.IntN(len(live))] >> pageBits
					live = slices.DeleteFunc(live, func(id EntityID) bool {
						if id>>pageBits == pg {
							w.Remove(id)
							delete(ref, id)
							delete(ints, id)
							return true
						}
						return false
					})
				case op < 68: // ids not live: never spawned, long gone, boundaries
					for _, id := range []EntityID{0, w.next, w.next + 1, w.next | pageMask, w.next + pageSize, EntityID(rng.IntN(int(w.next)))} {
						if _, ok := ref[id]; !ok {
							w.Remove(id)
						}
					}
				default:
					id := live[rng.IntN(len(live))]
					if ref[id] == 0 {
						v := testInts[rng.IntN(len(testInts))]
						w.SetInt(id, fI, v)
						ints[id] = v
						if rng.IntN(2) == 0 {
							w.SetString(id, fS, testStrings[rng.IntN(len(testStrings))])
						}
					} else {
						setRandomField(w, rng, id)
					}
					if rng.IntN(4) == 0 {
						setRandomGlobal(w, rng)
					}
				}
			}
			ctx := fmt.Sprintf("seed %d tick %d", seed, tick)
			checkPages(t, w, ref, ctx)
			for id, v := range ints {
				if w.Int(id, fI) != v {
					t.Fatalf("%s: id %d int %d, wrote %d", ctx, id, w.Int(id, fI), v)
				}
			}
			kept := 0
			for _, p := range w.pages {
				if p != nil {
					kept++
				}
			}
			maxKept = max(maxKept, kept)

			// A view of random live ids plus ids that are not live (gone, never spawned).
			raw := randomView(w, rng)
			for range rng.IntN(6) {
				raw = append(raw, EntityID(rng.IntN(int(w.next)+pageSize)))
			}
			rng.Shuffle(len(raw), func(i, j int) { raw[i], raw[j] = raw[j], raw[i] })
			// AppendDelta treats ids of curView that are not live as out of view: a
			// sorted copy keeping them (gone ids whose pages were freed, never
			// spawned ones) must give the same section's effect.
			if len(hist) > 0 {
				raw = append(raw, hist[max(0, len(hist)-150)].view...)
			}
			loose := slices.Compact(slices.Sorted(slices.Values(raw)))
			view := w.NormalizeView(raw)
			for _, id := range view {
				if _, ok := ref[id]; !ok {
					t.Fatalf("%s: NormalizeView kept %d, not live", ctx, id)
				}
			}
			var keep *Mirror
			for k := 0; k < 3; k++ {
				var base held
				full := len(hist) == 0 || rng.IntN(12) == 0
				if full {
					base = held{m: NewMirror(testSchema)}
				} else {
					lo := max(0, len(hist)-150)
					if k == 0 {
						base = hist[lo] // the oldest kept: most of its pages gone
					} else {
						base = hist[lo+rng.IntN(len(hist)-lo)]
					}
					base.m = base.m.Clone()
				}
				cur := view
				if k == 2 {
					cur = loose
				}
				sec := w.AppendDelta(nil, base.tick, base.view, cur)
				if err := base.m.Apply(sec, full); err != nil {
					t.Fatalf("%s base %d: Apply: %v", ctx, base.tick, err)
				}
				if d := diffMirror(w, view, base.m); d != "" {
					t.Fatalf("%s base %d (full %v): %s", ctx, base.tick, full, d)
				}
				for id, v := range ints {
					if base.m.Has(id) && base.m.Int(id, fI) != v {
						t.Fatalf("%s base %d: mirror id %d int %d, wrote %d", ctx, base.tick, id, base.m.Int(id, fI), v)
					}
				}
				keep = base.m
			}
			hist = append(hist, held{tick: tick, view: view, m: keep})
			if len(hist) > 200 {
				hist = hist[1:]
			}
		}
		if seed == 1 {
			t.Logf("seed 1: %d ids handed out, %d pages, at most %d kept, %d live at the end", w.next-1, len(w.pages), maxKept, len(ref))
		}
	}
}

// TestPageBoundaries: ids 255, 256, 511, 512 at the edges of pages; a page
// is dropped only once its last id is handed out, the spare is reused by
// the next page and carries nothing over.
func TestPageBoundaries(t *testing.T) {
	w := NewWorld(testSchema)
	w.BeginTick(1)
	var ids []EntityID
	for range 2*pageSize - 1 { // ids 1..511
		ids = append(ids, w.Spawn(0))
	}
	if ids[0] != 1 || ids[254] != 255 || ids[255] != 256 || ids[510] != 511 || len(w.pages) != 2 {
		t.Fatalf("ids %d %d %d %d, %d pages", ids[0], ids[254], ids[255], ids[510], len(w.pages))
	}
	w.BeginTick(2)
	for _, id := range ids {
		w.SetInt(id, fI, int64(id))
	}
	base := slices.Clone(ids)
	m := NewMirror(testSchema)
	if err := m.Apply(w.AppendDelta(nil, 0, nil, base), true); err != nil {
		t.Fatal(err)
	}
	w.BeginTick(3)
	// Page 0 (ids 1..255) empties: dropped, id 0 was never used.
	for _, id := range ids[:255] {
		w.Remove(id)
	}
	if w.pages[0] != nil || w.spare == nil {
		t.Fatalf("page 0 kept after 1..255 removed")
	}
	spare := w.spare
	// Page 1 (256..511) empties, id 511 handed out: dropped too, the spare stays page 0.
	for _, id := range ids[255:] {
		w.Remove(id)
	}
	if w.pages[1] != nil || w.spare != spare || w.Len() != 0 {
		t.Fatalf("page 1 kept, or spare replaced")
	}
	// Id 512 starts page 2 on the spare.
	w.BeginTick(4)
	n := w.Spawn(1)
	if n != 512 || w.pages[2] != spare || w.spare != nil {
		t.Fatalf("id %d, page 2 on the spare %v", n, w.pages[2] == spare)
	}
	for j := range pageSize {
		if j != 0 && (spare.ents[j] != nil || spare.stamps[j] != removedStamp) {
			t.Fatalf("reused page slot %d: %v %d", j, spare.ents[j], spare.stamps[j])
		}
	}
	// Empty while not every id of page 2 was handed out: kept.
	w.Remove(n)
	if w.pages[2] == nil {
		t.Fatal("page 2 dropped while ids 513..767 are still to come")
	}
	n2 := w.Spawn(2)
	if n2 != 513 || !w.Exists(n2) || w.Exists(n) {
		t.Fatalf("after re-spawn: %d exists %v, %d exists %v", n2, w.Exists(n2), n, w.Exists(n))
	}
	cur := w.NormalizeView([]EntityID{0, 255, 256, 511, 512, n2, 767, 768})
	if !slices.Equal(cur, []EntityID{n2}) {
		t.Fatalf("NormalizeView %v", cur)
	}
	if err := m.Apply(w.AppendDelta(nil, 2, base, cur), false); err != nil {
		t.Fatal(err)
	}
	if d := diffMirror(w, cur, m); d != "" {
		t.Fatal(d)
	}
}
