package lobby

import (
	"context"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tickroom/tickroom/internal/testproc"
)

// scenarioTimeout bounds one Node process; watch.mjs waits out the 30 s idle timeout.
const scenarioTimeout = 100 * time.Second

// TestNodeLobby runs every tests/node/lobby/scenarios script, in parallel, against one
// gameserver binary (built with -race when the test is), through the npm socket.io-client
// with the msgpack parser.
func TestNodeLobby(t *testing.T) {
	root := testproc.RepoRoot(t)
	nodeDir := filepath.Join(root, "tests", "node")
	testproc.RequireNode(t, nodeDir, "socket.io-client", "socket.io-msgpack-parser")
	files, err := filepath.Glob(filepath.Join(nodeDir, "lobby", "scenarios", "*.mjs"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios (%v)", err)
	}
	sort.Strings(files)
	bin := testproc.Build(t, root, "./cmd/gameserver", t.TempDir(), testproc.RaceEnabled)
	// The scenarios check each request's answers in the contract's order, many failed joins
	// in a row among them: the seat request limits are off here (limits.mjs checks them on a
	// server with the defaults).
	srv := testproc.Start(t, bin, "-addr", "127.0.0.1:0", "-seat-rate", "-1", "-wrong-passwords", "-1")
	t.Run("scenarios", func(t *testing.T) {
		for _, f := range files {
			name := strings.TrimSuffix(filepath.Base(f), ".mjs")
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				script := filepath.Join("lobby", "scenarios", name+".mjs")
				out, err := testproc.RunNode(context.Background(), nodeDir, script, []string{"SIO_URL=" + srv.URL}, scenarioTimeout)
				if err != nil {
					t.Fatalf("%v\n%s\nserver log tail:\n%s", err, out, testproc.Tail(srv.Stderr(), 3000))
				}
			})
		}
	})
	if !srv.Alive() {
		t.Fatalf("the gameserver died; its log:\n%s", srv.Stderr())
	}
}
