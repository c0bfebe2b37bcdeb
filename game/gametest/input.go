package gametest

import (
	"maps"
	"math"

	"github.com/tickroom/tickroom/game"
)

// maxSeq is the largest input seq the protocol allows (2^53-1: exact in JS).
const maxSeq = 1<<53 - 1

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
	seq, ok := inputSeq(raw)
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

// inputSeq finds and checks seq in the input map, as the runtime does: any
// number type, whole, in 1..2^53-1.
func inputSeq(raw []byte) (uint64, bool) {
	m, err := game.NewInputMap(raw)
	for err == nil && m.Next() {
		if string(m.Key()) != "seq" {
			continue
		}
		f, err := m.Number()
		if err != nil || f != math.Trunc(f) || f < 1 || f > maxSeq {
			return 0, false
		}
		return uint64(f), true
	}
	return 0, false
}

// Acked returns the highest input seq of id the game has applied: the `a`
// of that player's snapshots.
func (m *Match) Acked(id game.PlayerID) uint64 {
	if s := m.players[id]; s != nil {
		return s.lastApplied
	}
	return 0
}
