// Package roomtest runs a game mode in the real room runtime (rooms.Room
// and its tick loop) on the fake clock of testing/synctest, with in-memory
// players, so a mode's test can assert what players receive through the
// runtime itself: snapshots applied to a game.Mirror and checked against
// their view hash `h`, room:events, message replies and refusals, the
// results, timers firing on their ticks.
//
// Place in the data flow: a Peer stands where a connection's SocketPeer
// stands (step 6 of the data flow in package rooms): the room hands it
// events and snapshots, and it plays the client, decoding every snapshot map,
// checking that its baseline is the last one written (the Peer contract)
// and applying its section. A Room stands where the lobby stands: it seats
// players through rooms.Room and pushes their inputs into their Seat
// (step 3).
//
// Everything runs inside a synctest bubble: Start must be called from the
// function given to synctest.Test. Time moves only when every goroutine of
// the bubble waits, so time.Sleep (or Room.Sleep, which also waits for the
// room to settle) advances the clock by exactly the ticks asked for:
//
//	synctest.Test(t, func(t *testing.T) {
//		r := roomtest.Start(t, tag.Mode{})
//		ann := r.Join(game.Player{ID: 1, Name: "ann"}) // runs tick 1
//		r.Join(game.Player{ID: 2, Name: "bob"})
//		r.Start()
//		ann.Input(map[string]any{"x": 1})
//		r.Sleep(time.Second) // 20 ticks at 20 Hz
//		_ = ann.View().GlobalInt("phase")
//	})
//
// game/gametest is the kit without a clock: faster, and able to replay; use
// roomtest for what only the runtime does (rates, timing, the ack order of
// messages, the end of a room). docs/testing-modes.md shows both.
package roomtest
