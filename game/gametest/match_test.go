package gametest_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/gametest"
)

// TestTickOrder: within a tick, a message comes first, then the lifecycle
// calls, then each player's inputs in seq order (stale and repeated seqs
// dropped, players ascending), then the due timers, then Step; all of it
// stamped with that tick.
func TestTickOrder(t *testing.T) {
	m := gametest.New(t, newProbe())
	m.Join(game.Player{ID: 2}, game.Player{ID: 1})
	m.Input(2, map[string]any{"x": 1})
	m.Step()
	if got, want := calls(m), "join 2@1, join 1@1, input 2 seq 1@1, step@1"; got != want {
		t.Fatalf("tick 1: %s\nwant %s", got, want)
	}
	if _, err := m.Message(1, "set", 3); err != nil {
		t.Fatal(err)
	}
	m.Start()
	m.Input(2, map[string]any{"seq": 5, "x": 5})
	m.Input(2, map[string]any{"seq": 3, "x": 3})
	m.Input(2, map[string]any{"seq": 1, "x": 9}) // stale: seq 1 was applied in tick 1
	m.Input(2, map[string]any{"seq": 5, "x": 7}) // a repeat of seq 5
	m.Input(1, map[string]any{"x": 2})
	m.Step()
	want := "set 1 3@2, start@2, input 1 seq 1@2, input 2 seq 3@2, input 2 seq 5@2, after2@2, step@2"
	if got := calls(m); got != want {
		t.Fatalf("tick 2: %s\nwant %s", got, want)
	}
	if m.Acked(2) != 5 || m.Acked(1) != 1 {
		t.Fatalf("acked %d and %d, want 5 and 1", m.Acked(2), m.Acked(1))
	}
	m.Input(2, map[string]any{"x": 0}) // no seq: the highest fed plus one
	m.StepN(3)
	if got, want := calls(m), "input 2 seq 6@3, step@3, step@4, every5@5, step@5"; got != want {
		t.Fatalf("ticks 3-5: %s\nwant %s", got, want)
	}
	// A message after a lifecycle call of the same tick cannot happen in the runtime.
	if msg := fails(func(tb gametest.TB) {
		m := gametest.New(tb, newProbe())
		m.Join(game.Player{ID: 1})
		_, _ = m.Message(1, "set", 1)
	}); !strings.Contains(msg, "before the tick's lifecycle commands") {
		t.Fatalf("message after a join: %q", msg)
	}
}

// TestSnapshotsAndViews: snapshots come every TickRate/SnapshotRate ticks;
// each player's mirror holds its view (entities leave it when they leave
// the view or the world); a dropped player gets nothing until it returns,
// with a full state.
func TestSnapshotsAndViews(t *testing.T) {
	m := gametest.New(t, newProbe())
	m.Join(game.Player{ID: 1}, game.Player{ID: 2}, game.Player{ID: 3})
	m.Step()
	if m.Snapshots(1) != 0 || m.View(1).Tick() != 0 {
		t.Fatal("a snapshot at tick 1 with a snapshot every 2 ticks")
	}
	m.Step()
	v := m.View(1)
	if v.Tick() != 2 || len(v.Entities("dot")) != 3 || v.GlobalInt("n") != 2 {
		t.Fatalf("tick 2: view of tick %d, %d dots, n %d", v.Tick(), len(v.Entities("dot")), v.GlobalInt("n"))
	}
	m.Input(3, map[string]any{"x": 50}) // out of everyone's view
	m.Drop(2)
	m.StepN(2)
	v = m.View(1)
	if _, ok := v.Find("dot", "pid", 3); ok || len(v.Entities("dot")) != 2 || v.GlobalInt("n") != 4 {
		t.Fatalf("tick 4: %d dots, n %d; player 3 far away must be gone", len(v.Entities("dot")), v.GlobalInt("n"))
	}
	if me, ok := m.View(3).Find("dot", "pid", 3); !ok || me.Int("x") != 50 || m.View(3).Len() != 1 {
		t.Fatalf("player 3 sees itself only, at 50: %v %d", ok, m.View(3).Len())
	}
	if m.View(2).Tick() != 2 || m.Snapshots(2) != 1 {
		t.Fatalf("dropped player 2 got a snapshot: tick %d", m.View(2).Tick())
	}
	m.Return(2)
	m.Leave(3)
	m.StepN(2)
	if m.View(2).Tick() != 6 || m.View(2).Len() != 2 || m.Snapshots(2) != 2 {
		t.Fatalf("returned player 2: tick %d, %d entities", m.View(2).Tick(), m.View(2).Len())
	}
	if m.View(3).Tick() != 4 {
		t.Fatal("a player who left keeps its last mirror")
	}
	if got := calls(m); !strings.Contains(got, "drop 2@3") || !strings.Contains(got, "return 2@5, leave 3@5") {
		t.Fatalf("calls %s", got)
	}
}

