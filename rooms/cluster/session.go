package cluster

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/vmihailenco/msgpack/v5"
)

// session is the node's use of one connection to the bus: the buckets, and
// the watches that feed the cache. Every (re)connection makes a new one:
// the watches start again from a snapshot, and the node puts its key and
// all its rooms back, so whatever the bus lost or missed meanwhile heals.
type session struct {
	gen                 uint64 // static: which session this is (from 1)
	reconnects          uint64 // static: the connection's reconnects when it was made
	nodes, rooms, codes jetstream.KeyValue
	watches             []jetstream.KeyWatcher
	end                 context.CancelFunc

	// applyMu is held while a watch applies an update to the cache, so that
	// once stop returns no update of this session lands: a new session's
	// snapshot is never overwritten by an older session's backlog.
	applyMu sync.Mutex
	stopped bool // guarded by applyMu
}

func (s *session) stop() {
	s.applyMu.Lock()
	s.stopped = true
	s.applyMu.Unlock()
	if s.end != nil {
		s.end()
	}
	for _, w := range s.watches {
		_ = w.Stop()
	}
}

// next waits for a watch's next update: ok false once the watch or the
// session has ended. On ok, applyMu is held: the caller unlocks it once
// it has applied e.
func (s *session) next(ctx context.Context, w jetstream.KeyWatcher) (e jetstream.KeyValueEntry, ok bool) {
	select {
	case <-ctx.Done():
		return nil, false
	case e, ok = <-w.Updates():
		if !ok {
			return nil, false
		}
	}
	s.applyMu.Lock()
	if s.stopped {
		s.applyMu.Unlock()
		return nil, false
	}
	return e, true
}

// Bucket names, after the prefix.
const (
	bucketNodes = "_nodes"
	bucketRooms = "_rooms"
	bucketCodes = "_codes"
)

// sessionLoop makes a session whenever the connection is (re)made, and
// puts the node's key at each heartbeat.
func (n *Node) sessionLoop() {
	defer n.wg.Done()
	tick := time.NewTicker(n.cfg.Heartbeat / 4)
	defer tick.Stop()
	need := false
	var lastBeat time.Time
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-n.resetup:
			// The first connect may be signalled twice (by New and by the
			// connect handler): one session per connection.
			s := n.sess.Load()
			need = need || s == nil || s.reconnects != n.nc.Stats().Reconnects
		case <-n.beatNow:
			lastBeat = time.Time{}
		case <-tick.C:
		}
		if !n.nc.IsConnected() {
			continue
		}
		if need {
			if err := n.setup(); err != nil {
				n.log.Warn("cluster: setting up the bus session failed; retrying", "err", err)
				continue
			}
			need, lastBeat = false, time.Now()
			n.upOnce.Do(func() { close(n.firstUp) })
			continue
		}
		if s := n.sess.Load(); s != nil && time.Since(lastBeat) >= n.cfg.Heartbeat {
			lastBeat = time.Now()
			if err := n.beat(s); err != nil {
				n.log.Debug("cluster: heartbeat failed", "err", err)
			}
		}
	}
}

