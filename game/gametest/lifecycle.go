package gametest

import (
	"fmt"
	"slices"

	"github.com/tickroom/tickroom/game"
)

// Join seats each player in order, in the tick being built, and fails the
// test if one is refused; see TryJoin.
func (m *Match) Join(players ...game.Player) {
	m.tb.Helper()
	for _, p := range players {
		if err := m.TryJoin(p); err != nil {
			m.fatalf("join of player %d: %v", p.ID, err)
		}
	}
}

// TryJoin seats p in the tick being built, after the runtime's checks
// (phase and Settings.JoinInProgress, a seat already taken, free seats) and
// Game.CanJoin, and returns why not. p.Meta is given to the game as the
// lobby gives it: whole numbers as int64, other numbers as float64, strings
// and booleans; a value of another type fails the test, as no client can
// send one. The player's first snapshot is a full state.
func (m *Match) TryJoin(p game.Player) error {
	m.tb.Helper()
	m.live("Join")
	meta, err := normalMeta(p.Meta)
	if err != nil {
		m.fatalf("join of player %d: %v", p.ID, err)
	}
	p.Meta = meta
	m.record(Entry{Op: OpJoin, Player: p.ID, Data: m.encodePlayer(p)})
	switch {
	case m.phase == PhaseEnded, m.phase == PhasePlaying && !m.settings.JoinInProgress:
		return fmt.Errorf("gametest: phase %s: %w", m.phase, game.ErrNotJoinable)
	case m.seatOf(p.ID) != nil:
		return ErrAlreadySeated
	case len(m.seats) >= m.settings.MaxPlayers:
		return fmt.Errorf("gametest: all %d seats taken: %w", m.settings.MaxPlayers, game.ErrRoomFull)
	}
	m.begin()
	if err := m.game.CanJoin(p); err != nil {
		return err
	}
	m.lifecycleCall()
	m.game.Join(p)
	s := &seat{p: p, connected: true, mirror: game.NewMirror(m.mode.Schema())}
	i, _ := m.seatIndex(p.ID)
	m.seats = slices.Insert(m.seats, i, s)
	m.players[p.ID] = s
	return nil
}

// normalMeta returns meta with its values as the lobby hands them to a mode.
func normalMeta(meta map[string]any) (map[string]any, error) {
	if meta == nil {
		return nil, nil
	}
	out := make(map[string]any, len(meta))
	for k, v := range meta {
		switch x := v.(type) {
		case string, bool:
			out[k] = x
		case float32:
			out[k] = normalFloat(float64(x))
		case float64:
			out[k] = normalFloat(x)
		default:
			n, ok := game.WholeNumber(v)
			if !ok {
				return nil, fmt.Errorf("meta %q is a %T: the lobby takes strings, numbers and booleans", k, v)
			}
			out[k] = n
		}
	}
	return out, nil
}

func normalFloat(f float64) any {
	if n, ok := game.WholeNumber(f); ok {
		return n
	}
	return f
}

// Leave frees the seat of id in the tick being built (room:leave, a kick,
// the end of the grace after a disconnect) and fails the test if id is not
// seated. After the match ended the game is not told, as in the runtime.
func (m *Match) Leave(id game.PlayerID) {
	m.tb.Helper()
	m.seatCall(OpLeave, id)
	i, _ := m.seatIndex(id)
	m.seats = slices.Delete(m.seats, i, i+1)
	m.tell(m.game.Leave, id)
}

// Drop disconnects id unexpectedly in the tick being built: the seat is
// kept, the player gets no more snapshots or events until Return. Dropping
// a dropped player does nothing.
func (m *Match) Drop(id game.PlayerID) {
	m.tb.Helper()
	s := m.seatCall(OpDrop, id)
	if !s.connected {
		return
	}
	s.connected = false
	m.tell(m.game.Drop, id)
}

// Return reconnects id in the tick being built (room:rejoin); its next
// snapshot is a full state. The game is told only if id was dropped: a
// rejoin over a live connection takes the seat over.
func (m *Match) Return(id game.PlayerID) {
	m.tb.Helper()
	s := m.seatCall(OpReturn, id)
	was := s.connected
	s.connected, s.base, s.baseView = true, 0, nil
	if !was {
		m.tell(m.game.Return, id)
	}
}

// tell hands a seat change of id to the game (call is Leave, Drop or
// Return) unless the match has ended: then the runtime keeps it to itself.
func (m *Match) tell(call func(game.PlayerID), id game.PlayerID) {
	if m.phase != PhaseEnded {
		m.lifecycleCall()
		call(id)
	}
}

// seatCall records op of player id and returns its seat, failing the test
// if id is not seated.
func (m *Match) seatCall(op Op, id game.PlayerID) *seat {
	m.tb.Helper()
	m.live(string(op))
	m.record(Entry{Op: op, Player: id})
	s := m.seatOf(id)
	if s == nil {
		m.fatalf("%s of player %d: %v", op, id, ErrNotSeated)
	}
	return s
}

// Start starts the match in the tick being built and fails the test if it
// cannot; see TryStart.
func (m *Match) Start() {
	m.tb.Helper()
	if err := m.TryStart(); err != nil {
		m.fatalf("start: %v", err)
	}
}

// TryStart moves the match from waiting to playing in the tick being built
// (ErrNotWaiting, ErrTooFewPlayers below Settings.MinPlayers). A match with
// Settings.MatchTicks ends that many ticks after this one.
func (m *Match) TryStart() error {
	m.tb.Helper()
	m.live("Start")
	m.record(Entry{Op: OpStart})
	switch {
	case m.phase != PhaseWaiting:
		return ErrNotWaiting
	case len(m.seats) < m.settings.MinPlayers:
		return fmt.Errorf("%w: %d seated, %d needed", ErrTooFewPlayers, len(m.seats), m.settings.MinPlayers)
	}
	m.lifecycleCall()
	m.game.Start()
	m.phase, m.startTick = PhasePlaying, m.tick+1
	return nil
}

// lifecycleCall begins the tick being built and notes that a lifecycle call
// reached the game in it (see Message).
func (m *Match) lifecycleCall() {
	m.begin()
	m.lifecycle = m.tick + 1
}
