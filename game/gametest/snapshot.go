package gametest

import "github.com/tickroom/tickroom/game"

// snapshot is the runtime's snapshot boundary, with the client's side
// done at once: for each connected player its view, the delta from the
// last snapshot it applied (a full state after a join or a return),
// applied to its mirror; then, on every HashEvery-th snapshot, the mirror
// must hold exactly the view and hash as World.ViewHash does, the check a
// client makes with `h`.
func (m *Match) snapshot() {
	m.tb.Helper()
	tick := m.tick
	m.snapshots++
	check := m.snapshots%uint64(m.hashEvery) == 0
	for _, s := range m.seats {
		if !s.connected {
			continue
		}
		view := m.viewOf(s.spare[:0], s.p.ID)
		m.section = m.world.AppendDelta(m.section[:0], s.base, s.baseView, view)
		if err := s.mirror.Apply(m.section, s.base == 0); err != nil {
			m.fatalf("tick %d, player %d: the snapshot over tick %d does not apply: %v", tick, s.p.ID, s.base, err)
		}
		if check {
			m.checkMirror(s, view)
		}
		s.spare = s.baseView
		s.base, s.baseView, s.snapTick = tick, view, tick
		s.snapshots++
	}
}

// checkMirror fails the test unless s's mirror holds view, with the
// World's values.
func (m *Match) checkMirror(s *seat, view []game.EntityID) {
	m.tb.Helper()
	i := 0
	for e := range s.mirror.All() {
		if i >= len(view) || e.ID() != view[i] {
			m.fatalf("tick %d, player %d: the mirror holds %v, the view is %v", m.tick, s.p.ID, s.mirror.IDs(), view)
		}
		i++
	}
	if i != len(view) {
		m.fatalf("tick %d, player %d: the mirror holds %v, the view is %v", m.tick, s.p.ID, s.mirror.IDs(), view)
	}
	if got, want := s.mirror.Hash(), m.world.ViewHash(view); got != want {
		m.fatalf("tick %d, player %d: mirror hash %#08x, view hash %#08x", m.tick, s.p.ID, got, want)
	}
}

// viewOf appends the normalized view of player id to dst, through
// AppendView when the game has it, as the runtime asks for it.
func (m *Match) viewOf(dst []game.EntityID, id game.PlayerID) []game.EntityID {
	if m.appender != nil {
		dst = m.appender.AppendView(dst, id)
	} else {
		m.game.View(id, func(e game.EntityID) { dst = append(dst, e) })
	}
	return m.world.NormalizeView(dst)
}

// View returns what player id's client holds after the last snapshot it
// got (after it left too: a client keeps its mirror). It fails the test for
// a player never seated.
func (m *Match) View(id game.PlayerID) View {
	m.tb.Helper()
	s := m.players[id]
	if s == nil {
		m.fatalf("View of player %d, never seated", id)
	}
	return NewView(m.mode.Schema(), s.mirror, s.snapTick)
}

// Snapshots returns how many snapshots player id has applied.
func (m *Match) Snapshots(id game.PlayerID) int {
	if s := m.players[id]; s != nil {
		return s.snapshots
	}
	return 0
}