// setup makes a new session: the buckets (made or updated), the node's key,
// the watches (nodes first, so that rooms find their nodes), then every
// room of this node marked to be put again.
func (n *Node) setup() error {
	ctx, cancel := context.WithTimeout(n.ctx, 4*n.cfg.OpTimeout)
	defer cancel()
	js, err := jetstream.New(n.nc)
	if err != nil {
		return err
	}
	storage := jetstream.FileStorage
	if n.cfg.MemoryStorage {
		storage = jetstream.MemoryStorage
	}
	bucket := func(suffix string, ttl, markers time.Duration) (jetstream.KeyValue, error) {
		return js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket: n.cfg.Prefix + suffix, History: 1, TTL: ttl, LimitMarkerTTL: markers,
			Storage: storage, Replicas: n.cfg.Replicas,
		})
	}
	if old := n.sess.Load(); old != nil {
		old.stop() // its watches' backlog must not land on the new snapshot
	}
	s := &session{gen: n.gens.Add(1), reconnects: n.nc.Stats().Reconnects}
	if s.nodes, err = bucket(bucketNodes, n.cfg.NodeTTL, 0); err != nil {
		return fmt.Errorf("nodes bucket: %w", err)
	}
	if s.rooms, err = bucket(bucketRooms, 0, 0); err != nil {
		return fmt.Errorf("rooms bucket: %w", err)
	}
	// Per-key TTLs (the code reservations) need limit markers on.
	if s.codes, err = bucket(bucketCodes, 0, time.Minute); err != nil {
		return fmt.Errorf("codes bucket: %w", err)
	}
	if err := n.putKey(ctx, s); err != nil {
		return fmt.Errorf("node key: %w", err)
	}
	wctx, wend := context.WithCancel(n.ctx)
	s.end = wend
	if err := n.watch(ctx, wctx, s); err != nil {
		s.stop()
		return err
	}
	if old := n.sess.Swap(s); old != nil {
		old.stop()
	}
	n.beatOK.Store(time.Now().UnixNano())
	for _, l := range n.cache.own() {
		n.pub.mark(l)
	}
	n.signal(n.pool.wake)
	n.log.Info("cluster: session up", "session", s.gen)
	return nil
}

// watch starts the session's watches and waits until each has delivered
// its snapshot into the cache.
func (n *Node) watch(ctx, wctx context.Context, s *session) error {
	nodes, err := s.nodes.WatchAll(wctx)
	if err != nil {
		return fmt.Errorf("watching nodes: %w", err)
	}
	s.watches = append(s.watches, nodes)
	synced := make(chan struct{}, 2)
	go n.watchNodes(wctx, s, nodes, synced)
	if err := waitSynced(ctx, synced); err != nil {
		return fmt.Errorf("nodes snapshot: %w", err)
	}
	rooms, err := s.rooms.WatchAll(wctx)
	if err != nil {
		return fmt.Errorf("watching rooms: %w", err)
	}
	s.watches = append(s.watches, rooms)
	go n.watchRooms(wctx, s, rooms, synced)
	if err := waitSynced(ctx, synced); err != nil {
		return fmt.Errorf("rooms snapshot: %w", err)
	}
	return nil
}

