// Package cluster joins gameserver nodes into one deployment over a NATS
// system with JetStream (the bus): one lobby across every node, and seat
// requests routed to the node that runs the room (docs/cluster.md).
//
// Place in the data flow: a Node is the lobby's Store and Cluster
// (rooms/lobby). A room's changes reach it through the Listing the lobby
// got from Add, on the room's goroutine, which never waits: the listing
// swaps the room's RoomInfo and marks it for a publisher goroutine that
// puts it in the rooms bucket. Other nodes' rooms arrive through KV watches
// into a local cache, which Get, ByCode and List read without a round trip
// and whose changes go to the lobby's watch hub (Subscribe). A seat request
// for another node's room goes to that node as a NATS request (Send), which
// its Node answers with lobby.Host.Remote. Ticks, inputs and snapshots
// never touch the bus.
//
// Who owns what: the cache's maps are guarded by one lock held only for
// map operations; a listing's RoomInfo is an atomic pointer; the publisher
// goroutine owns the listings' code claims; the session goroutine owns the
// connection's setup and the heartbeat; the watch goroutines own nothing
// but their snapshot in progress.
package cluster
