// Package rooms is tickroom's game runtime: one goroutine per room running
// a fixed-step tick loop over a game.Game, the per-player input queues, and
// per-player snapshot delivery.
//
// Place in the data flow (design steps 3 to 6):
//
//  3. A connection's event handler calls Seat.PushInput with the raw msgpack
//     `input` argument. PushInput never blocks: it rate-limits, validates seq,
//     decodes with Game.DecodeInput and puts the input into the seat's
//     bounded queue (the oldest input goes when it is full). Every drop is
//     counted in Stats.
//  4. The room goroutine, sole owner of the game and its World, runs ticks at
//     start + n/TickRate (drift-free; after a stall at most MaxCatchUp extra
//     steps, the rest dropped and counted as overruns). A tick applies
//     lifecycle commands (join, leave, drop, return, start), then each seat's
//     queued inputs in seq order, then Game.Step.
//  5. At each snapshot boundary the baseline of a player is the last snapshot
//     its connection reported written. Players with the same baseline (tick
//     and view) and the same current view share one World.AppendDelta
//     section: encode once, send many. A join, a rejoin, a room:resync or a
//     baseline older than the views the room keeps gets a full state.
//  6. The room hands each player's packet to its Peer's latest-wins slot and
//     never waits; the Peer's writer reports a written snapshot through a
//     callback, and that snapshot becomes the player's next baseline.
//
// The room knows a connection only as a Peer; SocketPeer binds a Peer to a
// netio socket (events to its ordered queue, snapshots to its latest-wins
// slot). The lobby (rooms/lobby) sits before step 3: it seats players
// through Room.Do, whose Tx changes seats in the tick being built while the
// lobby records them in the same step, and keeps its own per-room state on
// the room goroutine through Room.Do and Room.Call. The runtime knows
// nothing of the lobby: what the lobby needs from a room is in Options
// (first tick, the end-of-match callback) and the Room methods.
// docs/design.md draws the whole flow.
package rooms
