package tag_test

import (
	"errors"
	"math"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/gametest"
	"github.com/tickroom/tickroom/game/tag"
	"github.com/tickroom/tickroom/rooms"
	"github.com/tickroom/tickroom/rooms/roomtest"
)

// player returns the entity of player id in what a client holds.
func player(t *testing.T, v gametest.View, id game.PlayerID) gametest.Entity {
	t.Helper()
	e, ok := v.Find("player", "pid", int64(id))
	if !ok {
		t.Fatalf("player %d is not in the view of tick %d", id, v.Tick())
	}
	return e
}

// toward is the input that steers from one player's entity to another's.
func toward(from, to gametest.Entity) map[string]any {
	dx, dy := to.Float("x")-from.Float("x"), to.Float("y")-from.Float("y")
	d := math.Hypot(dx, dy)
	if d == 0 {
		return map[string]any{"x": 0, "y": 0}
	}
	return map[string]any{"x": dx / d, "y": dy / d}
}

// TestChase: "it" runs after the other player, steered from what its client
// sees, until it tags; the tagged player is told, and cannot tag back
// before the no-tag-back timer ends, NoTagBackTicks later.
func TestChase(t *testing.T) {
	m := gametest.New(t, tag.Mode{}, gametest.Seed(7))
	m.Join(game.Player{ID: 1, Name: "ann"}, game.Player{ID: 2, Name: "bob"})
	m.Start()
	m.StepN(2) // snapshots go out every other tick (SnapshotRate 10 Hz)
	it := game.PlayerID(m.View(1).GlobalInt("it"))
	runner := 3 - it
	for m.View(runner).GlobalInt("it") == int64(it) {
		v := m.View(it)
		m.Input(it, toward(player(t, v, it), player(t, v, runner)))
		m.Step()
		if m.Tick() > 400 {
			t.Fatal("no tag in 20 s")
		}
	}
	tagged, ok := m.LastEvent(runner, "it") // EmitTo: the tagged player only
	if !ok || tagged.Fields["by"] != int64(it) {
		t.Fatalf("the runner was not told it is it: %+v", tagged)
	}
	if e, ok := m.LastEvent(it, "tag"); !ok || e.Fields["it"] != int64(runner) || e.Tick != tagged.Tick {
		t.Fatalf("the tagger did not see the tag: %+v", e)
	}
	// The old "it" stops; the new one runs after it and touches it at once, but
	// may tag it back only when the timer set in the tagging tick has fired.
	m.Input(it, map[string]any{"x": 0, "y": 0})
	for m.View(it).GlobalInt("it") == int64(runner) {
		v := m.View(runner)
		m.Input(runner, toward(player(t, v, runner), player(t, v, it)))
		m.Step()
	}
	back, _ := m.LastEvent(it, "it")
	t.Logf("tagged in tick %d, tagged back in tick %d", tagged.Tick, back.Tick)
	if back.Tick != tagged.Tick+tag.NoTagBackTicks {
		t.Fatalf("tagged back in tick %d, want %d", back.Tick, tagged.Tick+tag.NoTagBackTicks)
	}
	m.CheckReplay()
}

// TestTauntAndCooldown: a taunt reaches everyone but its sender, the sender learns how
// many heard it, and a second one within two seconds is refused.
func TestTauntAndCooldown(t *testing.T) {
	m := gametest.New(t, tag.Mode{})
	m.Join(game.Player{ID: 1, Name: "ann"}, game.Player{ID: 2, Name: "bob"}, game.Player{ID: 3, Name: "cy"})
	m.Step()
	reply, err := m.Message(1, "taunt", map[string]any{"text": "catch me"})
	if err != nil || reply.(map[string]any)["heard"] != int64(2) {
		t.Fatalf("taunt: %v, %v", reply, err)
	}
	for _, id := range []game.PlayerID{2, 3} {
		if e, ok := m.LastEvent(id, "taunt"); !ok || e.Fields["text"] != "catch me" || e.Fields["from"] != int64(1) {
			t.Fatalf("player %d got %+v", id, e)
		}
	}
	if _, ok := m.LastEvent(1, "taunt"); ok {
		t.Fatal("the sender heard its own taunt")
	}
	if _, err := m.Message(1, "taunt", map[string]any{"text": "again"}); !errors.Is(err, tag.ErrTauntCooldown) {
		t.Fatalf("a second taunt at once: %v", err)
	}
	m.StepN(tag.TauntCooldown)
	if _, err := m.Message(1, "taunt", map[string]any{"text": "again"}); err != nil {
		t.Fatalf("a taunt two seconds later: %v", err)
	}
}