// TestMirrorCheck: a mode that writes the World outside a tick (here in
// DecodeInput) leaves clients with a stale view; the kit fails the test at
// the next check (every snapshot, or every HashEvery-th).
func TestMirrorCheck(t *testing.T) {
	for _, c := range []struct {
		every, want int // the check falls on snapshot want (ticks 2, 4, 6, ...)
	}{{1, 2}, {3, 3}} {
		var snaps int
		msg := fails(func(tb gametest.TB) {
			p := newProbe()
			p.cheat = true
			m := gametest.New(tb, p, gametest.HashEvery(c.every))
			defer func() { snaps = m.Snapshots(1) }()
			m.Join(game.Player{ID: 1}, game.Player{ID: 2})
			m.StepN(2)
			m.Input(1, map[string]any{"x": 1}) // changes "note" in tick 2, already sent
			m.StepN(10)
		})
		if !strings.Contains(msg, "mirror hash") || snaps != c.want-1 {
			t.Fatalf("HashEvery(%d): failure %q after %d snapshots, want a hash mismatch on snapshot %d", c.every, msg, snaps, c.want)
		}
	}
}

// TestJoinAndStart: the runtime's own refusals come before CanJoin's; Start
// needs MinPlayers and phase waiting.
func TestJoinAndStart(t *testing.T) {
	m := gametest.New(t, newProbe())
	if err := m.TryJoin(game.Player{ID: 1, Meta: map[string]any{"banned": true}}); err == nil || err.Error() != "probe: banned" {
		t.Fatalf("CanJoin's refusal: %v", err)
	}
	m.Join(game.Player{ID: 1, Meta: map[string]any{"level": 3.0, "w": float32(0.5), "n": uint8(2)}})
	if err := m.TryJoin(game.Player{ID: 1}); !errors.Is(err, gametest.ErrAlreadySeated) {
		t.Fatalf("seated twice: %v", err)
	}
	if err := m.TryStart(); !errors.Is(err, gametest.ErrTooFewPlayers) {
		t.Fatalf("start alone: %v", err)
	}
	m.Join(game.Player{ID: 2}, game.Player{ID: 3})
	if err := m.TryJoin(game.Player{ID: 4}); !errors.Is(err, game.ErrRoomFull) {
		t.Fatalf("fourth of three seats: %v", err)
	}
	m.Start()
	if err := m.TryStart(); !errors.Is(err, gametest.ErrNotWaiting) {
		t.Fatalf("second start: %v", err)
	}
	m.Step()
	if m.Phase() != gametest.PhasePlaying || !slices.Equal(m.Seated(), []game.PlayerID{1, 2, 3}) {
		t.Fatalf("phase %v, seated %v", m.Phase(), m.Seated())
	}
	// Meta reaches the game as the lobby gives it.
	if msg := fails(func(tb gametest.TB) {
		gametest.New(tb, newProbe()).Join(game.Player{ID: 1, Meta: map[string]any{"x": []int{1}}})
	}); !strings.Contains(msg, "strings, numbers and booleans") {
		t.Fatalf("meta of a slice: %q", msg)
	}
}

// TestInputs: what the runtime drops is an error of TryInput.
func TestInputs(t *testing.T) {
	m := gametest.New(t, newProbe())
	m.Join(game.Player{ID: 1})
	for _, c := range []struct {
		in   map[string]any
		want error
	}{
		{map[string]any{"x": 101}, game.ErrBadInput},
		{map[string]any{"x": "1"}, game.ErrBadInput},
		{map[string]any{"seq": 0}, gametest.ErrBadSeq},
		{map[string]any{"seq": 1.5}, gametest.ErrBadSeq},
		{map[string]any{"seq": "1"}, gametest.ErrBadSeq},
		{map[string]any{"seq": uint64(1) << 53}, gametest.ErrBadSeq},
	} {
		if err := m.TryInput(1, c.in); !errors.Is(err, c.want) {
			t.Errorf("%v: %v, want %v", c.in, err, c.want)
		}
	}
	if err := m.TryInput(2, map[string]any{"x": 1}); !errors.Is(err, gametest.ErrNotSeated) {
		t.Fatalf("input of a player not seated: %v", err)
	}
	// Accepted: a whole float is an integer on the wire, as a JS client sends it.
	m.Input(1, map[string]any{"seq": 2.0, "x": -4.0})
	m.Step()
	if calls(m) != "join 1@1, input 1 seq 2@1, step@1" {
		t.Fatal("input not applied")
	}
}

