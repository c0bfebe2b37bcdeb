// Package clientinterop proves the Go Socket.IO client (netio/client) against real servers:
// the npm socket.io server (tests/node/interop/reference-server.mjs, once with
// socket.io-msgpack-parser and once with the default text parser) and tickroom's own server
// (tests/interop/testserver), over websocket, polling and polling-then-upgrade. Both servers
// share one event vocabulary, so every scenario runs unchanged against each.
//
// It sits at the edge of the data flow: nothing imports it. Node and the npm packages are
// required: a missing node or node_modules fails the tests (make deps installs them).
package clientinterop
