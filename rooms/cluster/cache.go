package cluster

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/tickroom/tickroom/rooms/lobby"
)

// cache is a node's view of the deployment: every node's rooms and the
// other nodes, fed by the KV watches (remote rooms and nodes) and by this
// node's own listings (its rooms). Get, ByCode and List read it without a
// round trip on the bus. A room is visible while its node is: this one
// always, another while its heartbeats arrive.
//
// mu is held only for map operations, never while waiting; the
// subscribers are called after it is released.
type cache struct {
	self string        // static: this node's id
	ttl  time.Duration // static: a node unheard of for longer is dead

	subs atomic.Pointer[[]func(string)] // copied on subscribe

	mu     sync.RWMutex
	rooms  map[string]*cachedRoom // guarded by mu: every node's rooms by id
	byCode map[string]string      // guarded by mu: room ids by join code
	peers  map[string]*peer       // guarded by mu: the other nodes by id
}

// cachedRoom is a room in the cache: a listing of this node (own), or the
// last value another node put (info, rev).
type cachedRoom struct {
	own  *listing        // this node's room, nil for another node's
	info *lobby.RoomInfo // another node's room as last put
	node string
	rev  uint64 // revision of info in the rooms bucket
}

func (r *cachedRoom) current() *lobby.RoomInfo {
	if r.own != nil {
		return r.own.info.Load()
	}
	return r.info
}

// peer is another node as its key in the nodes bucket says.
type peer struct {
	url      string
	draining bool
	alive    bool      // its key is there and was put within the TTL
	heard    time.Time // when its key was last put (as this node saw it)
	dead     time.Time // when it stopped being alive (zero while alive)
	rooms    map[string]struct{}
}

func newCache(self string, ttl time.Duration) *cache {
	return &cache{
		self: self, ttl: ttl,
		rooms: map[string]*cachedRoom{}, byCode: map[string]string{}, peers: map[string]*peer{},
	}
}

// visible reports whether r shows in the lobby; mu is held.
func (c *cache) visible(r *cachedRoom) bool {
	if r.own != nil {
		return true
	}
	p := c.peers[r.node]
	return p != nil && p.alive
}

func (c *cache) get(id string) (lobby.Entry, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.entry(id)
}

// entry returns the visible room id; mu is held.
func (c *cache) entry(id string) (lobby.Entry, bool) {
	r := c.rooms[id]
	if r == nil || !c.visible(r) {
		return lobby.Entry{}, false
	}
	return lobby.Entry{Info: r.current(), Node: r.node}, true
}

func (c *cache) byJoinCode(code string) (lobby.Entry, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.entry(c.byCode[code])
}

func (c *cache) list(dst []lobby.Entry) []lobby.Entry {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, r := range c.rooms {
		if c.visible(r) {
			dst = append(dst, lobby.Entry{Info: r.current(), Node: r.node})
		}
	}
	return dst
}

func (c *cache) subscribe(changed func(string)) {
	for {
		old := c.subs.Load()
		var subs []func(string)
		if old != nil {
			subs = append(subs, *old...)
		}
		subs = append(subs, changed)
		if c.subs.CompareAndSwap(old, &subs) {
			return
		}
	}
}

// notify tells the subscribers of changed rooms; mu must not be held.
func (c *cache) notify(ids ...string) {
	subs := c.subs.Load()
	if subs == nil {
		return
	}
	for _, id := range ids {
		for _, fn := range *subs {
			fn(id)
		}
	}
}

// addOwn registers a listing of this node under a code no room in the
// cache has: it returns false, changing nothing, when the code is taken.
func (c *cache) addOwn(l *listing) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, taken := c.byCode[l.code]; taken {
		return false
	}
	c.rooms[l.id] = &cachedRoom{own: l, node: c.self}
	c.byCode[l.code] = l.id
	return true
}

// removeOwn withdraws a listing of this node.
func (c *cache) removeOwn(l *listing) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r := c.rooms[l.id]; r != nil && r.own == l {
		delete(c.rooms, l.id)
		c.dropCode(l.code, l.id)
	}
}

// own returns this node's listings.
func (c *cache) own() []*listing {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []*listing
	for _, r := range c.rooms {
		if r.own != nil {
			out = append(out, r.own)
		}
	}
	return out
}

// ownListing returns this node's listing of room id, or nil.
func (c *cache) ownListing(id string) *listing {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if r := c.rooms[id]; r != nil {
		return r.own
	}
	return nil
}

func (c *cache) dropCode(code, id string) {
	if c.byCode[code] == id {
		delete(c.byCode, code)
	}
}

// peerOf returns node's peer, made (not alive) when it is new; mu is held.
func (c *cache) peerOf(node string) *peer {
	p := c.peers[node]
	if p == nil {
		// Not alive until its key arrives (a room's put may come first);
		// dead from now, so the janitor gives it a TTL.
		p = &peer{rooms: map[string]struct{}{}, dead: time.Now()}
		c.peers[node] = p
	}
	return p
}

// putRoom records another node's room as put at revision rev and returns
// whether the lobby sees a change; mu is held.
func (c *cache) putRoom(v *roomValue, rev uint64) bool {
	id := v.Info.ID
	old := c.rooms[id]
	if old != nil && old.own != nil {
		return false // this node's own room: its listing is the truth
	}
	if old != nil {
		if old.node != v.Node { // never happens: a room lives on one node
			delete(c.peerOf(old.node).rooms, id)
		}
		c.dropCode(old.info.Code, id)
	}
	r := &cachedRoom{info: v.Info, node: v.Node, rev: rev}
	c.rooms[id] = r
	if _, taken := c.byCode[v.Info.Code]; !taken {
		c.byCode[v.Info.Code] = id
	}
	c.peerOf(v.Node).rooms[id] = struct{}{}
	return c.visible(r)
}

