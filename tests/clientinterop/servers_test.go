package clientinterop

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"

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

// goServer is tests/interop/testserver, built once per test binary.
var goServer = &testproc.Once{Pkg: "./tests/interop/testserver", Race: testproc.RaceEnabled}

func TestMain(m *testing.M) {
	code := m.Run()
	goServer.Close()
	os.Exit(code)
}

// nodeDir returns tests/node, failing when node or the npm packages are missing: these
// tests must run in CI, so they never skip.
func nodeDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(testproc.RepoRoot(t), "tests", "node")
	testproc.RequireNode(t, dir, "socket.io", "socket.io-msgpack-parser")
	return dir
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

// target is one server the scenarios run against, for one parser.
type target struct {
	name   string // "go" or "node"
	parser string
	url    string
}

// startGoServer starts the Go test server on addr ("127.0.0.1:0" for any port).
func startGoServer(t testing.TB, addr string) *testproc.Server {
	return testproc.Start(t, goServer.Binary(t), goServerArgs(addr)...)
}

// startNodeServer starts the npm reference server for parser on addr's port (0 for any).
func startNodeServer(t testing.TB, parser, addr string) *testproc.Server {
	_, port, _ := net.SplitHostPort(addr)
	opts := testproc.Options{Dir: nodeDir(t), Env: append(os.Environ(), "PORT="+port)}
	return testproc.StartWith(t, opts, "node", filepath.Join("clientinterop", "fixed-port-server.mjs"), parser)
}

func (tg target) String() string { return fmt.Sprintf("%s-%s", tg.name, tg.parser) }
