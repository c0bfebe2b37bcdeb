// Package hostile attacks an in-process netio server the way a client on the open internet
// could, and checks the limits of the v2 contract that live in netio (docs/netio.md,
// "Limits"): connections per address and per node, the byte-bounded outbox, oversized
// handshake auth, slow POST bodies, foreign origins, panics in handlers, and a flood of
// handshakes never followed up.
//
// Each test speaks raw TCP and hand-written HTTP and WebSocket frames where the limit is on
// the transport, and asserts three things: what the attacker gets (status and body, close
// reason, CONNECT_ERROR), that a well-behaved Go netio client on the same server sees every
// tick of a 50 ms stream with no gap and no error, and that the server's heap (after a GC)
// stays bounded and returns once the attacker is gone.
//
// Place in the data flow: outside it, at the far end of the wire. Nothing imports this
// package. The tests that measure the heap run one at a time (no t.Parallel): another
// test's allocations would blur the figure.
package hostile
