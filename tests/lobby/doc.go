// Package lobby tests the game protocol's lobby and room requests end to end: Node scripts
// (tests/node/lobby) drive the gameserver binary through the npm socket.io-client with the
// msgpack parser, and Go tests race many netio clients against an in-process lobby.Host.
//
// It sits outside the data flow: it imports rooms, netio and game only to stand a server up.
package lobby
