package game

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

func TestChangeTrackingComparesWireValues(t *testing.T) {
	w := NewWorld(testSchema)
	w.BeginTick(1)
	a := w.Spawn(0)
	p := w.Spawn(1)
	w.SetFloat(p, fX, 10)
	view := []EntityID{a, p}

	w.BeginTick(2)
	w.SetInt(a, fI, 0)                                                          // same value
	w.SetFloat(p, fX, 10.05)                                                    // round(80.4) = 80: same wire value
	w.SetFloat(a, fF, 0)                                                        // same bits
	w.SetString(a, fS, "")                                                      // same
	w.SetGlobalFloat(gQ, 0.2)                                                   // round(0.4) = 0
	if got := w.AppendDelta(nil, 1, view, view); !bytes.Equal(got, []byte{0}) { // flags: no part
		t.Fatalf("no-op writes made a delta: % x", got)
	}
	if got := w.Float(p, fX); got != 10.05 {
		t.Fatalf("Float reads %v, want the exact value set", got)
	}

	w.BeginTick(3)
	w.SetFloat(p, fY, 0.0625)               // round(0.5) = 1 (half away from zero)
	w.SetFloat(a, fF, math.Copysign(0, -1)) // -0 has other bits than +0
	w.SetGlobalBool(gB, true)
	got := w.AppendDelta(nil, 2, view, view)
	want := []byte{
		0b1010,                                // flags: updated and globals follow
		2,                                     // two updates
		0, 1 << fF, 0, 0, 0, 0, 0, 0, 0, 0x80, // a (position 0): mask f, -0.0
		0, 1 << fY, 2, // p (position 1, gap 0): mask y, zigzag(1) = 2
		1 << gB, 1, // globals: gb = true
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("delta\n got % x\nwant % x", got, want)
	}
	// Against an older baseline the x change of tick 1 is still included.
	if got := w.AppendDelta(nil, 0, nil, view); got[0] != 0b1100 || got[1] != 2 {
		t.Fatalf("full state: flags %#b (want creates and globals only), %d creates", got[0], got[1])
	}
}

func TestSpawnRemoveAndView(t *testing.T) {
	w := NewWorld(testSchema)
	w.BeginTick(1)
	a, b, c := w.Spawn(0), w.Spawn(1), w.Spawn(2)
	m := NewMirror(testSchema)
	view := []EntityID{a, b, c}
	if err := m.Apply(w.AppendDelta(nil, 0, nil, view), true); err != nil {
		t.Fatal(err)
	}
	if d := diffMirror(w, view, m); d != "" {
		t.Fatal(d)
	}

	w.BeginTick(2)
	w.Remove(b)
	d := w.Spawn(1)
	w.SetFloat(d, fX, -3)
	if w.Exists(b) || w.Kind(b) != -1 || w.Len() != 3 {
		t.Fatal("removed entity still there")
	}
	// c goes out of view, d comes in, b is gone from the world.
	cur := w.NormalizeView([]EntityID{d, a, b, d})
	if want := []EntityID{a, d}; !equalIDs(cur, want) {
		t.Fatalf("NormalizeView = %v, want %v", cur, want)
	}
	sec := w.AppendDelta(nil, 1, view, cur)
	if err := m.Apply(sec, false); err != nil {
		t.Fatal(err)
	}
	if m.Has(b) || m.Has(c) || !m.Has(d) {
		t.Fatalf("mirror holds %v", m.IDs())
	}
	if d := diffMirror(w, cur, m); d != "" {
		t.Fatal(d)
	}
	if got := m.Float(d, fX); got != -3 {
		t.Fatalf("mirror x = %v", got)
	}
	// Flags: removed and created follow. The removed list is b then c: positions 1
	// and 2 of the baseline view, as gaps 1 and 0; no updates; d created, its id as a delta
	// from 0.
	if !bytes.HasPrefix(sec, []byte{0b0101, 2, 1, 0, 1, byte(d), 1}) {
		t.Fatalf("section % x", sec)
	}
}

func TestBeginTickMustAdvance(t *testing.T) {
	w := NewWorld(testSchema)
	w.BeginTick(5)
	defer func() {
		if recover() == nil {
			t.Fatal("BeginTick(5) twice did not panic")
		}
	}()
	w.BeginTick(5)
}

