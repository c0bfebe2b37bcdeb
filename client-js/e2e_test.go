package clientjs

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tickroom/tickroom/game/arena"
)

// TestNodeClient builds the gameserver and starts three of them with the view hash in every
// snapshot (a plain one, one with a token secret, one with a 1 s seat grace), serves an
// in-process host with a "stuck" mode that never answers (INTERNAL) and a "shop" mode with
// message handlers, writes a trace of the Go arena's movement, and runs the package's Node tests
// (client-js/test, node:test) against them. Unit tests, the 30 s play test and prediction
// through a latency proxy run once, over WebSocket; the transport tests (lobby, error codes,
// state callbacks, messages, rejoin, seat loss, UNAUTHORIZED, INTERNAL) run once over each of
// WebSocket, HTTP long-polling, and long-polling upgraded to WebSocket.
func TestNodeClient(t *testing.T) {
	dir := requireNode(t)
	bin := buildServer(t)
	secret := make([]byte, 24)
	if _, err := rand.Read(secret); err != nil {
		t.Fatal(err)
	}
	tokenSecret := hex.EncodeToString(secret) // 48 bytes, as TICKROOM_TOKEN_SECRET wants >= 32
	mainURL := startServer(t, bin, nil, "-hash-every", "1")
	authURL := startServer(t, bin, []string{"TICKROOM_TOKEN_SECRET=" + tokenSecret}, "-hash-every", "1")
	graceURL := startServer(t, bin, nil, "-hash-every", "1", "-seat-grace", "1s")
	hostURL := startTestHost(t, nil)
	schema, err := json.Marshal(arena.Mode{}.Schema().Describe())
	if err != nil {
		t.Fatal(err)
	}
	trace := writeArenaTrace(t)

	// The transport tests run once per transport; every other test file runs once, over
	// WebSocket, so that the 30 s play test bounds the run time only once.
	files, err := filepath.Glob(filepath.Join(dir, "test", "*.test.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	var once []string
	for _, f := range files {
		name := filepath.ToSlash(filepath.Join("test", filepath.Base(f)))
		if !slices.Contains(transportTests, name) {
			once = append(once, name)
		}
	}
	for _, f := range transportTests {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatalf("transport test %s: %v", f, err)
		}
	}
	t.Run("once", func(t *testing.T) {
		nodeTest(t, dir, []string{
			"TICKROOM_URL=" + strings.TrimSuffix(mainURL, "/"),
			"TICKROOM_ARENA_SCHEMA=" + string(schema),
			"TICKROOM_ARENA_TRACE=" + trace,
			"TICKROOM_PLAY_SECONDS=30",
		}, once...)
	})
	for _, tr := range []struct{ name, transports string }{
		{"websocket", "websocket"},
		{"polling", "polling"},
		{"upgrade", "polling,websocket"},
	} {
		t.Run(tr.name, func(t *testing.T) {
			nodeTest(t, dir, []string{
				"TICKROOM_TRANSPORTS=" + tr.transports,
				"TICKROOM_URL=" + strings.TrimSuffix(mainURL, "/"),
				"TICKROOM_AUTH_URL=" + strings.TrimSuffix(authURL, "/"),
				"TICKROOM_AUTH_SECRET=" + tokenSecret,
				"TICKROOM_GRACE_URL=" + strings.TrimSuffix(graceURL, "/"),
				"TICKROOM_GRACE_MS=1000",
				"TICKROOM_HOST_URL=" + strings.TrimSuffix(hostURL, "/"),
				"TICKROOM_STUCK_TIMEOUT_MS=" + strconv.Itoa(int(stuckRequestTimeout.Milliseconds())),
			}, transportTests...)
		})
	}
}

// transportTests are the Node test files that run over every transport.
var transportTests = []string{
	"test/lobby.e2e.test.mjs",
	"test/rejoin.e2e.test.mjs",
	"test/auth.e2e.test.mjs",
	"test/internal.e2e.test.mjs",
	"test/state.e2e.test.mjs",
	"test/messages.e2e.test.mjs",
	"test/connection.e2e.test.mjs",
}

// nodeTest runs node --test on files with exactly env's TICKROOM_ variables, and fails when a
// Node test fails or is skipped (a skipped test would be a test CI does not run).
func nodeTest(t *testing.T, dir string, env []string, files ...string) {
	t.Helper()
	start := time.Now()
	out := runIn(t, dir, 3*time.Minute, env, "node", append([]string{"--test", "--test-reporter=spec"}, files...)...)
	if strings.Contains(out, "# SKIP") || !strings.Contains(out, "skipped 0") {
		t.Fatalf("some Node tests were skipped:\n%s", out)
	}
	t.Logf("%s(%v)", out, time.Since(start).Round(time.Millisecond))
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

// buildServer builds ./cmd/gameserver into a temporary directory.
func buildServer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "gameserver")
	build := exec.Command("go", "build", "-o", bin, "./cmd/gameserver")
	build.Dir = ".."
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return bin
}

// startServer runs the gameserver bin on a free port of 127.0.0.1, with exactly env's
// TICKROOM_ variables, and returns its URL; the server is stopped with SIGTERM when the test
// ends.
func startServer(t *testing.T, bin string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(environ(), env...)
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
			t.Errorf("gameserver %v did not stop within 15s of SIGTERM", args)
		}
		if log := stderr.String(); strings.Contains(log, "panic:") || strings.Contains(log, "DATA RACE") {
			t.Errorf("gameserver %v log:\n%s", args, log)
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

// environ is the test's environment without TICKROOM_ variables: the servers and Node runs get
// theirs explicitly, never from the shell that runs go test.
func environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TICKROOM_") {
			env = append(env, kv)
		}
	}
	return env
}

func runIn(t *testing.T, dir string, timeout time.Duration, env []string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(environ(), env...)
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
