package lobby

import (
	"testing"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/arena"
	"github.com/tickroom/tickroom/rooms/lobby"
)

// trio is the arena needing three players to start.
type trio struct{ arena.Mode }

func (trio) Name() string { return "trio" }

func (m trio) Configure(o game.Options) (game.Settings, error) {
	st, err := m.Mode.Configure(o)
	st.MinPlayers = 3
	return st, err
}

// TestStartErrorOrder: room:start follows the contract's order of errors: too few seated
// (BAD_REQUEST) before ROOM_LOCKED before NOT_HOST, whoever asks.
func TestStartErrorOrder(t *testing.T) {
	hc := lobby.DefaultConfig()
	if err := hc.Modes.Register(trio{}); err != nil {
		t.Fatal(err)
	}
	_, url := startHostWith(t, hc)
	s := dialN(t, url, 4)
	created := mustRequest(t, s[0], "room:create", map[string]any{"mode": "trio"})
	want := func(i int, code string) {
		t.Helper()
		a := request(t, s[i], "room:start", map[string]any{})
		if got := a.Error.Code; a.OK || got != code {
			t.Fatalf("player %d room:start: ok %v code %q, want %s", i, a.OK, got, code)
		}
	}
	mustRequest(t, s[1], "room:join", map[string]any{"roomId": created.Room.ID})
	want(0, "BAD_REQUEST") // the host, two seated of three
	want(1, "BAD_REQUEST") // not the host: too few comes first
	mustRequest(t, s[2], "room:join", map[string]any{"roomId": created.Room.ID})
	want(1, "NOT_HOST")
	if a := request(t, s[0], "room:start", map[string]any{}); !a.OK {
		t.Fatalf("host's start with three seated: %+v", a)
	}
	want(1, "ROOM_LOCKED") // ROOM_LOCKED before NOT_HOST
	want(0, "ROOM_LOCKED")
	// One leaves the started room: too few again, and BAD_REQUEST comes before ROOM_LOCKED.
	mustRequest(t, s[2], "room:leave", map[string]any{})
	want(0, "BAD_REQUEST")
	want(3, "NOT_IN_ROOM")
}
