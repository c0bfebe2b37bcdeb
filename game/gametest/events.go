package gametest

import (
	"slices"

	"github.com/tickroom/tickroom/game"
)

// Event is one room:event the game sent (Context.Emit, EmitTo,
// EmitExcept, and the runtime's "results").
type Event struct {
	// Tick is the tick it was sent in: the tick being built, for one sent
	// by a message handler or a lifecycle call.
	Tick uint64
	// Type is the event's type.
	Type string
	// Fields are the fields the game gave, without type, as a client
	// decodes them (RoundTrip: integers int64, other numbers float64).
	Fields map[string]any
	// To are the players it reached, ascending: those seated and
	// connected, less the ones it was not for.
	To []game.PlayerID
}

// Events returns the room:events player id received, in order (the ones
// of its time in the room, after it left too).
func (m *Match) Events(id game.PlayerID) []Event {
	if s := m.players[id]; s != nil {
		return slices.Clone(s.inbox)
	}
	return nil
}

// Emitted returns every room:event the game sent, in order, with whom it
// reached.
func (m *Match) Emitted() []Event { return slices.Clone(m.events) }

// LastEvent returns the last room:event of type typ that player id
// received.
func (m *Match) LastEvent(id game.PlayerID, typ string) (Event, bool) {
	s := m.players[id]
	if s == nil {
		return Event{}, false
	}
	for i := len(s.inbox) - 1; i >= 0; i-- {
		if s.inbox[i].Type == typ {
			return s.inbox[i], true
		}
	}
	return Event{}, false
}

// emit records one event for the players to; fields that cannot be sent
// fail the test.
func (m *Match) emit(typ string, fields map[string]any, to []*seat) {
	m.tb.Helper()
	ev := Event{Tick: m.world.Tick(), Type: typ, Fields: m.roundTrip(fields, "room:event "+typ).(map[string]any), To: make([]game.PlayerID, len(to))}
	for i, s := range to {
		ev.To[i] = s.p.ID
	}
	m.events = append(m.events, ev)
	for _, s := range to {
		s.inbox = append(s.inbox, ev)
	}
}

// connected returns the seats an event reaches: every connected one when
// only is nil, else the connected ones among only.
func (m *Match) connected(only []game.PlayerID) []*seat {
	var out []*seat
	for _, s := range m.seats {
		if s.connected && (only == nil || slices.Contains(only, s.p.ID)) {
			out = append(out, s)
		}
	}
	return out
}

// connectedExcept returns the connected seats not in except.
func (m *Match) connectedExcept(except []game.PlayerID) []*seat {
	var out []*seat
	for _, s := range m.seats {
		if s.connected && !slices.Contains(except, s.p.ID) {
			out = append(out, s)
		}
	}
	return out
}

// roundTrip is RoundTrip for what the game sends (what names it), failing
// the test when it cannot be sent. A nil map is an empty one on the wire.
func (m *Match) roundTrip(v any, what string) any {
	m.tb.Helper()
	if f, ok := v.(map[string]any); ok && f == nil {
		return map[string]any{}
	}
	out, err := RoundTrip(v)
	if err != nil {
		m.fatalf("%s cannot be sent: %v", what, err)
	}
	return out
}
