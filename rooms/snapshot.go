package rooms

import (
	"slices"

	"github.com/tickroom/tickroom/game"
)

// snapshotScratch is the room goroutine's reusable memory for snapshots.
type snapshotScratch struct {
	targets []target
	groups  []group
	byHash  map[uint64]int // group key hash -> first group index
	section []byte         // every group's section, back to back
	pkt     []byte         // the snapshot argument being offered
	free    [][]game.EntityID
	cur     []game.EntityID // the view being collected
	visit   func(game.EntityID)
}

// target is one player's part of a snapshot.
type target struct {
	st       *seatState
	base     uint64
	baseView []game.EntityID
	cur      []game.EntityID
	group    int
}

// group is a set of players sharing baseline and view: one section.
type group struct {
	base          uint64
	baseView, cur []game.EntityID
	next          int // next group with the same key hash, or -1
	off, end      int // the section in snapshotScratch.section
	hash          uint32
}

func (s *snapshotScratch) take() []game.EntityID {
	if n := len(s.free); n > 0 {
		v := s.free[n-1]
		s.free = s.free[:n-1]
		return v[:0]
	}
	return nil
}

func (s *snapshotScratch) recycle(v []game.EntityID) {
	if cap(v) > 0 {
		s.free = append(s.free, v[:0])
	}
}

// viewOf returns the normalized view of player id in a recycled slice.
func (r *Room) viewOf(id game.PlayerID) []game.EntityID {
	s := &r.scratch
	if r.appendView != nil {
		return r.world.NormalizeView(r.appendView.AppendView(s.take(), id))
	}
	if s.visit == nil {
		s.visit = func(e game.EntityID) { s.cur = append(s.cur, e) }
	}
	s.cur = s.take()
	r.game.View(id, s.visit)
	v := r.world.NormalizeView(s.cur)
	s.cur = nil
	return v
}

// baseline picks what the delta of st is taken against: the last snapshot
// its writer reported written, if the room still holds that snapshot's
// view and nothing (join, rejoin, resync, a violation) asks for a full
// state; otherwise tick 0, a full state. It forgets views older than the
// written one: no write can report them any more.
func (r *Room) baseline(st *seatState) (uint64, []game.EntityID) {
	c := st.conn
	if c.broken.Swap(false) {
		st.minBase = r.tick + 1
	}
	w := c.written.Load()
	i := 0
	for i < len(st.sent) && st.sent[i].tick < w {
		r.scratch.recycle(st.sent[i].view)
		i++
	}
	st.sent = slices.Delete(st.sent, 0, i)
	if w == 0 || w < st.minBase || len(st.sent) == 0 || st.sent[0].tick != w {
		return 0, nil
	}
	return w, st.sent[0].view
}

// snapshot sends every attached player the state of the current tick as a
// delta against its own baseline, one section per group of players that
// share baseline and view.
func (r *Room) snapshot() {
	s := &r.scratch
	r.snapshots++
	r.stats.snapshots.Add(1)
	if s.byHash == nil {
		s.byHash = make(map[uint64]int)
	}
	clear(s.byHash)
	s.targets, s.groups, s.section = s.targets[:0], s.groups[:0], s.section[:0]
	for _, st := range r.seats {
		if st.conn == nil {
			continue
		}
		base, baseView := r.baseline(st)
		cur := r.viewOf(st.player.ID)
		s.targets = append(s.targets, target{st: st, base: base, baseView: baseView, cur: cur, group: r.groupOf(base, baseView, cur)})
	}
	withHash := r.cfg.HashEvery > 0 && r.snapshots%uint64(r.cfg.HashEvery) == 0
	for i := range s.groups {
		g := &s.groups[i]
		g.off = len(s.section)
		s.section = r.world.AppendDelta(s.section, g.base, g.baseView, g.cur)
		g.end = len(s.section)
		if withHash {
			g.hash = r.world.ViewHash(g.cur)
		}
	}
	r.stats.encodes.Add(uint64(len(s.groups)))
	ts := r.slotTime(r.slot).UnixMilli()
	for i := range s.targets {
		r.offer(&s.targets[i], ts, withHash)
	}
	clear(s.targets) // drop references to views now owned by seats
}

// groupOf returns the index of the group of (base, baseView, cur), making
// it if it is new.
func (r *Room) groupOf(base uint64, baseView, cur []game.EntityID) int {
	s := &r.scratch
	h := viewKey(base, baseView, cur)
	first, ok := s.byHash[h]
	if ok {
		for i := first; i >= 0; i = s.groups[i].next {
			g := &s.groups[i]
			if g.base == base && slices.Equal(g.baseView, baseView) && slices.Equal(g.cur, cur) {
				return i
			}
		}
	}
	next := -1
	if ok {
		next = first
	}
	s.groups = append(s.groups, group{base: base, baseView: baseView, cur: cur, next: next})
	s.byHash[h] = len(s.groups) - 1
	return len(s.groups) - 1
}

// viewKey hashes a group key (FNV-1a, 64 bits); equal keys are confirmed
// by comparing the views.
func viewKey(base uint64, baseView, cur []game.EntityID) uint64 {
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	h = (h ^ base) * prime
	h = (h ^ uint64(len(baseView))) * prime
	for _, id := range baseView {
		h = (h ^ uint64(id)) * prime
	}
	h = (h ^ uint64(len(cur))) * prime
	for _, id := range cur {
		h = (h ^ uint64(id)) * prime
	}
	return h
}

// offer wraps the group's section in the player's snapshot map and puts it
// into the player's slot; the view is kept until a later write supersedes
// it.
func (r *Room) offer(t *target, ts int64, withHash bool) {
	s := &r.scratch
	g := &s.groups[t.group]
	section := s.section[g.off:g.end]
	// The peer copies what it keeps: one buffer serves every offer.
	pkt := appendSnapshot(slices.Grow(s.pkt[:0], len(section)+snapshotOverhead), r.tick, t.base, t.st.lastApplied, ts, section, g.hash, withHash)
	s.pkt = pkt
	c, tick, base := t.st.conn, r.tick, t.base
	if err := c.peer.OfferSnapshot(tick, base, pkt, c); err != nil {
		s.recycle(t.cur)
		return
	}
	r.stats.offered.Add(1)
	r.stats.bytes.Add(uint64(len(pkt)))
	t.st.seat.bytes.Add(uint64(len(pkt)))
	if base == 0 {
		r.stats.full.Add(1)
	}
	st := t.st
	st.sent = append(st.sent, sentView{tick: tick, view: t.cur})
	if len(st.sent) > r.cfg.HistoryViews {
		// The oldest may be the written baseline or one in flight; losing
		// it only costs a full state later.
		s.recycle(st.sent[0].view)
		st.sent = slices.Delete(st.sent, 0, 1)
	}
}
