// Package server is the embeddable tickroom server: a user's main gives it
// its own game modes (package game) and gets what the gameserver binary
// has: the public HTTP listener with Socket.IO at /socket.io/, /healthz and
// /stats, the lobby with its seat grace, limits and token verifier hook,
// the arena demo page at "/" when asked, and a graceful shutdown in which
// every room closes with room:closed {reason: "shutdown"} before the
// connections do. Its operations side (docs/operations.md) is an admin
// listener apart from the public one: Prometheus metrics from the server's
// own registry, liveness and readiness, pprof, the monitor page and admin
// API at /admin/; a drain (Drain) that lets rooms end before shutting
// down; and reports to an Agones SDK sidecar. cmd/gameserver is a thin
// main over it; docs/modes.md ("Hosting your own mode") shows a whole
// server of a custom mode.
//
// Place in the data flow: it wires the layers and holds no game logic. An
// HTTP request reaches the Handler's mux; /socket.io/ goes to netio's
// Socket.IO server, whose "/" namespace the lobby's Host (rooms/lobby)
// serves; the Host runs rooms (package rooms) of the configured modes
// (package game), and the rooms' snapshots flow back through netio. The
// demo page's files come from client-js.
//
// The operations side reads the layers' plain counters (rooms.Stats, the
// lobby's request and refusal counts, netio's traffic counts) when scraped
// or sampled, from one collector (metrics.go) and one monitor goroutine
// (monitor.go); nothing of it sits on a player's path.
//
// Who owns what: a Server's configuration, Socket.IO server, Host, routes,
// metrics registry and monitor are fixed by New; Serve owns the
// http.Servers it starts (public and admin) and the Agones reporter;
// Shutdown runs once and closes, in order, the rooms, the Socket.IO
// connections, the public listener, then the operations side (Agones
// hears Shutdown, the admin listener closes last).
package server
