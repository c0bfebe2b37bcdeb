package soak

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tickroom/tickroom/netio/client"
)

// The abusers of the lobby's requests (docs/protocol.md, "Limits"): floods of seat requests,
// chat and room:message from seated hosts, code guessing, wrong passwords, oversized payloads.

// showcaseOwners is how many owner abusers make showcase rooms (seat, chat and message floods).
const showcaseOwners = 9

// showcaseRoom is the room:create payload of owner i: a password room (listed, never picked by
// quickjoin, so no bot sits in it) with the longest name and the largest meta the contract
// allows, so that every lobby:list answer carries about 1.6 KB of it.
func showcaseRoom(i int) map[string]any {
	meta := map[string]any{}
	for k := range 16 {
		meta[fmt.Sprintf("soak-meta-key-%02d-%s", k, strings.Repeat("k", 14))] = strings.Repeat(string(rune('a'+k)), 64)
	}
	name := fmt.Sprintf("soak showcase %d %s", i, strings.Repeat("n", 48))[:48]
	return map[string]any{"mode": "arena", "name": name, "password": fmt.Sprintf("right-%d", i), "maxPlayers": 32, "meta": meta}
}

// showcase connects owner i and seats it as the host of a new showcase room.
func (e *env) showcase(ctx context.Context, i int) (*client.Socket, joined, error) {
	var j joined
	s, err := e.dial(ctx, client.TransportWebSocket, map[string]any{"name": fmt.Sprintf("owner-%d", i)})
	if err != nil {
		return nil, j, err
	}
	if a := ask(ctx, s, "room:create", showcaseRoom(i), &j); a != "OK" {
		closeSocket(s)
		return nil, j, fmt.Errorf("room:create: %s", a)
	}
	e.addCode(j.Room.Code)
	return s, j, nil
}

// ownerFlood is owner i's attack: it seats itself in a showcase room and sends next's request
// every period without waiting for the answers; it starts over when its connection is lost.
func ownerFlood(i int, period time.Duration, next func(n int, j joined) (string, any)) func(context.Context, *env, *tally) {
	return func(ctx context.Context, e *env, t *tally) {
		for ctx.Err() == nil {
			s, j, err := e.showcase(ctx, i)
			if connectFailed(ctx, t, err) {
				sleepCtx(ctx, time.Second)
				continue
			}
			t.add("connections")
			n := 0
			every(ctx, period, func() bool {
				if !s.Connected() {
					t.add(lost)
					return false
				}
				ev, p := next(n, j)
				n++
				t.add("requests")
				askAsync(ctx, s, ev, p, t, "")
				return true
			})
			closeSocket(s)
		}
	}
}

// bucketCheck holds a flood from one connection at a time to a bucket of burst and rate: the
// server answered everything, RATE_LIMITED past the bucket, and admitted no more than it
// allows; answer, when set, is what every admitted request must get.
func bucketCheck(name string, burst, rate float64, answer string) func(*tally, time.Duration) []string {
	return func(t *tally, w time.Duration) []string {
		x := &expect{name: name}
		requestChecks(x, t)
		admitted := answered(t) - t.get("RATE_LIMITED")
		bound := perConn(t.get("connections"), 1, burst, rate, w)
		x.that(t.get("RATE_LIMITED") > 0, "no RATE_LIMITED in %d requests", t.get("requests"))
		x.that(admitted <= bound, "%d requests admitted, the bucket allows %d", admitted, bound)
		if answer != "" {
			x.that(t.get(answer) == admitted, "admitted requests answered other than %s: %s", answer, t.String())
		}
		return x.errs
	}
}

