package lobby

import (
	"sync"
	"testing"

	"github.com/tickroom/tickroom/game/arena"
	"github.com/tickroom/tickroom/internal/testhost"
	"github.com/tickroom/tickroom/netio/client"
	"github.com/tickroom/tickroom/rooms/lobby"
)

// startHost runs a lobby.Host with the arena mode behind an httptest server on 127.0.0.1.
func startHost(t *testing.T) (*lobby.Host, string) {
	t.Helper()
	return testhost.Start(t, nil, arena.Mode{})
}

// startHostWith is startHost with hc, to which the arena mode is added.
func startHostWith(t *testing.T, hc lobby.Config) (*lobby.Host, string) {
	t.Helper()
	return testhost.Start(t, &hc, arena.Mode{})
}

// dialN connects n msgpack websocket clients.
func dialN(t *testing.T, url string, n int) []*client.Socket {
	t.Helper()
	return testhost.DialN(t, url, n, map[string]any{"name": "bot"})
}

// ack is a request's answer.
type ack struct {
	OK    bool `msgpack:"ok"`
	Error struct {
		Code string `msgpack:"code"`
	} `msgpack:"error"`
	Room struct {
		ID         string `msgpack:"id"`
		Players    int    `msgpack:"players"`
		MaxPlayers int    `msgpack:"maxPlayers"`
		Name       string `msgpack:"name"`
	} `msgpack:"room"`
}

// request asks event with payload; a failure to get or decode the ack fails t and returns the
// zero ack. It may run on any goroutine.
func request(t *testing.T, s *client.Socket, event string, payload map[string]any) ack {
	t.Helper()
	var a ack
	testhost.Ask(t, s, event, payload, &a)
	return a
}

// mustRequest is request that fails t at once unless the answer is ok.
func mustRequest(t *testing.T, s *client.Socket, event string, payload map[string]any) ack {
	t.Helper()
	a := request(t, s, event, payload)
	if !a.OK {
		t.Fatalf("%s %v: %+v", event, payload, a)
	}
	return a
}

// requestAll makes every socket of socks ask event with payload at once and returns their
// answers in the order of socks.
func requestAll(t *testing.T, socks []*client.Socket, event string, payload map[string]any) []ack {
	t.Helper()
	results := make([]ack, len(socks))
	var wg sync.WaitGroup
	for i, s := range socks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = request(t, s, event, payload)
		}()
	}
	wg.Wait()
	return results
}

// TestJoinRace: 100 simultaneous joins into a 10-seat room (the creator holds one seat) seat
// exactly 9 of them; the rest get ROOM_FULL.
func TestJoinRace(t *testing.T) {
	host, url := startHost(t)
	socks := dialN(t, url, 101)
	created := mustRequest(t, socks[0], "room:create", map[string]any{"mode": "arena", "maxPlayers": 10})
	results := requestAll(t, socks[1:], "room:join", map[string]any{"roomId": created.Room.ID})
	ok, full := 0, 0
	for _, r := range results {
		switch {
		case r.OK:
			ok++
		case r.Error.Code == "ROOM_FULL":
			full++
		default:
			t.Errorf("unexpected answer %+v", r)
		}
	}
	if ok != 9 || full != 91 {
		t.Fatalf("seated %d (want 9 + the creator = 10), ROOM_FULL %d (want 91)", ok, full)
	}
	list := listRooms(t, socks[0])
	if len(list) != 1 || list[0].Players != 10 {
		t.Fatalf("lobby:list includeFull: %+v, want one room of 10", list)
	}
	if host.Rooms() != 1 {
		t.Fatalf("%d rooms, want 1", host.Rooms())
	}
}

// TestJoinRaceEmptyRoom: 100 simultaneous joins into a 10-seat room whose creator left seat
// exactly 10.
func TestJoinRaceEmptyRoom(t *testing.T) {
	_, url := startHost(t)
	socks := dialN(t, url, 101)
	created := mustRequest(t, socks[0], "room:create", map[string]any{"mode": "arena", "maxPlayers": 10})
	mustRequest(t, socks[0], "room:leave", nil)
	results := requestAll(t, socks[1:], "room:join", map[string]any{"roomId": created.Room.ID})
	ok := 0
	for _, r := range results {
		if r.OK {
			ok++
		} else if r.Error.Code != "ROOM_FULL" {
			t.Errorf("unexpected answer %+v", r)
		}
	}
	if ok != 10 {
		t.Fatalf("seated %d, want exactly 10", ok)
	}
}

type roomInfo struct {
	ID         string `msgpack:"id"`
	Players    int    `msgpack:"players"`
	MaxPlayers int    `msgpack:"maxPlayers"`
}

func listRooms(t *testing.T, s *client.Socket) []roomInfo {
	t.Helper()
	var res struct {
		OK    bool       `msgpack:"ok"`
		Rooms []roomInfo `msgpack:"rooms"`
	}
	if !testhost.Ask(t, s, "lobby:list", map[string]any{"includeFull": true, "limit": 500}, &res) || !res.OK {
		t.Fatalf("lobby:list: %+v", res)
	}
	return res.Rooms
}

// TestQuickjoinRace: 200 simultaneous quickjoins for the 10-player arena make exactly 20 full
// rooms.
func TestQuickjoinRace(t *testing.T) {
	host, url := startHost(t)
	socks := dialN(t, url, 200)
	results := requestAll(t, socks, "room:quickjoin", map[string]any{"mode": "arena"})
	perRoom := map[string]int{}
	for _, r := range results {
		if !r.OK {
			t.Fatalf("quickjoin: %+v", r)
		}
		perRoom[r.Room.ID]++
	}
	if len(perRoom) != 20 {
		t.Fatalf("%d rooms, want 20", len(perRoom))
	}
	for id, n := range perRoom {
		if n != 10 {
			t.Errorf("room %s got %d quickjoins, want 10", id, n)
		}
	}
	list := listRooms(t, socks[0])
	if len(list) != 20 || host.Rooms() != 20 {
		t.Fatalf("lobby lists %d rooms, host runs %d; want 20", len(list), host.Rooms())
	}
	for _, r := range list {
		if r.Players != 10 || r.MaxPlayers != 10 {
			t.Errorf("room %s: %d/%d players, want 10/10", r.ID, r.Players, r.MaxPlayers)
		}
	}
}
