// Package lobby is tickroom's lobby: the registry of rooms (a Store: their
// ids, join codes and published RoomInfo), seat tokens, the game
// protocol's requests (room:create, join, quickjoin, rejoin, leave, ready,
// start, kick, chat, lobby:list, watch, unwatch, room:resync, time:sync),
// the handshake token verifier, and the binding of `input` to a player's
// seat. It runs the rooms of package rooms and binds them to netio sockets.
//
// Place in the data flow (docs/design.md): a connection's reader calls the
// request handlers (requests.go, handlers.go) one at a time; a request that
// changes a seat runs as one step on the room's goroutine (rooms.Room.Do),
// where the game's seat and the lobby's record of it change together and
// the room's players hear of it (seats.go). The `input` handler reads the
// connection's seat from an atomic pointer and pushes into that seat's own
// queue (step 3): no lock shared across rooms is on the input path.
//
// Who owns what: Host.mu guards the host's tables (its rooms, seat tokens)
// and is never held while waiting; each room's players, host and ready
// flags belong to that room's goroutine; each room publishes an immutable
// RoomInfo to the Store on every change, and lobby:list, lobby:watch and
// quickjoin read those without touching a room; the watch hub's goroutine
// owns the watchers and sends their batched lobby:update (watch.go).
// docs/lobby.md shows the flow from a client's side.
package lobby
