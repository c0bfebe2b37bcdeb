package lobby

import (
	"bufio"
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tickroom/tickroom/internal/testproc"
)

// TestShutdown: SIGTERM with players in rooms: every seated client sees room:closed
// {reason: "shutdown"} before its disconnect, and the gameserver exits 0 within its
// -shutdown-timeout. With -drain-timeout 0 SIGTERM closes the rooms at once (tests/ops has
// the drain that waits for them).
func TestShutdown(t *testing.T) {
	root := testproc.RepoRoot(t)
	nodeDir := filepath.Join(root, "tests", "node")
	bin := testproc.Build(t, root, "./cmd/gameserver", t.TempDir(), testproc.RaceEnabled)
	srv := testproc.Start(t, bin, "-addr", "127.0.0.1:0", "-shutdown-timeout", "5s", "-drain-timeout", "0s")

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	node := exec.CommandContext(ctx, "node", filepath.Join("lobby", "shutdown.mjs"))
	node.Dir = nodeDir
	node.Env = append(node.Environ(), "SIO_URL="+srv.URL)
	var nodeErr strings.Builder
	node.Stderr = &nodeErr
	nout, err := node.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := node.Start(); err != nil {
		t.Fatal(err)
	}
	nsc := bufio.NewScanner(nout)
	ready := false
	for nsc.Scan() {
		if nsc.Text() == "READY" {
			ready = true
			break
		}
	}
	if !ready {
		_ = node.Wait()
		t.Fatalf("the node script never got ready:\n%s", nodeErr.String())
	}
	start := time.Now()
	if err := srv.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	switch err := srv.Wait(15 * time.Second); {
	case errors.Is(err, testproc.ErrRunning):
		t.Fatalf("gameserver did not exit within 15s of SIGTERM")
	case err != nil:
		t.Fatalf("gameserver exit: %v\n%s", err, srv.Stderr())
	}
	if d := time.Since(start); d > 6*time.Second {
		t.Fatalf("gameserver took %v to exit, deadline 5s", d)
	}
	go func() {
		for nsc.Scan() {
		}
	}()
	if err := node.Wait(); err != nil {
		t.Fatalf("node: %v\n%s", err, nodeErr.String())
	}
	if strings.Contains(srv.Stderr(), "DATA RACE") {
		t.Fatalf("data race:\n%s", srv.Stderr())
	}
}
