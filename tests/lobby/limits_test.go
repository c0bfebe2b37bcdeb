package lobby

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/tickroom/tickroom/internal/testproc"
)

// TestNodeLimits runs the scenarios of tests/node/lobby/limits through the npm socket.io-client:
// requests.mjs against a gameserver with the contract's default limits, roomcap.mjs against
// one that runs at most two rooms.
func TestNodeLimits(t *testing.T) {
	root := testproc.RepoRoot(t)
	nodeDir := filepath.Join(root, "tests", "node")
	bin := testproc.Build(t, root, "./cmd/gameserver", t.TempDir(), testproc.RaceEnabled)
	for _, c := range []struct {
		script string
		args   []string
	}{
		{"requests", nil},
		{"roomcap", []string{"-max-rooms", "2"}},
	} {
		t.Run(c.script, func(t *testing.T) {
			srv := testproc.Start(t, bin, append([]string{"-addr", "127.0.0.1:0"}, c.args...)...)
			script := filepath.Join("lobby", "limits", c.script+".mjs")
			out, err := testproc.RunNode(context.Background(), nodeDir, script, []string{"SIO_URL=" + srv.URL}, scenarioTimeout)
			if err != nil {
				t.Fatalf("%v\n%s\nserver log tail:\n%s", err, out, testproc.Tail(srv.Stderr(), 3000))
			}
			if !srv.Alive() {
				t.Fatalf("the gameserver died; its log:\n%s", srv.Stderr())
			}
		})
	}
}
