package soak

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tickroom/tickroom/netio/client"
)

// The abusers of the handshake through the Go client: oversized auth, connect/disconnect churn.

// bigAuth connects with a handshake auth over the 4 KB limit, twice a second; every tenth is a
// quarter megabyte.
func bigAuth() *abuser {
	return &abuser{
		name: "oversized auth",
		desc: "CONNECT with a 5 KB auth (every 10th: 250 KB), 2/s",
		run: func(ctx context.Context, e *env, t *tally) {
			n := 0
			every(ctx, 500*time.Millisecond, func() bool {
				size := 5 << 10
				if n++; n%10 == 0 {
					size = 250 << 10
				}
				t.add("attempts")
				t.wrote(size)
				s, err := e.dial(ctx, client.TransportWebSocket, map[string]any{"name": "big-auth", "token": strings.Repeat("t", size)})
				var ce *client.ConnectError
				switch {
				case ctx.Err() != nil:
					t.add(endOfRun)
				case errors.As(err, &ce):
					t.add("CONNECT_ERROR " + ce.Message)
				case err == nil:
					t.add("connected")
					closeSocket(s)
				default:
					t.add(connFailed)
				}
				return true
			})
		},
		check: func(t *tally, _ time.Duration) []string {
			x := &expect{name: "oversized auth"}
			x.that(t.get("CONNECT_ERROR bad auth") == t.get("attempts")-t.get(endOfRun), "not every oversized auth was refused with bad auth: %s", t.String())
			return x.errs
		},
	}
}

// churn connects over tr, asks time:sync and closes, every period.
func churn(name string, tr client.Transport, period time.Duration) *abuser {
	return &abuser{
		name: name,
		desc: fmt.Sprintf("connect over %v, time:sync, close; every %v", tr, period),
		run: func(ctx context.Context, e *env, t *tally) {
			every(ctx, period, func() bool {
				s, err := e.dial(ctx, tr, nil)
				if connectFailed(ctx, t, err) {
					return true
				}
				t.add("connections")
				t.add("requests")
				t.add(ask(ctx, s, "time:sync", map[string]any{"t0": 1}, nil))
				closeSocket(s)
				return true
			})
		},
		check: func(t *tally, _ time.Duration) []string {
			x := &expect{name: name}
			requestChecks(x, t)
			x.that(t.get("OK") == answered(t), "time:sync answered other than OK: %s", t.String())
			return x.errs
		},
	}
}
