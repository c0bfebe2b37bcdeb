package lobby

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/netio/client"
)

// shopMode answers room:message "buy" (a reply, or REFUSED for anything
// but apples), admits only players whose playerMeta team is "red" and, with
// a verified account, only accounts starting with "u", and ends its match
// after 10 ticks.
type shopMode struct{}

func (shopMode) Name() string         { return "shop" }
func (shopMode) Schema() *game.Schema { return idleSchema }
func (shopMode) Configure(o game.Options) (game.Settings, error) {
	max := 4
	if o.MaxPlayers > 0 {
		if o.MaxPlayers > 8 {
			return game.Settings{}, fmt.Errorf("%w: at most 8 players", game.ErrBadOptions)
		}
		max = o.MaxPlayers
	}
	return game.Settings{MinPlayers: 2, MaxPlayers: max, MaxPlayersLimit: 8, TickRate: 20, SnapshotRate: 20, JoinInProgress: true, MatchTicks: 10}, nil
}
func (shopMode) New(c *game.Context) game.Game {
	c.Messages.Handle("buy", func(m game.Message) (any, error) {
		var req struct {
			Item string `msgpack:"item"`
		}
		if err := m.Decode(&req); err != nil || req.Item != "apple" {
			return nil, errors.New("we only sell apples")
		}
		return map[string]any{"item": "apple", "price": 3}, nil
	})
	c.Messages.Handle("ping", func(game.Message) (any, error) { return nil, nil })
	return &shopGame{}
}

type shopGame struct{ game.BaseGame }

func (shopGame) CanJoin(p game.Player) error {
	if p.Meta["team"] != "red" {
		return errors.New("red team only")
	}
	return nil
}
func (shopGame) Results() map[string]any { return map[string]any{"sold": 1} }

// reply is a room:message ack.
type reply struct {
	OK    bool `msgpack:"ok"`
	Error struct {
		Code    string `msgpack:"code"`
		Message string `msgpack:"message"`
	} `msgpack:"error"`
	Reply map[string]any `msgpack:"reply"`
	Room  RoomInfo       `msgpack:"room"`
}

func askReply(t *testing.T, s *client.Socket, event string, payload any) reply {
	t.Helper()
	args, err := s.EmitWithAckContext(t.Context(), event, payload)
	if err != nil {
		t.Fatalf("%s: %v", event, err)
	}
	var r reply
	if err := args.Decode(0, &r); err != nil {
		t.Fatalf("%s: %v", event, err)
	}
	return r
}