// TestReplayRound: a round of random steering, taunts, a drop and a return, a
// late join and a leave plays again the same from its seed and log.
func TestReplayRound(t *testing.T) {
	m := gametest.New(t, tag.Mode{}, gametest.Seed(42),
		gametest.RoomOptions(game.Options{Raw: map[string]any{"roundSeconds": 20}}))
	for id := game.PlayerID(1); id <= 4; id++ {
		m.Join(game.Player{ID: id, Name: "p"})
	}
	m.Start()
	m.Step()
	rng := game.NewRand(1)
	for m.Phase() != gametest.PhaseEnded {
		if rng.IntN(30) == 0 {
			_, _ = m.Message(game.PlayerID(1+rng.IntN(4)), "taunt", map[string]any{"text": "hey"})
		}
		switch m.Tick() {
		case 100:
			m.Drop(2)
		case 150:
			m.Return(2)
		case 200:
			m.Join(game.Player{ID: 5, Name: "late"})
		case 300:
			m.Leave(3)
		}
		for _, id := range m.Seated() {
			m.Input(id, map[string]any{"x": rng.Range(-1, 1), "y": rng.Range(-1, 1)})
		}
		m.Step()
	}
	m.CheckReplay()
}

// TestRoundInTheRuntime: the same mode in the real room loop, on a fake
// clock: the round ends 5 s after the start with the results, every client
// holding the final state, and the room closes 10 s later.
func TestRoundInTheRuntime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := roomtest.Start(t, tag.Mode{}, roomtest.RoomOptions(game.Options{Raw: map[string]any{"roundSeconds": 5}}))
		ann := r.Join(game.Player{ID: 1, Name: "ann"}) // tick 1
		bob := r.Join(game.Player{ID: 2, Name: "bob"}) // tick 2
		r.Start()                                      // tick 3: "it" is picked
		if len(ann.RoomEvents("it"))+len(bob.RoomEvents("it")) != 1 {
			t.Fatal("nobody, or both, told they are it")
		}
		reply, err := r.Message(1, "taunt", map[string]any{"text": "catch me"})
		if err != nil || reply.(map[string]any)["heard"] != int64(1) {
			t.Fatalf("taunt: %v, %v", reply, err)
		}
		var refused *rooms.RefusedError
		if _, err := r.Message(1, "taunt", map[string]any{"text": "again"}); !errors.As(err, &refused) {
			t.Fatalf("a second taunt at once: %v", err)
		}
		ann.Input(map[string]any{"x": 1, "y": 0})
		r.Sleep(5 * time.Second) // the round's 100 ticks, from tick 3 to 103
		res := bob.RoomEvents("results")
		if len(res) != 1 {
			t.Fatalf("results: %v", res)
		}
		var charged int64
		for _, e := range res[0]["ranking"].([]any) {
			charged += e.(map[string]any)["itTicks"].(int64)
		}
		if charged != 101 {
			t.Fatalf("%d ticks as it in all, want 101 (ticks 3 to 103)", charged)
		}
		if v := ann.View(); v.Tick() != 103 || v.GlobalInt("phase") != tag.PhaseEnded {
			t.Fatalf("final state: tick %d, phase %d", v.Tick(), v.GlobalInt("phase"))
		}
		if err := r.Wait(); err != nil || bob.Closed() != string(rooms.CloseEnded) {
			t.Fatalf("the room: %v, closed %q", err, bob.Closed())
		}
	})
}
