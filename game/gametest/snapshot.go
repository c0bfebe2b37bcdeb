package gametest

import (
	"slices"

	"github.com/tickroom/tickroom/game"
)

// snapshot is the runtime's snapshot boundary, with the client's side
// done at once: for each connected player its view, the delta from the
// last snapshot it applied (a full state after a join or a return),
// applied to its mirror; the mirror must then hold exactly the view and
// hash as World.ViewHash does, the check a client makes with `h`.
func (m *Match) snapshot() {
	m.tb.Helper()
	tick := m.tick
	for _, s := range m.seats {
		if !s.connected {
			continue
		}
		view := m.viewOf(s.p.ID)
		section := m.world.AppendDelta(nil, s.base, s.baseView, view)
		if err := s.mirror.Apply(section, s.base == 0); err != nil {
			m.fatalf("tick %d, player %d: the snapshot over tick %d does not apply: %v", tick, s.p.ID, s.base, err)
		}
		if got := s.mirror.IDs(); !slices.Equal(got, view) {
			m.fatalf("tick %d, player %d: the mirror holds %v, the view is %v", tick, s.p.ID, got, view)
		}
		if got, want := s.mirror.Hash(), m.world.ViewHash(view); got != want {
			m.fatalf("tick %d, player %d: mirror hash %#08x, view hash %#08x", tick, s.p.ID, got, want)
		}
		s.base, s.baseView, s.snapTick = tick, view, tick
		s.snapshots++
	}
}

// viewOf returns the normalized view of player id, through AppendView when
// the game has it, as the runtime asks for it.
func (m *Match) viewOf(id game.PlayerID) []game.EntityID {
	var v []game.EntityID
	if m.appender != nil {
		v = m.appender.AppendView(nil, id)
	} else {
		m.game.View(id, func(e game.EntityID) { v = append(v, e) })
	}
	return m.world.NormalizeView(v)
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
