package lobby

import (
	"testing"
	"time"

	"github.com/tickroom/tickroom/internal/testhost"
	"github.com/tickroom/tickroom/netio/client"
)

// requestEvents are every request event of the contract.
var requestEvents = []string{
	"lobby:list", "lobby:watch", "lobby:unwatch", "room:create", "room:join", "room:quickjoin",
	"room:rejoin", "room:leave", "room:ready", "room:start", "room:kick", "room:chat",
	"room:resync", "time:sync",
}

// TestBadShapes: a payload that is not a map is BAD_REQUEST for every request; fields of the
// wrong type are BAD_REQUEST; requests without an ack are dropped and counted; the socket and
// another player in its room are unaffected throughout.
func TestBadShapes(t *testing.T) {
	host, url := startHost(t)
	socks := dialN(t, url, 2)
	s, other := socks[0], socks[1]
	created := mustRequest(t, other, "room:create", map[string]any{"mode": "arena"})
	mustRequest(t, s, "room:join", map[string]any{"roomId": created.Room.ID})
	notMaps := []any{"x", 1, 1.5, true, []any{1, 2}, []byte{1, 2}}
	for _, ev := range requestEvents {
		for _, p := range notMaps {
			if a := requestAny(t, s, ev, p); a.OK || a.Error.Code != "BAD_REQUEST" {
				t.Errorf("%s %#v: %+v, want BAD_REQUEST", ev, p, a)
			}
		}
	}
	wrongTypes := map[string][]map[string]any{
		"lobby:list":     {{"mode": 1}, {"meta": "x"}, {"includeFull": 1}, {"limit": "1"}, {"limit": 1.5}, {"limit": -1}, {"meta": map[string]any{"k": nil}}},
		"lobby:watch":    {{"mode": true}, {"meta": []any{}}, {"includeFull": "x"}},
		"room:create":    {{"mode": 1}, {"mode": "arena", "private": "yes"}, {"mode": "arena", "password": 5}, {"mode": "arena", "options": "x"}, {"mode": "arena", "maxPlayers": 0.5}},
		"room:join":      {{"roomId": 1}, {"code": []any{}}, {"roomId": "x", "password": true}},
		"room:quickjoin": {{"mode": 1}, {"mode": "arena", "meta": map[string]any{"a": map[string]any{}}}},
		"room:rejoin":    {{"seatToken": 1}, {}},
		"room:ready":     {{"ready": 1}, {}},
		"room:kick":      {{"playerId": "1"}, {"playerId": 1.5}, {}},
		"room:chat":      {{"text": 1}, {"text": ""}, {}},
		"time:sync":      {{"t0": "x"}, {}},
	}
	for ev, payloads := range wrongTypes {
		for _, p := range payloads {
			if a := requestAny(t, s, ev, p); a.OK || a.Error.Code != "BAD_REQUEST" {
				t.Errorf("%s %v: %+v, want BAD_REQUEST", ev, p, a)
			}
		}
	}
	// A room name that is not a string is ignored, as the name rules say (not BAD_REQUEST).
	named := dialN(t, url, 1)[0]
	if a := request(t, named, "room:create", map[string]any{"mode": "arena", "name": 5, "private": true}); !a.OK || a.Room.Name != "arena room" {
		t.Errorf("room:create with name 5: %+v, want the default name", a)
	}
	// Without an ack: dropped and counted, nothing else happens.
	before := host.DroppedRequests()
	for _, ev := range requestEvents {
		if err := s.Emit(ev, map[string]any{"mode": "arena"}); err != nil {
			t.Fatal(err)
		}
		if err := s.Emit(ev); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for host.DroppedRequests()-before < uint64(2*len(requestEvents)) {
		if time.Now().After(deadline) {
			t.Fatalf("dropped %d requests, want %d", host.DroppedRequests()-before, 2*len(requestEvents))
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Still seated, still working, and so is the other player.
	if a := request(t, s, "room:chat", map[string]any{"text": "still here"}); !a.OK {
		t.Fatalf("chat after bad input: %+v", a)
	}
	if a := request(t, other, "room:resync", nil); !a.OK {
		t.Fatalf("other player: %+v", a)
	}
	if n := len(listRooms(t, other)); n != 1 {
		t.Fatalf("%d rooms, want 1", n)
	}
}

// requestAny is request with a payload of any type, which fails t at once.
func requestAny(t *testing.T, s *client.Socket, event string, payload any) ack {
	t.Helper()
	var a ack
	if !testhost.Ask(t, s, event, payload, &a) {
		t.FailNow()
	}
	return a
}
