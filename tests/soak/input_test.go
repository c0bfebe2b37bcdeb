package soak

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/tickroom/tickroom/netio/client"
)

// The abusers of the input path: floods past 300 a second, malformed input.

// inputFlood seats a player in a private room it starts, and sends 400 inputs a second until
// the server disconnects it (the contract: more than 300 a second for 3 s); it then
// reconnects, takes its seat back with room:rejoin and floods again.
func inputFlood(i int) *abuser {
	return &abuser{
		name: fmt.Sprintf("input flood %d", i),
		desc: "seated in its own started room; input at 400/s until disconnected, then reconnect, room:rejoin, again",
		run: func(ctx context.Context, e *env, t *tally) {
			rng := e.rng(fmt.Sprintf("flood %d", i))
			token, seq := "", uint64(0)
			for ctx.Err() == nil {
				s, err := e.dial(ctx, client.TransportWebSocket, map[string]any{"name": fmt.Sprintf("flooder-%d", i)})
				if connectFailed(ctx, t, err) {
					sleepCtx(ctx, time.Second)
					continue
				}
				notice, gone := make(chan string, 1), make(chan struct{})
				var goneOnce sync.Once
				s.On("notice", func(args client.Args, _ client.Ack) {
					var v struct {
						Code string `msgpack:"code"`
					}
					_ = args.Decode(0, &v)
					select {
					case notice <- v.Code:
					default:
					}
				})
				s.OnDisconnect(func(string) { goneOnce.Do(func() { close(gone) }) })
				var j joined
				a := "SEAT_EXPIRED"
				if token != "" {
					a = ask(ctx, s, "room:rejoin", map[string]any{"seatToken": token}, &j)
					t.add("room:rejoin: " + a)
				}
				if a == "SEAT_EXPIRED" {
					a = ask(ctx, s, "room:create", map[string]any{"mode": "arena", "private": true, "maxPlayers": 1}, &j)
					if a == "OK" {
						a = ask(ctx, s, "room:start", map[string]any{}, nil)
					}
					t.add("new room: " + a)
				}
				if a != "OK" {
					closeSocket(s)
					sleepCtx(ctx, time.Second)
					continue
				}
				token = j.You.SeatToken
				t.add("cycles")
				start := time.Now()
				tk := time.NewTicker(time.Second / 400)
			flood:
				for {
					select {
					case <-ctx.Done():
						break flood
					case <-gone:
						t.add("disconnected by the server")
						t.max("longest flood before the disconnect (ms)", time.Since(start).Milliseconds())
						break flood
					case <-tk.C:
						if time.Since(start) > 15*time.Second {
							t.add("not disconnected in 15 s")
							break flood
						}
						seq++
						a := rng.Float64() * 2 * math.Pi
						if s.Emit("input", map[string]any{"seq": seq, "x": math.Cos(a), "y": math.Sin(a)}) == nil {
							t.add("inputs")
						}
					}
				}
				tk.Stop()
				select {
				case code := <-notice:
					t.add("notice " + code)
				default:
				}
				closeSocket(s)
			}
		},
		check: func(t *tally, _ time.Duration) []string {
			x := &expect{name: "input flood"}
			x.that(t.get("cycles") > 0, "never flooded: %s", t.String())
			x.that(t.get("not disconnected in 15 s") == 0, "a flood was not disconnected: %s", t.String())
			x.that(t.get("disconnected by the server") >= t.get("cycles")-1, "floods not ended by the server: %s", t.String())
			x.that(t.get("notice RATE_LIMITED") >= t.get("disconnected by the server"), "disconnects without notice RATE_LIMITED: %s", t.String())
			x.that(t.get(connFailed) == 0, "%d connects failed", t.get(connFailed))
			return x.errs
		},
	}
}

// badInputs are inputs the contract drops: no valid seq, fields of the wrong type, NaN.
var badInputs = []any{
	map[string]any{"seq": "1", "x": 1.0, "y": 0.0},
	map[string]any{"seq": 1, "x": "left", "y": 0.0},
	map[string]any{"seq": 1, "x": math.NaN(), "y": 0.0},
	map[string]any{"seq": 1, "x": math.Inf(1), "y": 0.0},
	map[string]any{"seq": 0, "x": 1.0, "y": 0.0},
	map[string]any{"seq": -5, "x": 1.0, "y": 0.0},
	map[string]any{"seq": 1.5, "x": 1.0, "y": 0.0},
	map[string]any{"x": 1.0, "y": 0.0},
	map[string]any{"seq": 1, "boost": "yes"},
	map[string]any{"seq": 1, "x": strings.Repeat("x", 10<<10)},
	map[string]any{"seq": 1, "x": map[string]any{"deep": []any{1, 2, map[string]any{"a": []any{}}}}},
	"not a map", 42, nil, []any{1, 2, 3}, []byte{0xc1, 0xff},
}

// badInput sits in a private room it started and sends malformed input, 40 a second (under the
// rate limit: what drops them is their shape), with a valid one now and then; it must keep its
// connection.
func badInput() *abuser {
	return &abuser{
		name: "malformed input",
		desc: "seated in its own started room; malformed inputs at 40/s, every 8th a valid one",
		run: func(ctx context.Context, e *env, t *tally) {
			for ctx.Err() == nil {
				s, err := e.dial(ctx, client.TransportWebSocket, map[string]any{"name": "bad-input"})
				if connectFailed(ctx, t, err) {
					sleepCtx(ctx, time.Second)
					continue
				}
				a := ask(ctx, s, "room:create", map[string]any{"mode": "arena", "private": true, "maxPlayers": 1}, nil)
				if a == "OK" {
					a = ask(ctx, s, "room:start", map[string]any{}, nil)
				}
				t.add("new room: " + a)
				seq, n := uint64(0), 0
				every(ctx, 25*time.Millisecond, func() bool {
					if !s.Connected() {
						t.add(lost)
						return false
					}
					var in any
					if n++; n%8 == 0 {
						seq++
						in = map[string]any{"seq": seq, "x": 0.5, "y": 0.5}
						t.add("valid inputs")
					} else {
						in = badInputs[n%len(badInputs)]
						t.add("malformed inputs")
					}
					if s.Emit("input", in) != nil {
						t.add(notSent)
					}
					return true
				})
				closeSocket(s)
			}
		},
		check: func(t *tally, _ time.Duration) []string {
			x := &expect{name: "malformed input"}
			x.that(t.get(lost) == 0, "lost its connection %d times: %s", t.get(lost), t.String())
			x.that(t.get("new room: OK") == 1, "seated %d times: %s", t.get("new room: OK"), t.String())
			x.that(t.get("malformed inputs") > 0, "sent nothing")
			return x.errs
		},
	}
}