// seatFlood floods the seat requests from a seated connection: 20 a second against a bucket of
// 5 a second, burst 10.
func seatFlood(i int) *abuser {
	return &abuser{
		name: fmt.Sprintf("seat requests %d", i),
		desc: "seated host; room:quickjoin, room:create, room:join, room:rejoin in turn, 20/s, answers not awaited",
		run: ownerFlood(i, 50*time.Millisecond, func(n int, j joined) (string, any) {
			switch n % 4 {
			case 0:
				return "room:quickjoin", map[string]any{"mode": "arena"}
			case 1:
				return "room:create", map[string]any{"mode": "arena", "private": true}
			case 2:
				return "room:join", map[string]any{"code": j.Room.Code, "password": "nope"}
			default:
				return "room:rejoin", map[string]any{"seatToken": j.You.SeatToken}
			}
		}),
		check: bucketCheck("seat requests", 10, 5, "ALREADY_IN_ROOM"),
	}
}

// chatFlood sends room:chat 10 times a second against a bucket of 1 a second, burst 5.
func chatFlood(i int) *abuser {
	return &abuser{
		name: fmt.Sprintf("chat %d", i),
		desc: "seated host; room:chat with 1..200 characters (control and bidi characters among them), 10/s",
		run: ownerFlood(i, 100*time.Millisecond, func(n int, _ joined) (string, any) {
			text := strings.Repeat("spam \u202e\u0007\u200b ", 1+n%20)
			return "room:chat", map[string]any{"text": text[:min(len(text), 200)]}
		}),
		check: bucketCheck("chat", 5, 1, ""),
	}
}

// messageFlood sends room:message 60 times a second, of a type the arena has no handler for,
// against a bucket of 30 a second, burst 60.
func messageFlood(i int) *abuser {
	return &abuser{
		name: fmt.Sprintf("room:message %d", i),
		desc: "seated host; room:message of a type the arena does not handle, 60/s",
		run: ownerFlood(i, time.Second/60, func(n int, _ joined) (string, any) {
			return "room:message", map[string]any{"type": "soak.flood", "data": map[string]any{"n": n, "pad": strings.Repeat("m", 200)}}
		}),
		check: bucketCheck("room:message", 60, 30, "BAD_REQUEST"),
	}
}

// codeAlphabet is the lobby's join code alphabet (rooms/lobby's store), so guesses look real.
const codeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// guessCodes joins random codes 20 times a second; each connection lives 10 s, so the attacker
// gets a fresh bucket now and then, as one would.
func guessCodes() *abuser {
	return &abuser{
		name: "code guessing",
		desc: "room:join with random codes, 20/s, a fresh connection every 10 s",
		run: func(ctx context.Context, e *env, t *tally) {
			rng := e.rng("guess")
			for ctx.Err() == nil {
				s, err := e.dial(ctx, client.TransportWebSocket, nil)
				if connectFailed(ctx, t, err) {
					sleepCtx(ctx, time.Second)
					continue
				}
				t.add("connections")
				// The guesses of this connection are answered in its own context: closed at
				// the end of its 10 s, the last ones are unanswered by the abuser's doing.
				cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				every(cctx, 50*time.Millisecond, func() bool {
					code := make([]byte, 6)
					for i := range code {
						code[i] = codeAlphabet[rng.IntN(len(codeAlphabet))]
					}
					t.add("requests")
					askAsync(cctx, s, "room:join", map[string]any{"code": string(code)}, t, "")
					return true
				})
				cancel()
				closeSocket(s)
			}
		},
		check: func(t *tally, w time.Duration) []string {
			x := &expect{name: "code guessing"}
			requestChecks(x, t)
			// A failed join costs 5 tokens of 5 a second: about one guess a second, and three
			// from a fresh bucket (its burst of 10, and one burst of debt).
			bound := perConn(t.get("connections"), 1, 3, 1, w)
			x.that(t.get("ROOM_NOT_FOUND") <= bound, "%d guesses answered ROOM_NOT_FOUND, the bucket allows %d", t.get("ROOM_NOT_FOUND"), bound)
			x.that(t.get("RATE_LIMITED") > 0, "no RATE_LIMITED in %d guesses", t.get("requests"))
			return x.errs
		},
	}
}

