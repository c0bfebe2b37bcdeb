package interop

import (
	"context"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tickroom/tickroom/internal/testproc"
)

var (
	parsers    = []string{"msgpack", "text"}
	transports = []string{"websocket", "polling", "upgrade"}
)

// scenarioTimeout bounds one Node process; each script also has its own 45s watchdog.
const scenarioTimeout = 60 * time.Second

// TestNodeClient runs every scenario script against one test server, as a subtest for each
// parser and transport: TestNodeClient/<parser>-<transport>/<scenario>.
func TestNodeClient(t *testing.T) {
	root := testproc.RepoRoot(t)
	nodeDir := filepath.Join(root, "tests", "node")
	testproc.RequireNode(t, nodeDir, "socket.io-client", "socket.io-msgpack-parser")
	scenarios := listScenarios(t, filepath.Join(nodeDir, "interop", "scenarios"))

	bin := testproc.Build(t, root, "./tests/interop/testserver", t.TempDir(), testproc.RaceEnabled)
	srv := testproc.Start(t, bin,
		"-addr", "127.0.0.1:0",
		"-ping-interval", "2s", "-ping-timeout", "5s",
		"-fast-ping-interval", "250ms", "-fast-ping-timeout", "1s",
		"-max-http-buffer-size", "10000",
	)

	runMatrix(t, nodeDir, scenarios, func(string) *testproc.Server { return srv })
}

// TestNodeReference runs the same scenarios against the npm socket.io server with the same
// event vocabulary (tests/node/interop/reference-server.mjs), which checks that the scenarios
// expect what the reference does: a scenario that fails here is wrong, not the Go server.
func TestNodeReference(t *testing.T) {
	root := testproc.RepoRoot(t)
	nodeDir := filepath.Join(root, "tests", "node")
	testproc.RequireNode(t, nodeDir, "socket.io-client", "socket.io-msgpack-parser")
	scenarios := listScenarios(t, filepath.Join(nodeDir, "interop", "scenarios"))
	script := filepath.Join(nodeDir, "interop", "reference-server.mjs")
	servers := map[string]*testproc.Server{}
	for _, parser := range parsers {
		servers[parser] = testproc.Start(t, "node", script, parser) // one parser per Node server
	}
	runMatrix(t, nodeDir, scenarios, func(parser string) *testproc.Server { return servers[parser] })
}

// runMatrix runs every scenario for every parser and transport against server(parser).
func runMatrix(t *testing.T, nodeDir string, scenarios []string, server func(parser string) *testproc.Server) {
	for _, parser := range parsers {
		for _, transport := range transports {
			srv := server(parser)
			t.Run(parser+"-"+transport, func(t *testing.T) {
				t.Parallel()
				for _, sc := range scenarios {
					t.Run(sc, func(t *testing.T) {
						if !srv.Alive() {
							t.Fatalf("the test server is gone; its log:\n%s", srv.Stderr())
						}
						script := filepath.Join("interop", "scenarios", sc+".mjs")
						out, err := testproc.RunNode(context.Background(), nodeDir, script, []string{
							"SIO_URL=" + srv.URL,
							"SIO_PARSER=" + parser,
							"SIO_TRANSPORT=" + transport,
						}, scenarioTimeout)
						if err != nil {
							t.Fatalf("%v\n%s", err, out)
						}
						t.Log(strings.TrimSpace(out))
					})
				}
			})
		}
	}
}

func listScenarios(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.mjs"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenario scripts in %s (%v)", dir, err)
	}
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".mjs"))
	}
	sort.Strings(names)
	return names
}
