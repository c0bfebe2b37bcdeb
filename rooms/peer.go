package rooms

// Peer is one seated player's connection as the room sees it. Every method
// returns at once: the room goroutine calls them and must never wait for
// the network.
type Peer interface {
	// Send queues a reliable, ordered event (room:event, room:closed,
	// notice, and the lobby's events). The same *Event may go to many
	// peers; none of them changes it.
	Send(ev *Event) error

	// OfferSnapshot puts pkt, the whole `snapshot` event argument (a
	// msgpack map) of tick `tick`, encoded as a delta against tick base
	// (0 = a full state), into the connection's latest-wins slot, replacing
	// any snapshot the writer has not taken yet. pkt is the room's again
	// once OfferSnapshot returns: a peer that keeps it keeps a copy.
	//
	// The writer must drop, instead of writing, a taken pkt whose base is
	// neither 0 nor the tick of the last snapshot it wrote on this
	// connection. The room picks base when it encodes, and the writer may
	// take an older snapshot between that moment and the offer; without
	// this check the client would get a delta against a state it does not
	// hold. (A writer that does not check is detected: the room counts
	// Stats.BaselineViolations and sends that player a full state next.)
	//
	// w.SnapshotWritten(tick, base) is called once, from whoever writes,
	// after pkt has been handed to the socket; never for a replaced or
	// dropped pkt. Writes are reported in the order they happen; a peer
	// that writes at once reports before OfferSnapshot returns.
	OfferSnapshot(tick, base uint64, pkt []byte, w Written) error

	// Close ends the peer's connection with a reason (a flood disconnect).
	Close(reason string)
}

// Written is told which snapshots a Peer has written: the room's side of a
// connection, one value for all its snapshots, so that an offer allocates
// no callback.
type Written interface {
	// SnapshotWritten reports that the snapshot of tick, a delta against
	// base, has been handed to the socket. It must return at once.
	SnapshotWritten(tick, base uint64)
}
