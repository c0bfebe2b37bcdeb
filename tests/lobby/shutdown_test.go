package lobby

import (
	"bufio"
	"context"
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
// -shutdown-timeout.
func TestShutdown(t *testing.T) {
	root := testproc.RepoRoot(t)
	nodeDir := filepath.Join(root, "tests", "node")
	bin := testproc.Build(t, root, "./cmd/gameserver", t.TempDir(), testproc.RaceEnabled)
	srv := exec.Command(bin, "-addr", "127.0.0.1:0", "-shutdown-timeout", "5s")
	var stderr strings.Builder
	srv.Stderr = &stderr
	out, err := srv.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Wait() }()
	defer func() {
		_ = srv.Process.Kill()
	}()
	sc := bufio.NewScanner(out)
	var url string
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, testproc.ListenPrefix) {
			url = strings.TrimSpace(strings.TrimPrefix(line, testproc.ListenPrefix))
			break
		}
	}
	if url == "" {
		t.Fatalf("no LISTEN line")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	node := exec.CommandContext(ctx, "node", filepath.Join("lobby", "shutdown.mjs"))
	node.Dir = nodeDir
	node.Env = append(node.Environ(), "SIO_URL="+url)
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
	if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("gameserver exit: %v\n%s", err, stderr.String())
		}
		if d := time.Since(start); d > 6*time.Second {
			t.Fatalf("gameserver took %v to exit, deadline 5s", d)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("gameserver did not exit within 15s of SIGTERM")
	}
	go func() {
		for nsc.Scan() {
		}
	}()
	if err := node.Wait(); err != nil {
		t.Fatalf("node: %v\n%s", err, nodeErr.String())
	}
	if strings.Contains(stderr.String(), "DATA RACE") {
		t.Fatalf("data race:\n%s", stderr.String())
	}
}
