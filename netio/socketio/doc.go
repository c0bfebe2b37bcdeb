// Package socketio is the Socket.IO v5 layer of netio: namespaces, sockets,
// events, acknowledgements and broadcast groups, on top of Engine.IO
// sessions from netio/engineio and packets from netio/sioparser.
//
// Place in the data flow: an engineio.Session delivers Engine.IO messages to
// this package's per-connection client, which picks the peer's parser from
// the first Socket.IO packet (a binary frame means socket.io-msgpack-parser,
// text means the default parser), decodes packets and hands events to the
// handlers registered on a Socket. In the other direction, Emit encodes a
// packet once per parser kind and hands the same bytes to every target
// session's outbox; it never waits for the network.
//
// Handlers registered on one socket run one at a time, in arrival order, on
// that connection's reader path. A handler must not block on an answer that
// the same connection would have to read (use EmitWithAck with a callback,
// not EmitWithAckContext, from inside a handler).
//
// A panic in a handler closes only that connection, with reason "server
// error", and is counted; an oversized handshake auth is refused before it
// is decoded (limits.go, docs/netio.md "Limits").
//
// The package knows nothing of games; rooms/ binds the game protocol's
// events to it.
package socketio