func TestSetterPanics(t *testing.T) {
	w := NewWorld(testSchema)
	a := w.Spawn(0)
	for name, f := range map[string]func(){
		"missing entity": func() { w.SetInt(99, fI, 1) },
		"wrong kind":     func() { w.SetBool(a, fI, true) },
		"bad index":      func() { w.SetInt(a, 17, 1) },
		"bad global":     func() { w.SetGlobalInt(gS, 1) },
		"bad spawn kind": func() { w.Spawn(3) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
	if w.Int(99, fI) != 0 || w.String(99, fS) != "" {
		t.Fatal("getter of a missing entity is not zero")
	}
}

func TestQuantizeSaturates(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want int64
	}{
		{math.NaN(), 0}, {math.Inf(1), math.MaxInt64}, {math.Inf(-1), math.MinInt64},
		{1e300, math.MaxInt64}, {-1e300, math.MinInt64}, {0.5, 1}, {-0.5, -1}, {1.49, 1},
	} {
		if got := quantize(c.v, 1); got != c.want {
			t.Errorf("quantize(%v) = %d, want %d", c.v, got, c.want)
		}
	}
}

func TestSchemaValidate(t *testing.T) {
	if err := testSchema.Validate(); err != nil {
		t.Fatal(err)
	}
	many := make([]Field, 64)
	for i := range many {
		many[i] = Field{Name: string(rune('A' + i)), Kind: KindBool}
	}
	for name, s := range map[string]*Schema{
		"nil":          nil,
		"no kinds":     {},
		"no kind":      {Kinds: []EntityKind{{Name: "a", Fields: []Field{{Name: "x"}}}}},
		"dup field":    {Kinds: []EntityKind{{Name: "a", Fields: []Field{{Name: "x", Kind: KindInt}, {Name: "x", Kind: KindInt}}}}},
		"dup kind":     {Kinds: []EntityKind{{Name: "a"}, {Name: "a"}}},
		"int quantum":  {Kinds: []EntityKind{{Name: "a", Fields: []Field{{Name: "x", Kind: KindInt, Quantum: 1}}}}},
		"neg quantum":  {Kinds: []EntityKind{{Name: "a", Fields: []Field{{Name: "x", Kind: KindFloat, Quantum: -1}}}}},
		"64 fields":    {Kinds: []EntityKind{{Name: "a", Fields: many}}},
		"bad global":   {Kinds: []EntityKind{{Name: "a"}}, Globals: []Field{{Name: "", Kind: KindInt}}},
		"NaN quantum":  {Kinds: []EntityKind{{Name: "a", Fields: []Field{{Name: "x", Kind: KindFloat, Quantum: math.NaN()}}}}},
		"Inf quantum":  {Kinds: []EntityKind{{Name: "a", Fields: []Field{{Name: "x", Kind: KindFloat, Quantum: math.Inf(1)}}}}},
		"unknown kind": {Kinds: []EntityKind{{Name: "a", Fields: []Field{{Name: "x", Kind: 9}}}}},
	} {
		if err := s.Validate(); !errors.Is(err, ErrBadSchema) {
			t.Errorf("%s: Validate = %v", name, err)
		}
	}
	if testSchema.FieldIndex(1, "y") != fY || testSchema.KindIndex("empty") != 2 || testSchema.GlobalIndex("gs") != gS || testSchema.FieldIndex(5, "x") != -1 {
		t.Fatal("index lookups")
	}
	// The description as a client decodes it from the wire.
	raw, err := msgpack.Marshal(testSchema.Describe())
	if err != nil {
		t.Fatal(err)
	}
	var d map[string]any
	if err := msgpack.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	if k := d["kinds"].([]any)[1].(map[string]any)["fields"].([]any)[0].(map[string]any); k["quantum"] != 0.125 || k["type"] != "float" {
		t.Fatalf("Describe: %v", k)
	}
	back, err := testSchema.Describe().Schema()
	if err != nil || !reflect.DeepEqual(back, testSchema) {
		t.Fatalf("Describe().Schema() = %+v, %v; want the schema back", back, err)
	}
	if _, err := (&SchemaDescription{Kinds: []KindDescription{{Name: "k", Fields: []FieldDescription{{Name: "f", Type: "decimal"}}}}}).Schema(); !errors.Is(err, ErrBadSchema) {
		t.Fatalf("an unknown field type: %v", err)
	}
}

func TestSettingsValidate(t *testing.T) {
	ok := Settings{MinPlayers: 1, MaxPlayers: 10, MaxPlayersLimit: 32, TickRate: 20, SnapshotRate: 10}
	if err := ok.Validate(); err != nil || ok.SnapshotEvery() != 2 {
		t.Fatal(err)
	}
	for _, mut := range []func(*Settings){
		func(s *Settings) { s.MinPlayers = 0 },
		func(s *Settings) { s.MaxPlayers = 0 },
		func(s *Settings) { s.MaxPlayersLimit = 5 },
		func(s *Settings) { s.TickRate = 129 },
		func(s *Settings) { s.SnapshotRate = 3 },
		func(s *Settings) { s.SnapshotRate = 40 },
		func(s *Settings) { s.AutoStart = 9 },
	} {
		s := ok
		mut(&s)
		if err := s.Validate(); !errors.Is(err, ErrBadSettings) {
			t.Errorf("%+v: Validate = %v", s, err)
		}
	}
}

func equalIDs(a, b []EntityID) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestAppendDeltaAllocs: encoding into a buffer with room allocates nothing,
// for full states and deltas alike.
func TestAppendDeltaAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	w := NewWorld(testSchema)
	var live []EntityID
	w.BeginTick(1)
	mutate(w, rng, &live)
	base := randomView(w, rng)
	w.BeginTick(2)
	mutate(w, rng, &live)
	cur := randomView(w, rng)
	buf := make([]byte, 0, 1<<16)
	for _, b := range []uint64{0, 1} {
		if n := testing.AllocsPerRun(100, func() { buf = w.AppendDelta(buf[:0], b, base, cur) }); n != 0 {
			t.Errorf("baseline %d: %v allocations per AppendDelta", b, n)
		}
	}
}