// deleteRoom forgets another node's room and returns whether the lobby
// saw it; mu is held.
func (c *cache) deleteRoom(id string) bool {
	r := c.rooms[id]
	if r == nil || r.own != nil {
		return false
	}
	seen := c.visible(r)
	delete(c.rooms, id)
	c.dropCode(r.info.Code, id)
	if p := c.peers[r.node]; p != nil {
		delete(p.rooms, id)
	}
	return seen
}

// applyRoom applies one rooms bucket update (v nil: the key was deleted).
func (c *cache) applyRoom(id string, v *roomValue, rev uint64) {
	c.mu.Lock()
	var changed bool
	if v != nil {
		changed = c.putRoom(v, rev)
	} else {
		changed = c.deleteRoom(id)
	}
	c.mu.Unlock()
	if changed {
		c.notify(id)
	}
}

// replaceRooms makes the other nodes' rooms those of a watch's snapshot.
func (c *cache) replaceRooms(snap map[string]*roomRev) {
	var changed []string
	c.mu.Lock()
	for id, r := range c.rooms {
		if r.own == nil && snap[id] == nil && c.deleteRoom(id) {
			changed = append(changed, id)
		}
	}
	for id, s := range snap {
		if s.v.Node == c.self {
			continue // its own rooms: this node puts them back itself
		}
		if r := c.rooms[id]; r != nil && r.rev == s.rev && r.own == nil {
			continue
		}
		if c.putRoom(s.v, s.rev) {
			changed = append(changed, id)
		}
	}
	c.mu.Unlock()
	c.notify(changed...)
}

// roomRev is a rooms bucket value at a revision.
type roomRev struct {
	v   *roomValue
	rev uint64
}

// applyNode applies one nodes bucket update (v nil: the key was deleted or
// expired) heard at the given time.
func (c *cache) applyNode(node string, v *nodeValue, heard time.Time) {
	if node == c.self {
		return
	}
	c.mu.Lock()
	ids := c.setPeer(node, v, heard)
	c.mu.Unlock()
	c.notify(ids...)
}

// setPeer records a node's key; it returns the rooms whose visibility
// changed. mu is held.
func (c *cache) setPeer(node string, v *nodeValue, heard time.Time) []string {
	p := c.peerOf(node)
	was := p.alive
	if v != nil {
		p.url, p.draining, p.heard = v.URL, v.Draining, heard
		p.alive = time.Since(heard) <= c.ttl
	} else {
		p.alive = false
	}
	if p.alive {
		p.dead = time.Time{}
	} else if was || p.dead.IsZero() {
		p.dead = time.Now()
	}
	if p.alive == was {
		return nil
	}
	ids := make([]string, 0, len(p.rooms))
	for id := range p.rooms {
		ids = append(ids, id)
	}
	return ids
}

// replaceNodes makes the other nodes those of a watch's snapshot.
func (c *cache) replaceNodes(snap map[string]*nodeHeard) {
	var changed []string
	c.mu.Lock()
	for node := range c.peers {
		if snap[node] == nil {
			changed = append(changed, c.setPeer(node, nil, time.Time{})...)
		}
	}
	for node, s := range snap {
		if node != c.self {
			changed = append(changed, c.setPeer(node, s.v, s.heard)...)
		}
	}
	c.mu.Unlock()
	c.notify(changed...)
}

// nodeHeard is a nodes bucket value and when it was put.
type nodeHeard struct {
	v     *nodeValue
	heard time.Time
}

// sweep marks dead the nodes unheard of for longer than the TTL, tells
// the subscribers of their rooms, and forgets dead nodes without rooms.
func (c *cache) sweep(now time.Time) {
	var changed []string
	c.mu.Lock()
	for node, p := range c.peers {
		if p.alive && now.Sub(p.heard) > c.ttl {
			p.alive, p.dead = false, now
			for id := range p.rooms {
				changed = append(changed, id)
			}
		}
		if !p.alive && len(p.rooms) == 0 && now.Sub(p.dead) > c.ttl {
			delete(c.peers, node)
		}
	}
	c.mu.Unlock()
	c.notify(changed...)
}

// nodeLoad is a node as placement sees it.
type nodeLoad struct {
	id       string
	draining bool
	rooms    int
}

// alive returns the other nodes that are alive.
func (c *cache) alive() []nodeLoad {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]nodeLoad, 0, len(c.peers))
	for id, p := range c.peers {
		if p.alive {
			out = append(out, nodeLoad{id: id, draining: p.draining, rooms: len(p.rooms)})
		}
	}
	return out
}

// deadRoom is a room of a dead node, as the janitor deletes it.
type deadRoom struct {
	id, code string
	rev      uint64
}

// dead returns the nodes dead for longer than after that still have rooms
// in the cache, with those rooms.
func (c *cache) dead(now time.Time, after time.Duration) map[string][]deadRoom {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := map[string][]deadRoom{}
	for node, p := range c.peers {
		if p.alive || len(p.rooms) == 0 || now.Sub(p.dead) < after {
			continue
		}
		for id := range p.rooms {
			if r := c.rooms[id]; r != nil && r.own == nil {
				out[node] = append(out[node], deadRoom{id: id, code: r.info.Code, rev: r.rev})
			}
		}
	}
	return out
}
