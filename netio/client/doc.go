// Package client is tickroom's Go Socket.IO client: Engine.IO v4 over WebSocket, HTTP
// long-polling, or polling upgraded to WebSocket (the npm client's default), and Socket.IO v5
// namespaces, events and acks with either parser (socket.io-msgpack-parser by default, or
// the default text parser). It speaks to any Socket.IO v4 server, the npm socket.io server
// included, not only to netio/socketio.
//
// Place in the data flow: it is the Go end of step 1 ("the client emits input"). Headless bots
// (cmd/gamebot), load harnesses and Go end-to-end tests use it where a browser would use
// socket.io-client. It reuses the wire code of the server side: netio/engineio for the
// Engine.IO packet and payload codec, netio/sioparser for both Socket.IO parsers and the
// canonical msgpack data model, so Args hold canonical msgpack as on the server.
//
// # Shape
//
// A [Manager] is one Engine.IO connection to one server; [Manager.Socket] gives the [Socket]
// of a namespace, several of which share the connection. [Dial] is the short form for the
// main namespace. While a socket is active (from Connect or Open until Disconnect) the
// Manager reconnects after a lost connection with exponential backoff and jitter and rejoins
// every active namespace.
//
// # Goroutines
//
// A connection has one reader goroutine and a writer goroutine that runs only while packets
// wait, so an idle client costs one goroutine. Emit never blocks: on an idle WebSocket it
// writes the frame itself with a write that does not block (what the socket does not take
// is left to the writer), and otherwise it queues encoded packets on a bounded queue
// (Options.QueueSize) and fails with [ErrQueueFull] past it. Event
// handlers run on the reader goroutine, one at a time; they must not wait for something the
// same connection has to read (EmitWithAckContext), and must not call [Manager.Close], which
// waits for every goroutine of the Manager to end.
package client
