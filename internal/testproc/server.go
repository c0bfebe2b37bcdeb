package testproc

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// ListenPrefix starts the line a test server prints on stdout once it accepts connections.
const ListenPrefix = "LISTEN "

// DefaultStopTimeout is how long a server may take to exit after the SIGTERM at the end of
// the test before it is killed and the test fails.
const DefaultStopTimeout = 10 * time.Second

// stopRepeat is how often the SIGTERM at the end of a test is sent again while the server
// runs: the gameserver drains on the first (it waits for its rooms to end) and closes its
// rooms at once on the second.
const stopRepeat = 500 * time.Millisecond

// adminAddrEnv gives every server a loopback admin listener on a port of its own, unless the
// test's environment names one: the gameserver's default admin port (9090) would be fought
// over by servers started side by side. A flag given on the command line still wins.
const adminAddrEnv = "TICKROOM_ADMIN_ADDR"

var (
	// ErrNoListenLine is returned when a server exits or times out before printing its address.
	ErrNoListenLine = errors.New("testproc: server printed no LISTEN line")
	// ErrRunning is Wait's answer when the process has not exited in time.
	ErrRunning = errors.New("testproc: server still running")
)

// Options change how StartWith runs a server; the zero value is what Start does.
type Options struct {
	// Dir is the working directory; "" is the test's.
	Dir string
	// Env is the process's whole environment, as exec.Cmd.Env has it: nil is the test's own.
	Env []string
	// StopTimeout replaces DefaultStopTimeout when positive.
	StopTimeout time.Duration
}

// Server is a running server process.
type Server struct {
	// URL is the address the server printed, such as http://127.0.0.1:41234.
	URL string

	name        string
	stopTimeout time.Duration
	cmd         *exec.Cmd
	stderr      *syncBuffer
	printed     []string      // stdout lines before the LISTEN line; written before URL is set
	killed      atomic.Bool   // Kill ended it: its exit status is not the server's fault
	done        chan struct{} // closed when the process has exited
	err         error         // exit status; written before done is closed
}

// Start runs bin with args, waits for its LISTEN line (at most 30s) and registers a cleanup
// that stops it with SIGTERM (sent again every stopRepeat while it runs) and fails tb on a
// data race report, a panic or a bad exit.
func Start(tb testing.TB, bin string, args ...string) *Server {
	tb.Helper()
	return StartWith(tb, Options{}, bin, args...)
}

// StartWith is Start with opts.
func StartWith(tb testing.TB, opts Options, bin string, args ...string) *Server {
	tb.Helper()
	s := &Server{name: bin, stopTimeout: opts.StopTimeout, stderr: &syncBuffer{}, done: make(chan struct{})}
	if s.stopTimeout <= 0 {
		s.stopTimeout = DefaultStopTimeout
	}
	s.cmd = exec.Command(bin, args...)
	s.cmd.Dir, s.cmd.Env = opts.Dir, withAdminAddr(opts.Env)
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
			} else if !found {
				s.printed = append(s.printed, line)
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
			tb.Fatalf("%v: %s: exit %v\nstderr:\n%s", ErrNoListenLine, bin, s.err, s.stderr.String())
		}
		s.URL = u
	case <-time.After(30 * time.Second):
		tb.Fatalf("%v within 30s: %s\nstderr:\n%s", ErrNoListenLine, bin, s.stderr.String())
	}
	return s
}

// Stderr returns what the server has written to stderr so far (its log).
func (s *Server) Stderr() string { return s.stderr.String() }

// Printed returns the rest of the first stdout line before the LISTEN line that starts with
// prefix ("ADMIN " gives the gameserver's admin URL), or "" when there was none.
func (s *Server) Printed(prefix string) string {
	for _, line := range s.printed {
		if strings.HasPrefix(line, prefix) {
			return strings.TrimSpace(strings.TrimPrefix(line, prefix))
		}
	}
	return ""
}

// withAdminAddr is env (nil: the test's own environment) with adminAddrEnv set to a loopback
// port the system picks, unless env sets it already.
func withAdminAddr(env []string) []string {
	if env == nil {
		env = os.Environ()
	}
	for _, kv := range env {
		if strings.HasPrefix(kv, adminAddrEnv+"=") {
			return env
		}
	}
	return append(env[:len(env):len(env)], adminAddrEnv+"=127.0.0.1:0")
}

// Alive reports whether the process is still running.
func (s *Server) Alive() bool {
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// Signal sends sig to the process, for a test of how the server ends.
func (s *Server) Signal(sig os.Signal) error { return s.cmd.Process.Signal(sig) }

// Wait waits at most d for the process to exit and returns its exit error: nil for status 0,
// ErrRunning when it is still running after d.
func (s *Server) Wait(d time.Duration) error {
	select {
	case <-s.done:
		return s.err
	case <-time.After(d):
		return ErrRunning
	}
}

// Kill ends the process at once (SIGKILL) and waits for it, for a test of what clients do when
// their server vanishes. The cleanup does not count the kill as a bad exit; it still fails the
// test on a race report or a panic in the log.
func (s *Server) Kill() {
	s.killed.Store(true)
	_ = s.cmd.Process.Kill()
	<-s.done
}

func (s *Server) stop(tb testing.TB) {
	tb.Helper()
	if s.Alive() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		deadline := time.After(s.stopTimeout)
		again := time.NewTicker(stopRepeat)
		defer again.Stop()
	wait:
		for {
			select {
			case <-s.done:
				break wait
			case <-again.C:
				_ = s.cmd.Process.Signal(syscall.SIGTERM)
			case <-deadline:
				s.Kill()
				tb.Errorf("testproc: %s did not stop within %v of SIGTERM\nstderr tail:\n%s", s.name, s.stopTimeout, Tail(s.stderr.String(), 4000))
				break wait
			}
		}
	}
	CheckExit(tb, s.name, s.stderr.String(), s.err, s.killed.Load())
}

// CheckExit fails tb when a stopped child process named name, whose output
// was log and whose Wait returned err, reported a data race, panicked, or
// exited with an error other than by SIGTERM (killed: the test killed it on
// purpose). With -v it logs the output's tail.
func CheckExit(tb testing.TB, name, log string, err error, killed bool) {
	tb.Helper()
	switch {
	case strings.Contains(log, "WARNING: DATA RACE"):
		tb.Errorf("%s reported a data race:\n%s", name, log)
	case strings.Contains(log, "panic:"):
		tb.Errorf("%s panicked:\n%s", name, Tail(log, 8000))
	case err != nil && !killed && !isSignalExit(err):
		tb.Errorf("%s exited with %v\noutput tail:\n%s", name, err, Tail(log, 4000))
	}
	if testing.Verbose() {
		tb.Logf("%s output tail:\n%s", name, Tail(log, 3000))
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

// Tail returns the last n bytes of s, marked with "..." when cut: the end of a long log.
func Tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
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
