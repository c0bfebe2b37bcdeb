package cluster

import (
	"sync/atomic"

	"github.com/tickroom/tickroom/rooms/lobby"
)

// listing is one room of this node in the store. Update and Remove never
// wait: they swap the room's RoomInfo, tell the lobby's subscribers and
// mark the room for the publisher, which puts it on the bus.
type listing struct {
	n    *Node  // static
	id   string // static
	code string // static

	info    atomic.Pointer[lobby.RoomInfo]
	removed atomic.Bool

	// Owned by the publisher.
	res      reservation // the code's reservation in the codes bucket (rev 0: none)
	codeGen  uint64      // the session in which the code was last claimed (0: never)
	codeMine bool        // the codes bucket holds the code for this room
}

// Add registers a new room of this node under a join code no other room
// of the deployment has: a code reserved in the codes bucket ahead of
// time, so Add never waits for the bus. With none at hand (the bus is
// down) it takes a code no room in the cache has and claims it when the
// bus is back.
func (n *Node) Add(info *lobby.RoomInfo) (lobby.Listing, error) {
	if n.closed.Load() {
		return nil, ErrClosed
	}
	l := &listing{n: n, id: info.ID}
	for {
		l.res = n.pool.take()
		l.code = l.res.code
		if l.code == "" {
			l.code = lobby.NewCode()
		}
		// Nobody sees info before addOwn succeeds: it may still change.
		info.Code = l.code
		l.info.Store(info)
		if n.cache.addOwn(l) {
			break
		}
	}
	n.pub.mark(l)
	n.cache.notify(l.id)
	n.pool.kick()
	return l, nil
}

// Update publishes the room's new RoomInfo.
func (l *listing) Update(info *lobby.RoomInfo) {
	if l.removed.Load() {
		return
	}
	l.info.Store(info)
	l.n.pub.mark(l)
	l.n.cache.notify(l.id)
}

// Remove withdraws the room; later calls do nothing.
func (l *listing) Remove() {
	if l.removed.Swap(true) {
		return
	}
	l.n.cache.removeOwn(l)
	l.n.pub.mark(l)
	l.n.cache.notify(l.id)
}
