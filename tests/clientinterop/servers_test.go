package clientinterop

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tickroom/tickroom/internal/testproc"
)

var (
	parsers    = []string{"msgpack", "text"}
	transports = []string{"websocket", "polling", "upgrade"}
)

// goServerArgs are the Go test server's flags, the heartbeat of the Node reference server.
func goServerArgs(addr string) []string {
	return []string{
		"-addr", addr,
		"-ping-interval", "2s", "-ping-timeout", "5s",
		"-fast-ping-interval", "250ms", "-fast-ping-timeout", "1s",
		"-max-http-buffer-size", "10000",
	}
}

var (
	buildOnce sync.Once
	buildDir  string
	goBin     string
)

// goServerBinary builds tests/interop/testserver once per test binary.
func goServerBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "clientinterop-")
		if err != nil {
			t.Fatalf("tempdir: %v", err)
		}
		buildDir = dir
		goBin = testproc.Build(t, testproc.RepoRoot(t), "./tests/interop/testserver", dir, testproc.RaceEnabled)
	})
	if goBin == "" {
		t.Fatal("building the Go test server failed earlier")
	}
	return goBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// nodeDir returns tests/node, failing when node or the npm packages are missing: these
// tests must run in CI, so they never skip.
func nodeDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(testproc.RepoRoot(t), "tests", "node")
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("node not found in PATH: tests/clientinterop needs Node 20 and `npm ci` in %s (make deps)", dir)
	}
	for _, pkg := range []string{"socket.io", "socket.io-msgpack-parser"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
			t.Fatalf("npm package %s is not installed in %s: run `npm ci` there (make deps does)", pkg, dir)
		}
	}
	return dir
}

// proc is a server process this package starts and may kill and start again on the same
// port (testproc.Server cannot be stopped before the test ends).
type proc struct {
	t    testing.TB
	name string
	args []string
	env  []string
	dir  string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	log  strings.Builder
	URL  string
}

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func startProc(t testing.TB, dir string, env []string, name string, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, name: name, args: args, env: env, dir: dir}
	p.start()
	t.Cleanup(p.stop)
	return p
}

func (p *proc) start() {
	p.t.Helper()
	cmd := exec.Command(p.name, p.args...)
	cmd.Dir = p.dir
	cmd.Env = append(os.Environ(), p.env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		p.t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		p.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		p.t.Fatalf("start %s: %v", p.name, err)
	}
	done := make(chan struct{})
	urlc := make(chan string, 1)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if line := sc.Text(); strings.HasPrefix(line, testproc.ListenPrefix) {
				select {
				case urlc <- strings.TrimSpace(strings.TrimPrefix(line, testproc.ListenPrefix)):
				default:
				}
			}
		}
	}()
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.mu.Lock()
			p.log.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
		}
	}()
	go func() {
		wg.Wait()
		_ = cmd.Wait()
		close(done)
	}()
	p.mu.Lock()
	p.cmd, p.done = cmd, done
	p.mu.Unlock()
	select {
	case u := <-urlc:
		p.URL = u
	case <-done:
		p.t.Fatalf("%s exited before printing LISTEN:\n%s", p.name, p.stderr())
	case <-time.After(30 * time.Second):
		p.t.Fatalf("%s printed no LISTEN line in 30s:\n%s", p.name, p.stderr())
	}
}

func (p *proc) stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// kill stops the process abruptly (SIGKILL): the client sees its connections drop.
func (p *proc) kill() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	_ = cmd.Process.Kill()
	<-done
}

func (p *proc) stop() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	select {
	case <-done:
	default:
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
	if log := p.stderr(); strings.Contains(log, "DATA RACE") || strings.Contains(log, "panic:") {
		p.t.Errorf("%s reported a race or panic:\n%s", p.name, log)
	}
}

// target is one server the scenarios run against, for one parser.
type target struct {
	name   string // "go" or "node"
	parser string
	url    string
}

// startGoServer starts the Go test server on addr ("127.0.0.1:0" for any port).
func startGoServer(t testing.TB, addr string) *proc {
	return startProc(t, "", nil, goServerBinary(t), goServerArgs(addr)...)
}

// startNodeServer starts the npm reference server for parser on addr's port (0 for any).
func startNodeServer(t testing.TB, parser, addr string) *proc {
	dir := nodeDir(t)
	_, port, _ := net.SplitHostPort(addr)
	return startProc(t, dir, []string{"PORT=" + port}, "node", filepath.Join("clientinterop", "fixed-port-server.mjs"), parser)
}

func (tg target) String() string { return fmt.Sprintf("%s-%s", tg.name, tg.parser) }
