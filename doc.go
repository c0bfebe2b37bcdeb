// Package tickroom is the embeddable tickroom server: a user's main gives it
// its own game modes (package game) and gets what the gameserver binary
// has: the public HTTP listener with Socket.IO at /socket.io/, /healthz and
// /stats, the lobby with its seat grace, limits and token verifier hook,
// the arena demo page at "/" when asked, and a graceful shutdown in which
// every room closes with room:closed {reason: "shutdown"} before the
// connections do. cmd/gameserver is a thin main over it; docs/modes.md
// ("Hosting your own mode") shows a whole server of a custom mode.
//
// Place in the data flow: it wires the layers and holds no game logic. An
// HTTP request reaches the Handler's mux; /socket.io/ goes to netio's
// Socket.IO server, whose "/" namespace the lobby's Host (rooms/lobby)
// serves; the Host runs rooms (package rooms) of the configured modes
// (package game), and the rooms' snapshots flow back through netio. The
// demo page's files come from client-js.
//
// Who owns what: a Server's configuration, Socket.IO server, Host and
// routes are fixed by New; Serve owns the http.Server it starts; Shutdown
// runs once and closes, in order, the rooms, the Socket.IO connections and
// the listener.
package tickroom
