package browser

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tickroom/tickroom/internal/testproc"
)

// chromium returns the browser's path ($CHROMIUM, else Debian's), failing the test without
// it: CI must run these tests.
func chromium(t *testing.T) string {
	t.Helper()
	path := os.Getenv("CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("chromium not found at %s: `make deps` installs Debian's chromium (apt-get install -y chromium)", path)
	}
	return path
}

// artifacts returns an emptied directory for the screenshots of a test: sub under
// $TICKROOM_BROWSER_ARTIFACTS, else under tests/browser/artifacts.
func artifacts(t *testing.T, root, sub string) string {
	t.Helper()
	dir := os.Getenv("TICKROOM_BROWSER_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(root, "tests", "browser", "artifacts")
	}
	dir, err := filepath.Abs(filepath.Join(dir, sub))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// logShots lists the screenshots a script left in dir.
func logShots(t *testing.T, dir string) {
	t.Helper()
	if shots, _ := filepath.Glob(filepath.Join(dir, "*.png")); len(shots) > 0 {
		t.Logf("screenshots:\n  %s", strings.Join(shots, "\n  "))
	}
}

func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// gameserver builds the gameserver for the package's tests.
func gameserver(t *testing.T, root string) string {
	t.Helper()
	return testproc.Build(t, root, "./cmd/gameserver", t.TempDir(), testproc.RaceEnabled)
}
