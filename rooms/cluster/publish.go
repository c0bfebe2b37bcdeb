package cluster

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// publisher puts this node's room changes on the bus, off the rooms'
// goroutines: mark records that a listing changed, and the publisher's
// goroutine puts each marked room's latest state, so a room that changes
// ten times while a put is on the way costs two puts, not ten. Nothing is
// put on a tick: only a change of a room's RoomInfo marks it.
type publisher struct {
	wake    chan struct{} // capacity 1: something was marked
	pending atomic.Int64  // marked plus in flight, for Close's flush

	mu    sync.Mutex
	dirty map[*listing]struct{} // guarded by mu
}

func (p *publisher) mark(l *listing) {
	p.mu.Lock()
	if _, ok := p.dirty[l]; !ok {
		p.dirty[l] = struct{}{}
		p.pending.Add(1)
	}
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// take returns the marked listings and clears the marks.
func (p *publisher) take() map[*listing]struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	d := p.dirty
	p.dirty = make(map[*listing]struct{}, len(d))
	return d
}

// publishers bounds the puts in flight at once.
const publishers = 32

// retryPause is how long a failed put waits before it is tried again.
const retryPause = 500 * time.Millisecond

// publishLoop puts marked rooms while a session is up; without one (the
// bus is down) marks wait, and the next session marks every room anyway.
func (n *Node) publishLoop() {
	defer n.wg.Done()
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-n.pub.wake:
		}
		s := n.sess.Load()
		if s == nil || !n.nc.IsConnected() {
			continue
		}
		batch := n.pub.take()
		failed := n.publishBatch(s, batch)
		n.pub.pending.Add(-int64(len(batch)))
		if failed {
			select {
			case <-n.ctx.Done():
				return
			case <-time.After(retryPause):
			}
		}
	}
}

// publishBatch puts a batch of listings, each once, and marks again those
// whose put failed; it reports whether any did.
func (n *Node) publishBatch(s *session, batch map[*listing]struct{}) bool {
	var failed atomic.Bool
	sem := make(chan struct{}, publishers)
	var wg sync.WaitGroup
	for l := range batch {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := n.publish(s, l); err != nil {
				n.log.Debug("cluster: put failed; will retry", "room", l.id, "err", err)
				failed.Store(true)
				n.pub.mark(l)
			}
		}()
	}
	wg.Wait()
	return failed.Load()
}

// publish puts one listing's state: its key in the rooms bucket, and its
// join code claimed in the codes bucket; a removed room's keys are
// deleted.
func (n *Node) publish(s *session, l *listing) error {
	ctx, cancel := context.WithTimeout(n.ctx, n.cfg.OpTimeout)
	defer cancel()
	if l.removed.Load() {
		if err := s.rooms.Delete(ctx, l.id); err != nil {
			return err
		}
		if l.codeMine {
			return s.codes.Delete(ctx, l.code)
		}
		return nil
	}
	if l.codeGen != s.gen {
		if err := n.claimCode(ctx, s, l); err != nil {
			return err
		}
	}
	info := l.info.Load()
	b, err := encodeRoom(n.id, info)
	if err != nil {
		return err
	}
	_, err = s.rooms.Put(ctx, l.id, b)
	return err
}

// claimCode makes the codes bucket say the listing's code is its room's:
// the reservation it was taken from becomes permanent, or (a code made
// while the bus was down, or a new session after a bus loss) the key is
// created. A code some other room holds (two rooms made the same code
// while the bus was down, odds of one in hundreds of millions) is logged.
func (n *Node) claimCode(ctx context.Context, s *session, l *listing) error {
	val := []byte(n.id + "/" + l.id)
	var err error
	if l.res.rev != 0 && l.codeGen == 0 {
		_, err = s.codes.Update(ctx, l.code, val, l.res.rev)
		if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			err = jetstream.ErrKeyExists // the reservation went: claim it afresh
		}
		if err == nil || !errors.Is(err, jetstream.ErrKeyExists) {
			return n.claimed(s, l, err)
		}
	}
	_, err = s.codes.Create(ctx, l.code, val)
	if errors.Is(err, jetstream.ErrKeyExists) {
		var e jetstream.KeyValueEntry
		e, err = s.codes.Get(ctx, l.code)
		if err == nil && string(e.Value()) != string(val) {
			n.log.Warn("cluster: a join code is also another room's", "code", l.code, "room", l.id, "other", string(e.Value()))
			l.codeGen = s.gen // nothing to do about it: the code was given out
			return nil
		}
	}
	return n.claimed(s, l, err)
}

func (n *Node) claimed(s *session, l *listing, err error) error {
	if err == nil {
		l.codeGen, l.codeMine = s.gen, true
	}
	return err
}
