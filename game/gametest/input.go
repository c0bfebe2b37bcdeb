package gametest

import (
	"maps"

	"github.com/tickroom/tickroom/game"
)

// Input feeds one `input` of player id and fails the test if the runtime
// would drop it as malformed; see TryInput.
func (m *Match) Input(id game.PlayerID, fields map[string]any) {
	m.tb.Helper()
	if err := m.TryInput(id, fields); err != nil {
		m.fatalf("input %v of player %d: %v", fields, id, err)
	}
}

// TryInput feeds one `input` of player id, the map a client sends: it is
// encoded to canonical msgpack (Encode), its seq checked and Game.DecodeInput
// called, as the runtime does when the input arrives, and it waits for the
// next Step. A map without "seq" gets the player's highest seq so far plus
// one. The error is ErrNotSeated, ErrBadSeq or DecodeInput's: the runtime
// would drop the input and count it.
func (m *Match) TryInput(id game.PlayerID, fields map[string]any) error {
	m.tb.Helper()
	if _, ok := fields["seq"]; !ok {
		var next uint64 = 1
		if s := m.seatOf(id); s != nil {
			next = s.lastFed + 1
		}
		fields = maps.Clone(fields)
		if fields == nil {
			fields = map[string]any{}
		}
		fields["seq"] = next
	}
	raw, err := Encode(fields)
	if err != nil {
		m.fatalf("input of player %d: %v", id, err)
	}
	return m.input(id, raw)
}

// input is TryInput for the encoded payload.
func (m *Match) input(id game.PlayerID, raw []byte) error {
	m.tb.Helper()
	m.live("Input")
	m.record(Entry{Op: OpInput, Player: id, Data: raw})
	s := m.seatOf(id)
	if s == nil {
		return ErrNotSeated
	}
	seq, ok := game.InputSeq(raw)
	if !ok {
		return ErrBadSeq
	}
	s.lastFed = max(s.lastFed, seq)
	in, err := m.game.DecodeInput(raw)
	if err != nil {
		return err
	}
	s.queue = append(s.queue, queued{seq: seq, in: in})
	return nil
}

// Acked returns the highest input seq of id the game has applied: the `a`
// of that player's snapshots.
func (m *Match) Acked(id game.PlayerID) uint64 {
	if s := m.players[id]; s != nil {
		return s.lastApplied
	}
	return 0
}
