// Package e2e drives the real gameserver binary (built with the race detector, started with
// -hash-every 1) with real clients: the Go Socket.IO client in netio/client over WebSocket,
// long-polling and polling-then-upgrade, and a minimal raw WebSocket reader for what that client
// cannot do (a small, throttled TCP receive buffer; a reserved event name).
//
// Every client applies every snapshot to a game.Mirror and checks the view hash `h` the server
// puts on every snapshot, so the tests prove the game protocol's snapshot rules end to end:
// deltas only against a baseline the client holds, full states on join, rejoin and resync,
// latest-wins delivery for slow readers, and rooms that keep their rate whatever one client does.
//
// Place in the data flow: outside it, at the far end of the wire. Nothing imports this package.
//
// Environment:
//
//	TICKROOM_E2E_SECONDS  length of TestRandomized (default 60)
//	TICKROOM_E2E_CLIENTS  clients in TestRandomized, in rooms of 10 (default 50)
package e2e
