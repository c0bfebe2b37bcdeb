package clientjs

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tickroom/tickroom/game/arena"
)

// TestNodeClient builds the gameserver, starts it with the view hash in every snapshot, and
// runs the package's Node tests (client-js/test, node:test) against it: unit tests of the
// decoder, interpolation and prediction, and the end-to-end lobby, play and rejoin tests.
func TestNodeClient(t *testing.T) {
	dir := requireNode(t)
	url := startServer(t, "-hash-every", "1")
	schema, err := json.Marshal(arena.Mode{}.Schema().Describe())
	if err != nil {
		t.Fatal(err)
	}
	out := runIn(t, dir, 3*time.Minute, []string{
		"TICKROOM_URL=" + strings.TrimSuffix(url, "/"),
		"TICKROOM_ARENA_SCHEMA=" + string(schema),
		"TICKROOM_PLAY_SECONDS=30",
	}, "node", "--test", "--test-reporter=spec", "test/")
	// A skipped test would be a test CI does not run: every one must run here.
	if strings.Contains(out, "# SKIP") || !strings.Contains(out, "skipped 0") {
		t.Fatalf("some Node tests were skipped:\n%s", out)
	}
	t.Log(out)
}

// TestTypeDefinitions compiles a consumer of the package with tsc --strict against the
// hand-written src/index.d.ts.
func TestTypeDefinitions(t *testing.T) {
	dir := requireNode(t)
	runIn(t, dir, 2*time.Minute, nil, "node", filepath.Join("node_modules", "typescript", "bin", "tsc"), "-p", filepath.Join("types-test", "tsconfig.json"))
}

// requireNode fails (not skips) when node or the npm packages are missing: CI must run these.
func requireNode(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("node not found in PATH: the client-js tests need Node 20")
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range []string{"socket.io-client", "socket.io-msgpack-parser", "typescript"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
			t.Fatalf("%s is not installed in %s: run `npm ci` there (make deps does)", pkg, dir)
		}
	}
	return dir
}

// startServer builds ./cmd/gameserver, runs it on a free port and returns its URL; the server
// is stopped with SIGTERM when the test ends.
func startServer(t *testing.T, args ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "gameserver")
	build := exec.Command("go", "build", "-o", bin, "./cmd/gameserver")
	build.Dir = ".."
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	cmd := exec.Command(bin, append([]string{"-addr", "127.0.0.1:0"}, args...)...)
	stderr := &lockedWriter{w: &strings.Builder{}}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Errorf("gameserver did not stop within 15s of SIGTERM")
		}
		if log := stderr.String(); strings.Contains(log, "panic:") || strings.Contains(log, "DATA RACE") {
			t.Errorf("gameserver log:\n%s", log)
		}
	})
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "LISTEN "); ok {
				urlc <- strings.TrimSpace(u)
			}
		}
	}()
	select {
	case u := <-urlc:
		return u
	case <-time.After(30 * time.Second):
		t.Fatalf("gameserver printed no LISTEN line within 30s\n%s", stderr.String())
		return ""
	}
}

func runIn(t *testing.T, dir string, timeout time.Duration, env []string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s %s: timed out after %v\n%s", name, strings.Join(args, " "), timeout, out)
	}
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// lockedWriter lets the process write stderr while the cleanup reads it.
type lockedWriter struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}
