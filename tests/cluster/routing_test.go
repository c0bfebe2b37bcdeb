package cluster

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tickroom/tickroom/internal/testproc"
)

// TestRoutingNodeClient: join, rejoin and quickjoin answered by a node that
// does not host the room, followed by the npm socket.io-client to the
// owner's url (tests/node/cluster/routing.mjs).
func TestRoutingNodeClient(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node not found in PATH: the cluster tests need Node 20")
	}
	f := startCluster(t, 3)
	urls := make([]string, len(f.nodes))
	for i, nd := range f.nodes {
		urls[i] = nd.URL
	}
	dir := filepath.Join(testproc.RepoRoot(t), "tests", "node")
	out, err := testproc.RunNode(context.Background(), dir, filepath.Join("cluster", "routing.mjs"),
		[]string{"SIO_URLS=" + strings.Join(urls, ","), "RUN=" + f.run}, 60*time.Second)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, "routing: ok") {
		t.Fatalf("the script did not finish:\n%s", out)
	}
}
