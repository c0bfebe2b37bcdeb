package gametest

import (
	"fmt"

	"github.com/tickroom/tickroom/game"
)

// Message sends room:message {type: typ, data} from player from and
// returns the handler's reply as the sender decodes it (RoundTrip), as the
// runtime does when the message
// arrives: between ticks, its changes to the World belonging to the tick
// being built, before that tick's lifecycle calls and inputs. data is
// encoded like an input (Encode; nil for none). The error is ErrNotSeated,
// game.ErrNoHandler, or the handler's own wrapped in ErrRefused.
//
// Because the runtime runs a message before the lifecycle commands of the
// tick it belongs to, Message fails the test when Join, Leave, Drop,
// Return or Start already reached the game in the tick being built: Step
// first, or send the message first.
func (m *Match) Message(from game.PlayerID, typ string, data any) (reply any, err error) {
	m.tb.Helper()
	var raw []byte
	if data != nil {
		if raw, err = Encode(data); err != nil {
			m.fatalf("message %q of player %d: %v", typ, from, err)
		}
	}
	return m.message(from, typ, raw)
}

// message is Message for the encoded data.
func (m *Match) message(from game.PlayerID, typ string, raw []byte) (reply any, err error) {
	m.tb.Helper()
	m.live("Message")
	m.record(Entry{Op: OpMessage, Player: from, Type: typ, Data: raw})
	if m.lifecycle == m.tick+1 {
		m.fatalf("message %q after a lifecycle call in tick %d: the runtime runs messages before the tick's lifecycle commands", typ, m.tick+1)
	}
	switch {
	case m.seatOf(from) == nil:
		return nil, ErrNotSeated
	case !m.ctx.Messages.Has(typ):
		return nil, game.ErrNoHandler
	}
	m.begin()
	reply, err = m.ctx.Messages.Dispatch(game.Message{From: from, Type: typ, Data: raw})
	if m.endReq && m.phase != PhaseEnded {
		// The runtime sees the request before its next tick and runs none.
		m.endMatch()
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRefused, err)
	}
	if reply == nil {
		return nil, nil
	}
	return m.roundTrip(reply, fmt.Sprintf("the reply to message %q", typ)), nil
}
