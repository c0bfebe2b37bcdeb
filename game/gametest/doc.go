// Package gametest is a test kit for game modes: it drives one game.Game
// exactly in the order the room runtime (rooms/) does, with no clock and
// no goroutines, and checks on every snapshot what each player's client
// would hold.
//
// Place in the data flow: it stands where the room goroutine of package
// rooms stands (steps 4 and 5 of its data flow). A Match seats players (Join,
// Leave, Drop, Return, Start), takes inputs as the maps clients send
// (Input: encoded to canonical msgpack, seq checked, Game.DecodeInput
// called, as on a connection's reader) and room:messages (Message, with the
// handler's reply or refusal), and runs ticks (Step): inputs per player in
// seq order, the due timers, Game.Step, then at each snapshot boundary every
// connected player's delta, applied to a game.Mirror whose hash must equal
// World.ViewHash. It records every room:event with who got it, the results
// at the end of the match, World.Hash after every tick and a Log of
// everything fed, which Replay plays again from the seed (CheckReplay
// compares the two runs tick by tick).
//
// What the kit does not do is the runtime's clock and network: input rate
// limits and queue bounds, baselines lost in flight, a stalled writer.
// rooms/roomtest runs a mode in the real room loop on a fake clock for
// those. docs/testing-modes.md shows both kits on game/tag.
//
// A test of a mode reads like a match:
//
//	m := gametest.New(t, tag.Mode{}, gametest.Seed(7))
//	m.Join(game.Player{ID: 1, Name: "ann"}, game.Player{ID: 2, Name: "bob"})
//	m.Start()
//	m.Input(1, map[string]any{"x": 1, "y": 0}) // seq added: 1
//	m.StepN(2)                                  // tag snapshots every other tick
//	me, ok := m.View(1).Find("player", "pid", 1) // what ann's client holds
//	_, _ = me.Float("x"), ok
//	m.CheckReplay()
//
// Failures the runtime would turn into a closed room or a confused client
// (a snapshot that does not apply, a mirror that disagrees with the world,
// a Step after the match ended) fail the test through TB.Fatalf; refusals a
// client would get as an answer (a join refused, a malformed input, a
// message refused) are errors the Try methods and Message return.
package gametest
