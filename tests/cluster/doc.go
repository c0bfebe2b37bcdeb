// Package cluster tests a cluster of real gameserver processes over a real
// NATS server process, on loopback: one lobby across the nodes, seats
// routed to the room's node and followed by the npm socket.io-client, and
// by client-js and gamebot by themselves (TestFollow), seat races across
// nodes, a node killed with kill -9, the bus paused,
// killed and restarted, and a draining node (docs/cluster.md).
//
// It sits at the edge of the data flow: it imports the module's packages
// only to read their wire types; the servers under test are processes.
package cluster
