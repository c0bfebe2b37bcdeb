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
// The room knows a connection only as a Peer; the binding to netio sockets
// (input, room:resync, time:sync events and the snapshot slot) implements
// Peer and calls Room and Seat methods.
//
// Before step 3 sits the lobby (Host): the registry of rooms, lobby:list
// and lobby:watch with batched lobby:update (lobby.go), seats, quickjoin,
// ready, kick, host hand-over, auto start and disposal of empty rooms
// (seats.go, requests.go), chat (chat.go) and the handshake token verifier
// (auth.go). Its state is guarded by one mutex, Host.mu; events to players
// are queued on their Peers under it (never blocking), so they go out in
// the order of the changes, and each request's ack goes before the events
// it causes. docs/lobby.md shows the flow from a client's side.
package rooms
