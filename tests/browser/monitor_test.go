package browser

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tickroom/tickroom/internal/testhost"
	"github.com/tickroom/tickroom/internal/testproc"
	"github.com/tickroom/tickroom/netio/client"
)

// TestMonitorPage drives the admin monitor page (/admin/) in headless Chromium
// (tests/browser/monitor.mjs): it lists a running arena room of two Go players, its detail
// page shows both players with their snapshot rates, a chart has points after a few seconds,
// the room's close button closes it (both players get room:closed {reason: "shutdown"}), and
// the page logs no console error. Screenshots are kept in tests/browser/artifacts/monitor.
func TestMonitorPage(t *testing.T) {
	root := testproc.RepoRoot(t)
	browser := chromium(t)
	clientDir := filepath.Join(root, "client-js")
	testproc.RequireNode(t, clientDir, "playwright-core")
	shots := artifacts(t, root, "monitor")

	srv := testproc.Start(t, gameserver(t, root), "-addr", "127.0.0.1:0", "-admin-addr", "127.0.0.1:0", "-ping-interval", "1s")
	admin := strings.TrimSuffix(srv.Printed("ADMIN "), "/")
	if admin == "" {
		t.Fatal("no ADMIN line")
	}
	players := testhost.DialN(t, srv.URL, 2, nil)
	closed := make(chan string, 4)
	for _, p := range players {
		p.On("room:closed", func(args client.Args, _ client.Ack) {
			var ev struct {
				Reason string `msgpack:"reason"`
			}
			_ = args.Decode(0, &ev)
			closed <- ev.Reason
		})
	}
	var joined struct {
		OK   bool `msgpack:"ok"`
		Room struct {
			ID string `msgpack:"id"`
		} `msgpack:"room"`
	}
	if !testhost.Ask(t, players[0], "room:create", map[string]any{"mode": "arena", "name": "monitored"}, &joined) || !joined.OK {
		t.Fatalf("room:create: %+v", joined)
	}
	var ack struct {
		OK bool `msgpack:"ok"`
	}
	if !testhost.Ask(t, players[1], "room:join", map[string]any{"roomId": joined.Room.ID}, &ack) || !ack.OK {
		t.Fatal("room:join failed")
	}

	start := time.Now()
	env := []string{"ADMIN_URL=" + admin, "ROOM_ID=" + joined.Room.ID, "ARTIFACTS=" + shots, "CLIENT_JS=" + clientDir, "CHROMIUM=" + browser}
	if hold := os.Getenv("MONITOR_HOLD_SECONDS"); hold != "" {
		env = append(env, "HOLD_SECONDS="+hold)
	}
	out, err := testproc.RunNode(context.Background(), filepath.Join(root, "tests", "browser"), "monitor.mjs", env, 3*time.Minute)
	t.Logf("monitor.mjs (%v):\n%s", time.Since(start).Round(100*time.Millisecond), out)
	logShots(t, shots)
	if err != nil {
		t.Fatalf("%v\nserver stderr (tail):\n%s", err, tailLines(srv.Stderr(), 40))
	}
	if !strings.Contains(out, "PASS") {
		t.Fatal("the browser script did not report PASS")
	}
	for range players {
		select {
		case r := <-closed:
			if r != "shutdown" {
				t.Fatalf("room:closed {reason: %q}, want shutdown", r)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a player got no room:closed after the close button")
		}
	}
}
