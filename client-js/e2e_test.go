package clientjs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tickroom/tickroom/game/arena"
	"github.com/tickroom/tickroom/internal/testproc"
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
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	testproc.RequireNode(t, dir, "socket.io-client", "socket.io-msgpack-parser", "typescript")
	return dir
}

// buildServer builds ./cmd/gameserver into a temporary directory.
func buildServer(t *testing.T) string {
	t.Helper()
	return testproc.Build(t, testproc.RepoRoot(t), "./cmd/gameserver", t.TempDir(), false)
}

// startServer runs the gameserver bin on a free port of 127.0.0.1, with exactly env's
// TICKROOM_ variables, and returns its URL; the server is stopped with SIGTERM when the test
// ends.
func startServer(t *testing.T, bin string, env []string, args ...string) string {
	t.Helper()
	opts := testproc.Options{Env: append(environ(), env...), StopTimeout: 15 * time.Second}
	return testproc.StartWith(t, opts, bin, append([]string{"-addr", "127.0.0.1:0"}, args...)...).URL
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

// runIn runs name with args in dir, with exactly env's TICKROOM_ variables, and returns its
// output; it fails t when the command fails or outlives timeout.
func runIn(t *testing.T, dir string, timeout time.Duration, env []string, name string, args ...string) string {
	t.Helper()
	out, err := testproc.Run(context.Background(), dir, append(environ(), env...), timeout, name, args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return out
}
