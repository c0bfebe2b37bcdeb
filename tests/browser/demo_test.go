package browser

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tickroom/tickroom/internal/testproc"
)

// TestDemoTwoPages builds and starts the gameserver, then two Chromium pages open the demo at
// "/": one creates a room and reads its join code off the page, the other joins by that code,
// both steer with the arrow keys, and each must see the other's circle move. Screenshots are
// kept in tests/browser/artifacts/demo (or under $TICKROOM_BROWSER_ARTIFACTS).
//
// It fails, not skips, without node, playwright-core or Chromium: CI must run it.
func TestDemoTwoPages(t *testing.T) {
	root := testproc.RepoRoot(t)
	browser := chromium(t)
	clientDir := filepath.Join(root, "client-js")
	testproc.RequireNode(t, clientDir, "playwright-core")
	shots := artifacts(t, root, "demo")

	srv := testproc.Start(t, gameserver(t, root), "-addr", "127.0.0.1:0", "-hash-every", "1")

	start := time.Now()
	out, err := testproc.RunNode(context.Background(), clientDir, filepath.Join("scripts", "demo-browser.mjs"), []string{
		"TICKROOM_URL=" + srv.URL,
		"TICKROOM_ARTIFACTS=" + shots,
		"CHROMIUM=" + browser,
	}, 2*time.Minute)
	t.Logf("demo-browser.mjs (%v):\n%s", time.Since(start).Round(100*time.Millisecond), out)
	logShots(t, shots)
	if err != nil {
		t.Fatalf("%v\nserver stderr (tail):\n%s", err, tailLines(srv.Stderr(), 40))
	}
	if !strings.Contains(out, "PASS") {
		t.Fatalf("the browser script did not report PASS")
	}
}