// TestChurnFreesPages: a match that keeps spawning and removing entities
// (bullets, respawned orbs) while a few live on from the start holds the
// pages of its live entities, not one slot per id ever spawned; clients
// following it with deltas, against baselines whose ids' pages are gone,
// still see exactly their view.
func TestChurnFreesPages(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	w := NewWorld(testSchema)
	w.BeginTick(1)
	keeper := w.Spawn(1) // lives through the match on page 0
	w.SetFloat(keeper, fX, 1)
	var bullets []EntityID // oldest first
	var hist []held
	const ticks, perTick, lifetime = 2000, 12, 6
	for tick := uint64(2); tick <= ticks; tick++ {
		w.BeginTick(tick)
		for range perTick {
			id := w.Spawn(rng.IntN(len(testSchema.Kinds)))
			setRandomField(w, rng, id)
			bullets = append(bullets, id)
		}
		for len(bullets) > perTick*lifetime {
			w.Remove(bullets[0])
			bullets = bullets[1:]
		}
		for _, id := range bullets[:len(bullets)/2] {
			setRandomField(w, rng, id)
		}
		w.SetFloat(keeper, fX, float64(tick))
		view := randomView(w, rng)
		var base held
		full := len(hist) == 0
		if full {
			base = held{m: NewMirror(testSchema)}
		} else {
			// Baselines up to 40 ticks old: 480 ids, their pages freed meanwhile.
			lo := max(0, len(hist)-40)
			base = hist[lo+rng.IntN(len(hist)-lo)]
			base.m = base.m.Clone()
		}
		if err := base.m.Apply(w.AppendDelta(nil, base.tick, base.view, view), full); err != nil {
			t.Fatalf("tick %d base %d: Apply: %v", tick, base.tick, err)
		}
		if d := diffMirror(w, view, base.m); d != "" {
			t.Fatalf("tick %d base %d: %s", tick, base.tick, d)
		}
		hist = append(hist, held{tick: tick, view: view, m: base.m})
		if len(hist) > 64 {
			hist = hist[1:]
		}
	}

	spawned := 1 + (ticks-1)*perTick
	if got := int(w.next) - 1; got != spawned {
		t.Fatalf("%d ids handed out, want %d", got, spawned)
	}
	kept := 0
	for _, p := range w.pages {
		if p != nil {
			kept++
		}
	}
	// The keeper's page, and the pages of the last 72 bullets (at most two).
	if kept > 3 {
		t.Errorf("after %d ids (%d pages), %d pages kept; want at most 3", spawned, len(w.pages), kept)
	}
	var all []EntityID
	w.Entities(func(id EntityID) { all = append(all, id) })
	if want := append([]EntityID{keeper}, bullets...); !slices.Equal(all, want) {
		t.Errorf("Entities = %v, want %v", all, want)
	}
	if w.Len() != 1+len(bullets) {
		t.Errorf("Len = %d, want %d", w.Len(), 1+len(bullets))
	}
	if w.Hash() != w.ViewHash(all) {
		t.Errorf("Hash %#x differs from the hash of every live entity %#x", w.Hash(), w.ViewHash(all))
	}
	if gone := EntityID(2); w.Exists(gone) || w.Kind(gone) != -1 || w.Float(gone, fX) != 0 {
		t.Errorf("entity %d, removed long ago: exists %v, kind %d", gone, w.Exists(gone), w.Kind(gone))
	}
	if w.Float(keeper, fX) != ticks {
		t.Errorf("keeper x = %v, want %d", w.Float(keeper, fX), ticks)
	}
}
