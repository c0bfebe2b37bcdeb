package browser

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tickroom/tickroom/internal/testproc"
)

// TestDemoTwoPages builds and starts the gameserver, then two Chromium pages open the demo at
// "/": one creates a room and reads its join code off the page, the other joins by that code,
// both steer with the arrow keys, and each must see the other's circle move. Screenshots are
// kept in tests/browser/artifacts (or $TICKROOM_BROWSER_ARTIFACTS).
//
// It fails, not skips, without node, playwright-core or Chromium: CI must run it.
func TestDemoTwoPages(t *testing.T) {
	root := testproc.RepoRoot(t)
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("chromium not found at %s: `make deps` installs Debian's chromium (apt-get install -y chromium)", chromium)
	}
	clientDir := filepath.Join(root, "client-js")
	testproc.RequireNode(t, clientDir, "playwright-core")
	artifacts := os.Getenv("TICKROOM_BROWSER_ARTIFACTS")
	if artifacts == "" {
		artifacts = filepath.Join(root, "tests", "browser", "artifacts")
	}
	artifacts, err := filepath.Abs(artifacts)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(artifacts); err != nil {
		t.Fatal(err)
	}

	bin := testproc.Build(t, root, "./cmd/gameserver", t.TempDir(), testproc.RaceEnabled)
	srv := testproc.Start(t, bin, "-addr", "127.0.0.1:0", "-hash-every", "1")

	start := time.Now()
	out, err := testproc.RunNode(context.Background(), clientDir, filepath.Join("scripts", "demo-browser.mjs"), []string{
		"TICKROOM_URL=" + srv.URL,
		"TICKROOM_ARTIFACTS=" + artifacts,
		"CHROMIUM=" + chromium,
	}, 2*time.Minute)
	t.Logf("demo-browser.mjs (%v):\n%s", time.Since(start).Round(100*time.Millisecond), out)
	if shots, _ := filepath.Glob(filepath.Join(artifacts, "*.png")); len(shots) > 0 {
		t.Logf("screenshots:\n  %s", strings.Join(shots, "\n  "))
	}
	if err != nil {
		t.Fatalf("%v\nserver stderr (tail):\n%s", err, tailLines(srv.Stderr(), 40))
	}
	if !strings.Contains(out, "PASS") {
		t.Fatalf("the browser script did not report PASS")
	}
}

func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