// wrongPasswords tries wrong passwords on the showcase rooms, 4 a second in all, each from a
// fresh connection so that no connection's bucket limits it: only the room's cap of 10 a
// minute does.
func wrongPasswords() *abuser {
	return &abuser{
		name: "wrong passwords",
		desc: "room:join of a showcase room with a wrong password, each from a new connection, 4/s over the rooms",
		run: func(ctx context.Context, e *env, t *tally) {
			seen := map[string]bool{}
			i := 0
			every(ctx, 250*time.Millisecond, func() bool {
				code := e.code(i)
				i++
				if code == "" {
					return true
				}
				if !seen[code] {
					seen[code] = true
					t.add("rooms targeted")
				}
				s, err := e.dial(ctx, client.TransportWebSocket, nil)
				if connectFailed(ctx, t, err) {
					return true
				}
				t.add("requests")
				t.add(ask(ctx, s, "room:join", map[string]any{"code": code, "password": fmt.Sprintf("guess-%d", i)}, nil))
				closeSocket(s)
				return true
			})
		},
		check: func(t *tally, w time.Duration) []string {
			x := &expect{name: "wrong passwords"}
			requestChecks(x, t)
			minutes := int64(w/time.Minute) + 1
			bound := t.get("rooms targeted") * 10 * minutes
			x.that(t.get("WRONG_PASSWORD") <= bound, "%d WRONG_PASSWORD over %d rooms, the cap allows %d", t.get("WRONG_PASSWORD"), t.get("rooms targeted"), bound)
			x.that(t.get("OK") == 0, "a wrong password took a seat")
			if t.get("requests") > 2*bound {
				x.that(t.get("RATE_LIMITED") > 0, "no RATE_LIMITED in %d wrong passwords", t.get("requests"))
			}
			return x.errs
		},
	}
}

// bigPayloads sends request payloads just over and just under the 16 KB limit, 5 a second.
func bigPayloads() *abuser {
	over, under := strings.Repeat("x", 17<<10), strings.Repeat("x", 15<<10)
	return &abuser{
		name: "oversized payloads",
		desc: "lobby:list and time:sync with 17 KB payloads (an unknown key: only the size is wrong), and lobby:list with 15 KB, 5/s",
		run: func(ctx context.Context, e *env, t *tally) {
			for ctx.Err() == nil {
				s, err := e.dial(ctx, client.TransportWebSocket, nil)
				if connectFailed(ctx, t, err) {
					sleepCtx(ctx, time.Second)
					continue
				}
				t.add("connections")
				n := 0
				every(ctx, 200*time.Millisecond, func() bool {
					if !s.Connected() {
						t.add(lost)
						return false
					}
					t.add("requests")
					switch n++; n % 3 {
					case 0:
						askAsync(ctx, s, "lobby:list", map[string]any{"pad": over}, t, "17 KB lobby:list: ")
					case 1:
						askAsync(ctx, s, "time:sync", map[string]any{"t0": 1, "pad": over}, t, "17 KB time:sync: ")
					default:
						askAsync(ctx, s, "lobby:list", map[string]any{"pad": under, "limit": 1}, t, "15 KB lobby:list: ")
					}
					t.wrote(16 << 10)
					return true
				})
				closeSocket(s)
			}
		},
		check: func(t *tally, _ time.Duration) []string {
			x := &expect{name: "oversized payloads"}
			requestChecks(x, t)
			big := t.sumPrefix("17 KB")
			bad := t.get("17 KB lobby:list: BAD_REQUEST") + t.get("17 KB time:sync: BAD_REQUEST")
			x.that(bad == big-t.sumPrefix("17 KB lobby:list: "+endOfRun)-t.sumPrefix("17 KB time:sync: "+endOfRun),
				"17 KB payloads answered other than BAD_REQUEST: %s", t.String())
			x.that(t.get("15 KB lobby:list: OK") > 0, "no 15 KB lobby:list answered OK: %s", t.String())
			return x.errs
		},
	}
}
