// Package engineio is the server side of Engine.IO v4, the transport layer under Socket.IO.
//
// Place in the data flow: it is the first stage of netio. Bytes arrive as HTTP long-polling
// requests or WebSocket frames; this package turns them into ordered Engine.IO messages for
// one Session per client and hands them to a SessionHandler, which netio/socketio implements.
// In the other direction socketio calls Session.Send with already encoded messages, which
// are queued and written by the session's single writer.
//
//	browser / bot --HTTP, WebSocket--> engineio.Server --Message--> socketio --> rooms
//	                                   engineio.Session <--Send----
//
// Behaviour follows the reference Node server (engine.io 6.6): handshake fields, error codes
// and the order of checks, the heartbeat (the server pings, a client ping is an error), the
// polling-to-websocket upgrade with its probe, and the close reasons.
//
// Concurrency: a session's handler runs on its reader (the websocket reader goroutine or the
// POST request), never concurrently with itself. Send never blocks: each session has a
// bounded outbox, and a client that lets it fill is closed as "slow client" without delaying
// anyone else. A websocket connection has one reader goroutine at a time, which reads frames
// itself (checking them with the pure frame rules of wsframe.go) and parks with no buffer and
// a minimal stack while the client is idle; its writer
// goroutine exists only while there is something to write. A latest-wins message offered
// while no writer is at work (OfferLatest: a game snapshot) is written by the caller itself,
// with one write that never blocks, falling back to the slot and the writer when the kernel
// will not take it whole (wsdirect.go). Timers, not goroutines, drive
// heartbeats and upgrade timeouts.
//
// Limits for the open internet (docs/netio.md, "Limits"): a handshake is admitted against
// the per-address and per-node caps before a session exists (limits.go, with the client
// address of clientaddr.go), origins are checked before anything else (cors.go), the outbox
// is bounded in bytes as well as packets, a POST body has a deadline, a session keeps a
// bounded copy of its request (request.go), and a panic in handler code closes only its
// session (recover.go). Server.Stats counts what they refused.
//
// The packet and payload codec (DecodePacket, AppendPacket, DecodePayload, AppendPayload)
// has no server state and is shared with the Go client.
package engineio
