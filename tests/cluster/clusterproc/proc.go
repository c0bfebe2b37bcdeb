package clusterproc

import (
	"bufio"
	"bytes"
	"io"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tickroom/tickroom/internal/testproc"
)

// Proc is a running process whose output a test reads and which it may
// kill, pause and resume. A cleanup stops it at the end of the test and
// fails the test if it reported a data race or panicked.
type Proc struct {
	name string
	cmd  *exec.Cmd
	out  *syncBuffer // stdout and stderr together
	done chan struct{}
	err  error // the exit status; written before done is closed

	mu      sync.Mutex
	killed  bool // guarded by mu: the test killed it on purpose
	stopped bool // guarded by mu: paused with SIGSTOP
}

// Start runs bin with args and waits (at most wait) for a line of its
// output for which ready returns true; it returns the process and that
// line.
func Start(tb testing.TB, name string, wait time.Duration, ready func(line string) bool, bin string, args ...string) (*Proc, string) {
	tb.Helper()
	p := &Proc{name: name, out: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	pr, pw := io.Pipe()
	p.cmd.Stdout, p.cmd.Stderr = pw, pw
	if err := p.cmd.Start(); err != nil {
		tb.Fatalf("clusterproc: start %s: %v", name, err)
	}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		found := false
		for sc.Scan() {
			line := sc.Text()
			p.out.WriteLine(line)
			if !found && ready(line) {
				found = true
				lines <- line
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	go func() {
		p.err = p.cmd.Wait()
		pw.Close()
		close(p.done)
	}()
	tb.Cleanup(func() { p.finish(tb) })
	select {
	case line := <-lines:
		return p, line
	case <-p.done:
		tb.Fatalf("clusterproc: %s exited before it was ready: %v\n%s", name, p.err, testproc.Tail(p.Output(), 4000))
	case <-time.After(wait):
		tb.Fatalf("clusterproc: %s not ready within %v\n%s", name, wait, testproc.Tail(p.Output(), 4000))
	}
	return nil, ""
}

// Output is what the process has written so far, stdout and stderr.
func (p *Proc) Output() string { return p.out.String() }

// Alive reports whether the process is still running.
func (p *Proc) Alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// Kill sends SIGKILL (kill -9) and waits for the process to go.
func (p *Proc) Kill() {
	p.mu.Lock()
	p.killed = true
	p.mu.Unlock()
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// Pause stops the process with SIGSTOP: it holds its sockets and answers
// nothing.
func (p *Proc) Pause() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopped = true
	_ = p.cmd.Process.Signal(syscall.SIGSTOP)
}

// Resume continues a paused process (SIGCONT).
func (p *Proc) Resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopped = false
	_ = p.cmd.Process.Signal(syscall.SIGCONT)
}

// Stop ends the process with SIGTERM, waiting at most wait before SIGKILL;
// it reports whether the process went within wait.
func (p *Proc) Stop(wait time.Duration) bool {
	p.mu.Lock()
	if p.stopped {
		_ = p.cmd.Process.Signal(syscall.SIGCONT)
		p.stopped = false
	}
	p.mu.Unlock()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return true
	case <-time.After(wait):
		p.Kill()
		return false
	}
}

func (p *Proc) finish(tb testing.TB) {
	tb.Helper()
	if p.Alive() && !p.Stop(15*time.Second) {
		tb.Errorf("clusterproc: %s did not stop within 15s of SIGTERM\n%s", p.name, testproc.Tail(p.Output(), 4000))
	}
	out := p.Output()
	p.mu.Lock()
	killed := p.killed
	p.mu.Unlock()
	testproc.CheckExit(tb, p.name, out, p.err, killed)
}

// syncBuffer collects a process's output lines for the test to read.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer // guarded by mu
}

func (b *syncBuffer) WriteLine(line string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.WriteString(line)
	b.buf.WriteByte('\n')
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
