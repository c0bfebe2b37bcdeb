package testproc

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// ListenPrefix starts the line a test server prints on stdout once it accepts connections.
const ListenPrefix = "LISTEN "

// ErrNoListenLine is returned when a server exits or times out before printing its address.
var ErrNoListenLine = errors.New("testproc: server printed no LISTEN line")

// RepoRoot returns the repository root: the nearest directory above the working directory that
// holds go.mod. Go runs a package's tests in the package directory, so this finds the module.
func RepoRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatalf("testproc: getwd: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatalf("testproc: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Build compiles the main package pkg (a path relative to the repository root such as
// "./tests/interop/testserver") into dir and returns the binary's path. With race set the
// binary is built with the race detector, so the server's races fail the test too.
func Build(tb testing.TB, root, pkg, dir string, race bool) string {
	tb.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	out := filepath.Join(dir, filepath.Base(pkg))
	args := []string{"build", "-o", out}
	if race {
		args = append(args, "-race")
	}
	args = append(args, pkg)
	cmd := exec.Command(goBin, args...)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("testproc: go %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	return out
}

// Server is a running server process.
type Server struct {
	// URL is the address the server printed, such as http://127.0.0.1:41234.
	URL string

	cmd    *exec.Cmd
	stderr *syncBuffer
	done   chan struct{} // closed when the process has exited
	err    error         // exit status; written before done is closed
}

// Start runs bin with args, waits for its LISTEN line (at most 30s) and registers a cleanup
// that stops it with SIGTERM and fails tb on a data race report or a bad exit.
func Start(tb testing.TB, bin string, args ...string) *Server {
	tb.Helper()
	s := &Server{stderr: &syncBuffer{}, done: make(chan struct{})}
	s.cmd = exec.Command(bin, args...)
	s.cmd.Stderr = s.stderr
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		tb.Fatalf("testproc: stdout pipe: %v", err)
	}
	if err := s.cmd.Start(); err != nil {
		tb.Fatalf("testproc: start %s: %v", bin, err)
	}
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		found := false
		for sc.Scan() {
			line := sc.Text()
			if !found && strings.HasPrefix(line, ListenPrefix) {
				found = true
				urlc <- strings.TrimSpace(strings.TrimPrefix(line, ListenPrefix))
			}
		}
		close(urlc)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() {
		s.err = s.cmd.Wait()
		close(s.done)
	}()
	tb.Cleanup(func() { s.stop(tb) })

	select {
	case u, ok := <-urlc:
		if !ok {
			<-s.done
			tb.Fatalf("%v: exit %v\nstderr:\n%s", ErrNoListenLine, s.err, s.stderr.String())
		}
		s.URL = u
	case <-time.After(30 * time.Second):
		tb.Fatalf("%v within 30s\nstderr:\n%s", ErrNoListenLine, s.stderr.String())
	}
	return s
}

// Stderr returns what the server has written to stderr so far (its log).
func (s *Server) Stderr() string { return s.stderr.String() }

// Alive reports whether the process is still running.
func (s *Server) Alive() bool {
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

func (s *Server) stop(tb testing.TB) {
	tb.Helper()
	if s.Alive() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.done
			tb.Errorf("testproc: server did not stop within 10s of SIGTERM\nstderr tail:\n%s", tail(s.stderr.String(), 4000))
		}
	}
	log := s.stderr.String()
	if strings.Contains(log, "WARNING: DATA RACE") {
		tb.Errorf("testproc: the server reported a data race:\n%s", log)
	} else if strings.Contains(log, "panic:") {
		tb.Errorf("testproc: the server panicked:\n%s", tail(log, 8000))
	} else if s.err != nil && !isSignalExit(s.err) {
		tb.Errorf("testproc: server exited with %v\nstderr tail:\n%s", s.err, tail(log, 4000))
	}
	if testing.Verbose() {
		tb.Logf("server log tail:\n%s", tail(log, 3000))
	}
}

func isSignalExit(err error) bool {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGTERM
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}

// RunNode runs `node script` in dir with env added to the environment, bounded by timeout,
// and returns its combined output. The error is non-nil when node exits non-zero or times out.
func RunNode(ctx context.Context, dir, script string, env []string, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		return string(out), fmt.Errorf("node %s: timed out after %v", script, timeout)
	}
	if err != nil {
		return string(out), fmt.Errorf("node %s: %w", script, err)
	}
	return string(out), nil
}

// syncBuffer is a bytes.Buffer safe for the process writer and the test reading it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer // guarded by mu
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
