package gametest

import (
	"reflect"

	"github.com/tickroom/tickroom/game"
	"github.com/vmihailenco/msgpack/v5"
)

// Op names what one Entry fed the game.
type Op string

// The ops of a Log.
const (
	OpJoin    Op = "join" // Data: the player (name, bot, subject, meta)
	OpLeave   Op = "leave"
	OpDrop    Op = "drop"
	OpReturn  Op = "return"
	OpStart   Op = "start"
	OpInput   Op = "input"   // Data: the input as the game got it
	OpMessage Op = "message" // Type and Data: the message's
)

// Entry is one thing fed to a match: the tick it belongs to (the tick
// being built when it was fed), what it was, whose, and its bytes.
type Entry struct {
	Tick   uint64        `msgpack:"t"`
	Op     Op            `msgpack:"op"`
	Player game.PlayerID `msgpack:"p,omitempty"`
	Type   string        `msgpack:"type,omitempty"`
	Data   []byte        `msgpack:"d,omitempty"`
}

// Log is everything fed to a match, in order, and how many ticks it ran:
// with the seed, all a replay needs. It encodes with msgpack, so a test
// can keep one as a file.
type Log struct {
	Options game.Options `msgpack:"options"`
	Ticks   uint64       `msgpack:"ticks"`
	Entries []Entry      `msgpack:"entries"`
}

// player is a join's Data.
type player struct {
	Name    string         `msgpack:"name"`
	Bot     bool           `msgpack:"bot,omitempty"`
	Subject string         `msgpack:"subject,omitempty"`
	Meta    map[string]any `msgpack:"meta,omitempty"`
}

func (m *Match) encodePlayer(p game.Player) []byte {
	m.tb.Helper()
	b, err := msgpack.Marshal(player{Name: p.Name, Bot: p.Bot, Subject: p.Subject, Meta: p.Meta})
	if err != nil {
		m.fatalf("join of player %d: %v", p.ID, err)
	}
	return b
}

// record appends e to the log as part of the tick being built.
func (m *Match) record(e Entry) {
	e.Tick = m.tick + 1
	m.log.Entries = append(m.log.Entries, e)
}

// Log returns everything fed to the match so far.
func (m *Match) Log() Log {
	l := m.log
	l.Entries = append([]Entry(nil), l.Entries...)
	return l
}

// Replay plays log again from seed: a new match of mode, the same things
// fed in the same ticks, and as many ticks run. Refusals and malformed
// inputs happen again, as they did. opts apply after the seed and the
// log's room options.
func Replay(tb TB, mode game.Mode, seed uint64, log Log, opts ...Option) *Match {
	tb.Helper()
	m := New(tb, mode, append([]Option{Seed(seed), RoomOptions(log.Options)}, opts...)...)
	for _, e := range log.Entries {
		for m.tick+1 < e.Tick {
			m.Step()
		}
		m.feed(e)
	}
	for m.tick < log.Ticks {
		m.Step()
	}
	return m
}

// feed applies one log entry through the method that recorded it.
func (m *Match) feed(e Entry) {
	m.tb.Helper()
	switch e.Op {
	case OpJoin:
		var p player
		if err := msgpack.Unmarshal(e.Data, &p); err != nil {
			m.fatalf("replay: join of player %d: %v", e.Player, err)
		}
		_ = m.TryJoin(game.Player{ID: e.Player, Name: p.Name, Bot: p.Bot, Subject: p.Subject, Meta: p.Meta})
	case OpLeave:
		m.Leave(e.Player)
	case OpDrop:
		m.Drop(e.Player)
	case OpReturn:
		m.Return(e.Player)
	case OpStart:
		_ = m.TryStart()
	case OpInput:
		_ = m.input(e.Player, e.Data)
	case OpMessage:
		_, _ = m.message(e.Player, e.Type, e.Data)
	default:
		m.fatalf("replay: unknown op %q", e.Op)
	}
}

// CheckReplay plays the match's log again from its seed, after a round trip
// of the log through msgpack, and fails the test unless the replay has the
// same World.Hash after every tick, sends the same events and ends with the
// same results: the match is a function of its seed and what was fed.
func (m *Match) CheckReplay() {
	m.tb.Helper()
	raw, err := msgpack.Marshal(m.log)
	if err != nil {
		m.fatalf("replay: the log does not encode: %v", err)
	}
	var log Log
	if err := msgpack.Unmarshal(raw, &log); err != nil {
		m.fatalf("replay: the log does not decode: %v", err)
	}
	r := Replay(m.tb, m.mode, m.seed, log, HashEvery(m.hashEvery))
	if len(r.hashes) != len(m.hashes) {
		m.fatalf("replay ran %d ticks, the match %d", len(r.hashes), len(m.hashes))
	}
	for i := range m.hashes {
		if r.hashes[i] != m.hashes[i] {
			m.fatalf("replay diverges in tick %d: world hash %#08x, the match had %#08x", i+1, r.hashes[i], m.hashes[i])
		}
	}
	if len(r.events) != len(m.events) {
		m.fatalf("replay sent %d events, the match %d", len(r.events), len(m.events))
	}
	for i := range m.events {
		if !reflect.DeepEqual(r.events[i], m.events[i]) {
			m.fatalf("replay event %d is %+v, the match sent %+v", i, r.events[i], m.events[i])
		}
	}
	if !reflect.DeepEqual(r.results, m.results) {
		m.fatalf("replay results %v, the match had %v", r.results, m.results)
	}
}