// TestMessagesAndEvents: replies, refusals, events to all, to one and to all
// but one (none to a dropped player), and a handler's World change in the
// next snapshot.
func TestMessagesAndEvents(t *testing.T) {
	m := gametest.New(t, newProbe())
	m.Join(game.Player{ID: 1}, game.Player{ID: 2}, game.Player{ID: 3})
	m.Step()
	reply, err := m.Message(1, "set", 7)
	if err != nil || reply.(map[string]any)["was"] != int64(7) {
		t.Fatalf("set: %v, %v", reply, err)
	}
	if _, err := m.Message(1, "no", nil); !errors.Is(err, gametest.ErrRefused) || !errors.Is(err, errProbeNo) {
		t.Fatalf("refusal: %v", err)
	}
	if _, err := m.Message(1, "set", "x"); !errors.Is(err, gametest.ErrRefused) || !errors.Is(err, game.ErrBadInput) {
		t.Fatalf("bad data: %v", err)
	}
	if _, err := m.Message(1, "what", nil); !errors.Is(err, game.ErrNoHandler) {
		t.Fatalf("no handler: %v", err)
	}
	if _, err := m.Message(9, "set", 1); !errors.Is(err, gametest.ErrNotSeated) {
		t.Fatalf("not seated: %v", err)
	}
	m.Step()
	if me, _ := m.View(1).Find("dot", "pid", 1); me.Int("x") != 7 {
		t.Fatalf("the handler's change is not in the snapshot of tick 2: x %d", me.Int("x"))
	}
	m.Drop(3)
	m.Step()
	if _, err := m.Message(2, "shout", nil); err != nil {
		t.Fatal(err)
	}
	types := func(id game.PlayerID) (out []string) {
		for _, e := range m.Events(id) {
			out = append(out, e.Type)
		}
		return out
	}
	// An event sent in Join reaches the players seated before: the runtime
	// seats the player after Game.Join returns.
	if got := types(1); !slices.Equal(got, []string{"joined", "joined", "shout"}) {
		t.Errorf("player 1 got %v", got)
	}
	if got := types(2); !slices.Equal(got, []string{"joined", "echo"}) {
		t.Errorf("player 2 got %v", got)
	}
	if got := types(3); len(got) != 0 {
		t.Errorf("dropped player 3 got %v", got)
	}
	if e, ok := m.LastEvent(1, "shout"); !ok || e.Fields["from"] != int64(2) || e.Tick != 4 || !slices.Equal(e.To, []game.PlayerID{1}) {
		t.Fatalf("shout: %+v", e)
	}
	if all := m.Emitted(); len(all) != 5 || len(all[0].To) != 0 || !slices.Equal(all[2].To, []game.PlayerID{1, 2}) {
		t.Fatalf("emitted: %+v", all)
	}
}

// TestMatchEnd: MatchTicks after Start the match ends: the final snapshot,
// room:event results, MatchEnded; no tick runs after it; Close disposes.
func TestMatchEnd(t *testing.T) {
	m := gametest.New(t, newProbe(), gametest.RoomOptions(game.Options{Raw: map[string]any{"matchTicks": 4}}))
	m.Join(game.Player{ID: 1}, game.Player{ID: 2})
	m.Step()
	m.Start()
	m.StepN(10)
	if ended, at := m.Ended(); !ended || at != 6 || m.Tick() != 6 {
		t.Fatalf("ended %v at %d, tick %d; want tick 6 (start in 2, then 4 ticks)", ended, at, m.Tick())
	}
	// Tick 6 is no snapshot boundary (every 2 ticks from 2): the final one is extra.
	if m.View(1).Tick() != 6 || m.View(1).GlobalInt("n") != 6 {
		t.Fatalf("no final snapshot: view of tick %d", m.View(1).Tick())
	}
	if e, ok := m.LastEvent(2, "results"); !ok || e.Fields["steps"] != int64(6) || m.Results()["steps"] != int64(6) {
		t.Fatalf("results %+v", e)
	}
	if got := calls(m); !strings.HasSuffix(got, "step@6, ended@6") {
		t.Fatalf("calls %s", got)
	}
	if msg := fails(func(tb gametest.TB) {
		m := gametest.New(tb, newProbe())
		m.Join(game.Player{ID: 1}, game.Player{ID: 2})
		m.Step()
		_, _ = m.Message(1, "end", nil) // EndMatch between ticks: no tick runs after it
		if ended, at := m.Ended(); !ended || at != 1 {
			tb.Fatalf("EndMatch in a message: ended %v at %d, want at once, after tick 1", ended, at)
		}
		m.Step()
	}); !strings.Contains(msg, "no more ticks") {
		t.Fatalf("Step after the end: %q", msg)
	}
	m.Leave(1) // after the end the game is not told
	m.Close("ended")
	if got := calls(m); got != "dispose ended@6" || m.Context().Timers.Pending() != 0 {
		t.Fatalf("close: %s, %d timers", got, m.Context().Timers.Pending())
	}
}

