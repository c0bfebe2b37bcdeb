// Package interop holds the end-to-end tests in which the unmodified npm socket.io-client (with
// socket.io-msgpack-parser, and with the default text parser) talks to tickroom's Go Socket.IO
// server over websocket only, polling only, and polling then the upgrade to websocket.
//
// The Go side is the small server in ./testserver, built with the race detector when the test
// is; the client side is the scenario scripts in tests/node/interop/scenarios, one Node process
// per scenario and combination. Their packages come from tests/node (npm ci; `make test` runs it).
package interop