// TestMessagesOverTheWire: room:message answers the handler's reply,
// REFUSED with its text, BAD_REQUEST for an unknown or malformed type,
// NOT_IN_ROOM without a seat and RATE_LIMITED past the bucket, in the
// contract's order; playerMeta reaches CanJoin (REFUSED with the mode's
// reason); quickjoin's create options make its room; OnMatchEnd hears of
// the results.
func TestMessagesOverTheWire(t *testing.T) {
	cfg := DefaultConfig()
	var mu sync.Mutex
	var ends []MatchEnd
	cfg.OnMatchEnd = func(me MatchEnd) {
		mu.Lock()
		defer mu.Unlock()
		ends = append(ends, me)
	}
	if err := cfg.Modes.Register(shopMode{}); err != nil {
		t.Fatal(err)
	}
	_, url := serveHost(t, &cfg)
	a, b, out := dial(t, url), dial(t, url), dial(t, url)

	if r := askReply(t, out, "room:message", map[string]any{"type": "buy"}); r.Error.Code != CodeNotInRoom {
		t.Fatalf("not seated: %+v", r)
	}
	// (meta apart, so that the room this refused quickjoin made is not the one below)
	if r := askReply(t, a, "room:quickjoin", map[string]any{"mode": "shop", "meta": map[string]any{"k": 1}, "playerMeta": map[string]any{"team": "blue"}}); r.Error.Code != CodeRefused || r.Error.Message != "red team only" {
		t.Fatalf("a blue player: %+v", r)
	}
	if r := askReply(t, a, "room:quickjoin", map[string]any{"mode": "shop", "create": map[string]any{"maxPlayers": 9}}); r.Error.Code != CodeBadRequest {
		t.Fatalf("create options the mode refuses: %+v", r)
	}
	r := askReply(t, a, "room:quickjoin", map[string]any{"mode": "shop", "meta": map[string]any{"k": 2}, "playerMeta": map[string]any{"team": "red"},
		"create": map[string]any{"name": " Apple\u0007 shop ", "maxPlayers": 3}})
	if !r.OK || r.Room.MaxPlayers != 3 || r.Room.Name != "Apple shop" || r.Room.Phase != "waiting" {
		t.Fatalf("quickjoin with create options: %+v", r)
	}
	for _, c := range []struct {
		payload map[string]any
		code    string
	}{
		{map[string]any{"type": "buy", "data": map[string]any{"item": "apple"}}, ""},
		{map[string]any{"type": "buy", "data": map[string]any{"item": "pear"}}, CodeRefused},
		{map[string]any{"type": "sell"}, CodeBadRequest},
		{map[string]any{"type": "bad type!"}, CodeBadRequest},
		{map[string]any{"type": ""}, CodeBadRequest},
		{map[string]any{"type": 5}, CodeBadRequest},
		{map[string]any{}, CodeBadRequest},
	} {
		got := askReply(t, a, "room:message", c.payload)
		if c.code == "" {
			if !got.OK || got.Reply["item"] != "apple" || got.Reply["price"] != int8(3) {
				t.Fatalf("%v: %+v", c.payload, got)
			}
			continue
		}
		if got.OK || got.Error.Code != c.code {
			t.Fatalf("%v: %+v, want %s", c.payload, got, c.code)
		}
		if c.code == CodeRefused && got.Error.Message != "we only sell apples" {
			t.Fatalf("REFUSED's message: %q", got.Error.Message)
		}
	}
	if got := askReply(t, a, "room:message", map[string]any{"type": "ping"}); !got.OK || got.Reply != nil {
		t.Fatalf("no reply: %+v", got)
	}

	// The bucket: 60 at once, then RATE_LIMITED; a type the mode has no handler for, too.
	codes := map[string]int{}
	var wg sync.WaitGroup
	var cmu sync.Mutex
	for range 80 {
		wg.Add(1)
		_ = a.EmitWithAck("room:message", func(args client.Args, err error) {
			defer wg.Done()
			var r reply
			if err == nil {
				_ = args.Decode(0, &r)
			}
			cmu.Lock()
			codes[r.Error.Code]++
			cmu.Unlock()
		}, map[string]any{"type": "nope"})
	}
	wg.Wait()
	if codes[CodeRateLimited] < 10 || codes[CodeBadRequest] < 50 || codes[CodeBadRequest]+codes[CodeRateLimited] != 80 {
		t.Fatalf("80 messages at once: %v", codes)
	}

	// The match: a second red player starts it (MinPlayers 2); it ends after 10 ticks.
	if r := askReply(t, b, "room:quickjoin", map[string]any{"mode": "shop", "meta": map[string]any{"k": 2}, "playerMeta": map[string]any{"team": "red"}}); !r.OK || r.Room.Players != 2 {
		t.Fatalf("second player: %+v", r)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(ends)
		mu.Unlock()
		if n > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(ends) != 1 || ends[0].Results["sold"] != 1 || len(ends[0].Players) != 2 || ends[0].Room.Phase != "ended" {
		t.Fatalf("OnMatchEnd: %+v", ends)
	}
}

// TestDrain: a draining host answers room:create, and a quickjoin that
// would have to make a room, with UNAVAILABLE (after every other check);
// joins into a running room, and a quickjoin that finds one, still work.
func TestDrain(t *testing.T) {
	cfg := DefaultConfig()
	if err := cfg.Modes.Register(shopMode{}); err != nil {
		t.Fatal(err)
	}
	h, url := serveHost(t, &cfg)
	a, b, c, d := dial(t, url), dial(t, url), dial(t, url), dial(t, url)
	red := map[string]any{"team": "red"}
	open := askReply(t, a, "room:create", map[string]any{"mode": "shop", "maxPlayers": 3, "playerMeta": red})
	if !open.OK {
		t.Fatalf("create: %+v", open)
	}
	h.Drain()
	if r := askReply(t, b, "room:create", map[string]any{"mode": "shop", "playerMeta": red}); r.Error.Code != CodeUnavailable {
		t.Fatalf("create while draining: %+v", r)
	}
	if r := askReply(t, b, "room:create", map[string]any{"mode": "nope"}); r.Error.Code != CodeUnknownMode {
		t.Fatalf("UNAVAILABLE ranks last: %+v", r)
	}
	if r := askReply(t, b, "room:join", map[string]any{"roomId": open.Room.ID, "playerMeta": red}); !r.OK {
		t.Fatalf("join a running room while draining: %+v", r)
	}
	if r := askReply(t, c, "room:quickjoin", map[string]any{"mode": "shop", "playerMeta": red}); !r.OK || r.Room.ID != open.Room.ID {
		t.Fatalf("a quickjoin that finds a room while draining: %+v", r)
	}
	if r := askReply(t, d, "room:quickjoin", map[string]any{"mode": "shop", "playerMeta": red}); r.Error.Code != CodeUnavailable {
		t.Fatalf("a quickjoin that would make a room while draining: %+v", r)
	}
}