// TestReplay: CheckReplay passes for a deterministic match and fails for one
// whose game depends on something besides its seed and what it was fed.
func TestReplay(t *testing.T) {
	m := gametest.New(t, newProbe(), gametest.Seed(3))
	m.Join(game.Player{ID: 1, Name: "a", Meta: map[string]any{"k": 1}}, game.Player{ID: 2})
	m.Step()
	for i := range 30 {
		m.Input(1, map[string]any{"x": i % 7})
		if i%5 == 0 {
			_, _ = m.Message(2, "set", i)
		}
		_ = m.TryInput(2, map[string]any{"x": 200}) // malformed, in the log too
		m.Step()
	}
	m.Drop(2)
	m.Step()
	m.CheckReplay()
	r := gametest.Replay(t, newProbe(), 3, m.Log())
	if !slices.Equal(r.Hashes(), m.Hashes()) || len(r.Hashes()) != 32 {
		t.Fatal("Replay differs")
	}

	counter := 0
	msg := fails(func(tb gametest.TB) {
		m := gametest.New(tb, flaky{newProbe(), &counter})
		m.Join(game.Player{ID: 1}, game.Player{ID: 2})
		m.StepN(3)
		m.CheckReplay()
	})
	if !strings.Contains(msg, "replay diverges in tick 1") {
		t.Fatalf("flaky mode: %q", msg)
	}
}

// flaky is a probe whose world depends on how many games were made before.
type flaky struct {
	probe
	n *int
}

func (f flaky) New(c *game.Context) game.Game {
	*f.n++
	g := f.probe.New(c)
	c.World.SetGlobalString(1, strings.Repeat("x", *f.n))
	return g
}

// TestEncode: inputs and message data are what a client's canonical msgpack
// is.
func TestEncode(t *testing.T) {
	for _, c := range []struct {
		in   any
		want string
	}{
		{map[string]any{"y": 1.0, "x": float32(-2), "seq": uint64(300)}, "\x83\xa3seq\xcd\x01\x2c\xa1x\xfe\xa1y\x01"},
		{[]any{0.5, nil, true, "é", []byte{1}}, "\x95\xcb\x3f\xe0\x00\x00\x00\x00\x00\x00\xc0\xc3\xa2\xc3\xa9\xc4\x01\x01"},
		{struct {
			A int8 `msgpack:"a"`
		}{-40}, "\x81\xa1a\xd0\xd8"},
		{-0.0, "\x00"},
	} {
		got, err := gametest.Encode(c.in)
		if err != nil || string(got) != c.want {
			t.Errorf("%v: % x, %v; want % x", c.in, got, err, c.want)
		}
	}
	for _, bad := range []any{map[int]any{1: 2}, "\xff", map[string]any{"a": map[any]any{true: 1}}} {
		if _, err := gametest.Encode(bad); err == nil {
			t.Errorf("%v encoded", bad)
		}
	}
}

// TestRoundTrip: what reaches players is what a client decodes.
func TestRoundTrip(t *testing.T) {
	got, err := gametest.RoundTrip(map[string]any{"a": []any{uint8(1), 2.5, float32(3), "s", nil, true}, "b": uint64(1) << 63, "c": []byte{9}})
	want := map[string]any{"a": []any{int64(1), 2.5, int64(3), "s", nil, true}, "b": uint64(1) << 63, "c": []byte{9}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("%#v, %v", got, err)
	}
	if _, err := gametest.Decode([]byte{0x81, 0x01, 0x02}); err == nil {
		t.Fatal("a map with an int key decoded")
	}
	if _, err := gametest.Decode([]byte{0x91}); err == nil {
		t.Fatal("a truncated array decoded")
	}
	// A mode that emits what cannot be sent fails the test where it emits.
	msg := fails(func(tb gametest.TB) {
		m := gametest.New(tb, unsendable{newProbe()})
		m.Join(game.Player{ID: 1})
	})
	if !strings.Contains(msg, "room:event joined cannot be sent") {
		t.Fatalf("unsendable event: %q", msg)
	}
}

// unsendable is a probe whose Join emits a value msgpack cannot encode.
type unsendable struct{ probe }

func (u unsendable) New(c *game.Context) game.Game {
	emit := c.Emit
	g := u.probe.New(c)
	c.Emit = func(typ string, _ map[string]any) { emit(typ, map[string]any{"ch": make(chan int)}) }
	return g
}
