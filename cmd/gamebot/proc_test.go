package main

// tests/internal/testproc cannot be imported from cmd/, so these tests carry
// the little of it they need: build a main package, start it on a loopback
// port, learn the port from its LISTEN line, stop it and fail on a race.

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// repoRoot is the nearest directory above the working directory with go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}

// buildBinary compiles pkg (relative to the repository root) into dir.
func buildBinary(t *testing.T, pkg, dir string, race bool) string {
	t.Helper()
	out := filepath.Join(dir, filepath.Base(pkg))
	args := []string{"build", "-o", out}
	if race {
		args = append(args, "-race")
	}
	cmd := exec.Command("go", append(args, pkg)...)
	cmd.Dir = repoRoot(t)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// server is a running gameserver process.
type server struct {
	URL string
}

// startBinary runs bin, waits for its "LISTEN <url>" line and stops it with
// SIGTERM when the test ends, failing the test on a race report.
func startBinary(t *testing.T, bin string, args ...string) *server {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "LISTEN "); ok {
				urls <- strings.TrimSuffix(u, "/")
			}
		}
	}()
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-waited:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-waited
			t.Errorf("%s did not stop on SIGTERM", bin)
		}
		if s := stderr.String(); strings.Contains(s, "WARNING: DATA RACE") {
			t.Errorf("%s reported a data race:\n%s", bin, s)
		}
	})
	select {
	case u := <-urls:
		return &server{URL: u}
	case err := <-waited:
		t.Fatalf("%s exited before listening: %v\n%s", bin, err, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("%s printed no LISTEN line in 30 s\n%s", bin, stderr.String())
	}
	return nil
}
