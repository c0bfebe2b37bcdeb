package cluster

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// The janitor: a dead node cannot withdraw its rooms, so one live node,
// chosen by the rendezvous hash of the dead node's id over the live ones,
// deletes them from the buckets once the node has been dead for a TTL.
// Every node has hidden them from its lobby already (cache.sweep); this
// keeps the buckets from filling with the rooms of nodes long gone. It
// deletes a room only at the revision it last saw, after checking that the
// node's key is really gone, and a node that was only cut off puts back
// whatever was deleted when it returns: a janitor that was wrong costs a
// put, not a room.

// tidyEvery is how often the delete markers of removed rooms and codes are
// purged from the buckets (by one node).
const tidyEvery = 10 * time.Minute

func (n *Node) janitor(now time.Time) {
	live := n.cache.alive()
	for node, rooms := range n.cache.dead(now, n.cfg.NodeTTL) {
		if n.chosen(node, live) {
			n.startJob(node, func() { n.purge(node, rooms) })
		}
	}
	n.mu.Lock()
	due := now.Sub(n.lastTidy) >= tidyEvery
	n.mu.Unlock()
	if due && n.chosen("tidy", live) {
		n.mu.Lock()
		n.lastTidy = now
		n.mu.Unlock()
		n.startJob("tidy", n.tidy)
	}
}

// chosen reports whether this node is the one of the live nodes that does
// the job named key.
func (n *Node) chosen(key string, live []nodeLoad) bool {
	ids := make([]string, 0, len(live)+1)
	ids = append(ids, n.id)
	for _, p := range live {
		ids = append(ids, p.id)
	}
	return rendezvous(ids, key) == n.id
}

// startJob runs a janitor job unless one of the same name is running.
func (n *Node) startJob(name string, job func()) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.purging[name] || n.closed.Load() {
		return
	}
	n.purging[name] = true
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		defer func() {
			n.mu.Lock()
			delete(n.purging, name)
			n.mu.Unlock()
		}()
		job()
	}()
}

// purge deletes a dead node's rooms and their codes from the buckets.
func (n *Node) purge(node string, rooms []deadRoom) {
	s := n.sess.Load()
	if s == nil {
		return
	}
	ctx, cancel := context.WithTimeout(n.ctx, n.cfg.OpTimeout)
	_, err := s.nodes.Get(ctx, node)
	cancel()
	if !errors.Is(err, jetstream.ErrKeyNotFound) && !errors.Is(err, jetstream.ErrKeyDeleted) {
		return // alive after all (its key is back), or the bus did not answer
	}
	n.log.Info("cluster: withdrawing a dead node's rooms", "dead", node, "rooms", len(rooms))
	n.deleteRooms(s, rooms)
}

// deleteRooms deletes rooms (each at the revision given) and their codes
// from the buckets.
func (n *Node) deleteRooms(s *session, rooms []deadRoom) {
	if s == nil {
		return
	}
	sem := make(chan struct{}, publishers)
	var wg sync.WaitGroup
	for _, r := range rooms {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			ctx, cancel := context.WithTimeout(n.ctx, n.cfg.OpTimeout)
			defer cancel()
			if err := s.rooms.Delete(ctx, r.id, jetstream.LastRevision(r.rev)); err == nil {
				_ = s.codes.Delete(ctx, r.code)
			}
		}()
	}
	wg.Wait()
}

// tidy purges old delete markers, which a KV bucket keeps for every key
// ever deleted.
func (n *Node) tidy() {
	s := n.sess.Load()
	if s == nil {
		return
	}
	for _, kv := range []jetstream.KeyValue{s.rooms, s.codes} {
		ctx, cancel := context.WithTimeout(n.ctx, time.Minute)
		if err := kv.PurgeDeletes(ctx, jetstream.DeleteMarkersOlderThan(tidyEvery)); err != nil {
			n.log.Debug("cluster: purging delete markers failed", "bucket", kv.Bucket(), "err", err)
		}
		cancel()
	}
}
