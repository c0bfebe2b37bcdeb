package cluster

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/tickroom/tickroom/rooms/lobby"
)

// reservation is a join code this node holds in the codes bucket for a
// room it has not made yet.
type reservation struct {
	code string
	rev  uint64    // the key's revision in the codes bucket
	at   time.Time // when it was made
}

// codePool keeps a few join codes reserved ahead of room:create, so that
// Add hands out a code unique across the deployment without a round trip.
// A reservation is a key created with a TTL: a node that dies with codes in
// its pool leaks none for good.
type codePool struct {
	codes chan reservation // buffered: the reserved codes
	wake  chan struct{}    // capacity 1: a fill is wanted
}

// The pool's size and the life of a reservation.
const (
	poolSize = 32
	// reserveTTL is a reservation's TTL in the bucket; a code older than
	// half of it is not handed out.
	reserveTTL = time.Hour
)

func newCodePool() codePool {
	return codePool{codes: make(chan reservation, poolSize), wake: make(chan struct{}, 1)}
}

// take returns a reserved code, or the zero reservation when none is at
// hand.
func (p *codePool) take() reservation {
	for {
		select {
		case r := <-p.codes:
			if time.Since(r.at) < reserveTTL/2 {
				return r
			}
		default:
			return reservation{}
		}
	}
}

// kick asks for a fill when the pool runs low.
func (p *codePool) kick() {
	if len(p.codes) < poolSize/2 {
		select {
		case p.wake <- struct{}{}:
		default:
		}
	}
}

// poolLoop fills the pool whenever it is asked to and a session is up.
func (n *Node) poolLoop() {
	defer n.wg.Done()
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-n.pool.wake:
		}
		s := n.sess.Load()
		if s == nil {
			continue
		}
		for len(n.pool.codes) < poolSize && n.ctx.Err() == nil {
			r, err := n.reserve(s)
			if err != nil {
				n.log.Debug("cluster: reserving a join code failed", "err", err)
				break
			}
			n.pool.codes <- r // only this goroutine fills it: there is room
		}
	}
}

// reserve creates a new code's key with a TTL.
func (n *Node) reserve(s *session) (reservation, error) {
	for {
		ctx, cancel := context.WithTimeout(n.ctx, n.cfg.OpTimeout)
		code := lobby.NewCode()
		rev, err := s.codes.Create(ctx, code, []byte(n.id), jetstream.KeyTTL(reserveTTL))
		cancel()
		switch {
		case err == nil:
			return reservation{code: code, rev: rev, at: time.Now()}, nil
		case !errors.Is(err, jetstream.ErrKeyExists):
			return reservation{}, err
		}
	}
}

// releaseCodes deletes the reservations left in the pool (on Close).
func (n *Node) releaseCodes(ctx context.Context, s *session) {
	for {
		select {
		case r := <-n.pool.codes:
			_ = s.codes.Delete(ctx, r.code, jetstream.LastRevision(r.rev))
		default:
			return
		}
	}
}
