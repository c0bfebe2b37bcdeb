package lobby

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tickroom/tickroom/internal/testhost"
	"github.com/tickroom/tickroom/netio/client"
	"github.com/tickroom/tickroom/rooms/lobby"
)

// TestVerifier: with the HMAC verifier configured a bad or missing token is refused with
// CONNECT_ERROR unauthorized; a good one connects and its name is the player's name.
func TestVerifier(t *testing.T) {
	v := lobby.NewHMACVerifier([]byte("test key test key test key 12345"))
	hc := lobby.DefaultConfig()
	hc.Verifier = v
	_, url := startHostWith(t, hc)
	opts := testhost.Options()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, auth := range []map[string]any{
		{}, {"token": "nope"}, {"token": 5},
		{"token": v.Sign(lobby.Identity{Subject: "u"}, time.Now().Add(-time.Second))},
	} {
		s, err := client.Dial(ctx, url, auth, opts)
		if err == nil {
			s.Manager().Close()
			t.Fatalf("auth %v connected, want unauthorized", auth)
		}
		if got := err.Error(); !strings.Contains(got, "unauthorized") {
			t.Errorf("auth %v: %v, want unauthorized", auth, err)
		}
	}
	tok := v.Sign(lobby.Identity{Subject: "u1", Name: " Ada\u0007 "}, time.Now().Add(time.Hour))
	s, err := client.Dial(ctx, url, map[string]any{"token": tok, "name": "ignored"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Manager().Close()
	args, err := s.EmitWithAckContext(ctx, "room:create", map[string]any{"mode": "arena"})
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		OK  bool `msgpack:"ok"`
		You struct {
			SeatToken string `msgpack:"seatToken"`
		} `msgpack:"you"`
		Players []struct {
			Name string `msgpack:"name"`
		} `msgpack:"players"`
	}
	if err := args.Decode(0, &res); err != nil || !res.OK || len(res.Players) != 1 || res.Players[0].Name != "Ada" {
		t.Fatalf("create with a verified token: %+v %v", res, err)
	}

	// A seat belongs to its account: another account holding the seat token gets
	// UNAUTHORIZED and takes nothing; the same account on a new connection rejoins.
	rejoin := func(sub string, token string) (code string) {
		t.Helper()
		c, err := client.Dial(ctx, url, map[string]any{"token": v.Sign(lobby.Identity{Subject: sub}, time.Now().Add(time.Hour))}, opts)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Manager().Close()
		args, err := c.EmitWithAckContext(ctx, "room:rejoin", map[string]any{"seatToken": token})
		if err != nil {
			t.Fatal(err)
		}
		var r struct {
			OK    bool `msgpack:"ok"`
			Error struct {
				Code string `msgpack:"code"`
			} `msgpack:"error"`
		}
		if err := args.Decode(0, &r); err != nil {
			t.Fatal(err)
		}
		if r.OK {
			return "ok"
		}
		return r.Error.Code
	}
	if got := rejoin("u2", res.You.SeatToken); got != lobby.CodeUnauthorized {
		t.Fatalf("rejoin with u1's seat token as u2: %s, want UNAUTHORIZED", got)
	}
	// The refused attempt took nothing: the owner is still seated and its token works.
	chat, err := s.EmitWithAckContext(ctx, "room:chat", map[string]any{"text": "still here"})
	var chatRes struct {
		OK bool `msgpack:"ok"`
	}
	if err != nil || chat.Decode(0, &chatRes) != nil || !chatRes.OK {
		t.Fatalf("the owner's chat after the refused rejoin: %v %+v", err, chatRes)
	}
	if got := rejoin("u1", res.You.SeatToken); got != "ok" {
		t.Fatalf("rejoin as u1 on a new connection: %s, want ok", got)
	}
}