func waitSynced(ctx context.Context, synced <-chan struct{}) error {
	select {
	case <-synced:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// watchNodes feeds the cache with the nodes bucket: a snapshot first, then
// every put (a heartbeat), delete (a node that left) or expiry.
func (n *Node) watchNodes(ctx context.Context, s *session, w jetstream.KeyWatcher, synced chan<- struct{}) {
	snap := map[string]*nodeHeard{}
	for {
		e, ok := s.next(ctx, w)
		if !ok {
			return
		}
		snap = n.nodeUpdate(e, snap, synced)
		s.applyMu.Unlock()
	}
}

// nodeUpdate applies one update of the nodes watch: into snap while the
// snapshot comes, to the cache after it. It returns snap, nil once the
// snapshot is complete.
func (n *Node) nodeUpdate(e jetstream.KeyValueEntry, snap map[string]*nodeHeard, synced chan<- struct{}) map[string]*nodeHeard {
	if e == nil { // the snapshot is complete
		n.cache.replaceNodes(snap)
		synced <- struct{}{}
		return nil
	}
	var v *nodeValue
	if e.Operation() == jetstream.KeyValuePut {
		v = new(nodeValue)
		if err := msgpack.Unmarshal(e.Value(), v); err != nil {
			n.log.Warn("cluster: bad node key", "key", e.Key(), "err", err)
			return snap
		}
	}
	switch {
	case e.Key() == n.id:
		if v == nil { // this node's key expired or went: put it back now
			n.signal(n.beatNow)
		}
	case snap != nil:
		if v != nil {
			// A snapshot's key is as old as its last put (by the bus's
			// clock, which may differ a little from this one's).
			heard := e.Created()
			if now := time.Now(); heard.After(now) {
				heard = now
			}
			snap[e.Key()] = &nodeHeard{v: v, heard: heard}
		}
	default:
		n.cache.applyNode(e.Key(), v, time.Now())
	}
	return snap
}

// roomsWatch is the state of a rooms watch: the snapshot while it comes
// (nil after), and the rooms of this node's id that it does not run, left
// by an earlier process with the same id.
type roomsWatch struct {
	s         *session
	snap      map[string]*roomRev
	leftovers []deadRoom
	synced    chan<- struct{}
}

// watchRooms feeds the cache with the rooms bucket: a snapshot first, then
// every put and delete. A delete of one of this node's live rooms (a
// janitor that took this node for dead) is answered by putting it back.
func (n *Node) watchRooms(ctx context.Context, s *session, w jetstream.KeyWatcher, synced chan<- struct{}) {
	rw := &roomsWatch{s: s, snap: map[string]*roomRev{}, synced: synced}
	for {
		e, ok := s.next(ctx, w)
		if !ok {
			return
		}
		n.roomUpdate(rw, e)
		s.applyMu.Unlock()
	}
}

// roomUpdate applies one update of the rooms watch.
func (n *Node) roomUpdate(rw *roomsWatch, e jetstream.KeyValueEntry) {
	if e == nil { // the snapshot is complete
		n.cache.replaceRooms(rw.snap)
		rw.snap = nil
		rw.synced <- struct{}{}
		if rooms := rw.leftovers; len(rooms) > 0 {
			n.startJob("leftovers", func() { n.deleteRooms(rw.s, rooms) })
		}
		return
	}
	var v *roomValue
	if e.Operation() == jetstream.KeyValuePut {
		var err error
		if v, err = decodeRoom(e.Value()); err != nil {
			n.log.Warn("cluster: bad room key", "key", e.Key(), "err", err)
			return
		}
	}
	if l := n.cache.ownListing(e.Key()); l != nil {
		if v == nil && !l.removed.Load() {
			n.pub.mark(l)
		}
		return
	}
	switch {
	case v != nil && v.Node == n.id:
		// The echo of a room this node has removed since, or in a
		// snapshot, a room of an earlier process with this node's id.
		if rw.snap != nil {
			rw.leftovers = append(rw.leftovers, deadRoom{id: e.Key(), code: v.Info.Code, rev: e.Revision()})
		}
	case rw.snap != nil:
		if v != nil {
			rw.snap[e.Key()] = &roomRev{v: v, rev: e.Revision()}
		}
	default:
		n.cache.applyRoom(e.Key(), v, e.Revision())
	}
}

// beat puts the node's key and records that the bus took it.
func (n *Node) beat(s *session) error {
	ctx, cancel := context.WithTimeout(n.ctx, n.cfg.OpTimeout)
	defer cancel()
	return n.putKey(ctx, s)
}

func (n *Node) putKey(ctx context.Context, s *session) error {
	v := nodeValue{URL: n.cfg.PublicURL, Draining: n.Draining(), At: time.Now().UnixMilli(), Rooms: len(n.cache.own())}
	b, err := msgpack.Marshal(&v)
	if err != nil {
		return err
	}
	if _, err := s.nodes.Put(ctx, n.id, b); err != nil {
		return err
	}
	n.beatOK.Store(time.Now().UnixNano())
	return nil
}

// sweepLoop marks dead the nodes whose heartbeats stopped, and runs the
// janitor.
func (n *Node) sweepLoop() {
	defer n.wg.Done()
	t := time.NewTicker(n.cfg.Heartbeat / 2)
	defer t.Stop()
	for {
		select {
		case <-n.ctx.Done():
			return
		case now := <-t.C:
			n.cache.sweep(now)
			if n.Ready() {
				n.janitor(now)
			}
		}
	}
}
