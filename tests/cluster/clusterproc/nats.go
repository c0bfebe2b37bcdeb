package clusterproc

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BuildNATS compiles nats-server, the module's tool dependency (go.mod's
// tool line), into dir from the module at root, and returns its path.
// Built without the race detector: it is not the code under test.
func BuildNATS(root, dir string) (string, error) {
	out := filepath.Join(dir, "nats-server")
	cmd := exec.Command("go", "build", "-o", out, "github.com/nats-io/nats-server/v2")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build nats-server: %v\n%s", err, b)
	}
	return out, nil
}

// NATS is a nats-server process with JetStream on a loopback port and a
// store directory, both kept across Restart.
type NATS struct {
	*Proc
	URL      string // nats://127.0.0.1:port
	Port     int
	Monitor  int // the HTTP monitoring port (/varz), 0 when off
	bin      string
	storeDir string
}

// StartNATS starts nats-server with JetStream on a free loopback port,
// its store in storeDir; monitor turns the monitoring port on.
func StartNATS(tb testing.TB, bin, storeDir string, monitor bool) *NATS {
	tb.Helper()
	n := &NATS{bin: bin, storeDir: storeDir, Port: FreePort(tb)}
	if monitor {
		n.Monitor = FreePort(tb)
	}
	n.URL = "nats://127.0.0.1:" + strconv.Itoa(n.Port)
	n.start(tb)
	return n
}

func (n *NATS) start(tb testing.TB) {
	tb.Helper()
	if err := os.MkdirAll(n.storeDir, 0o755); err != nil {
		tb.Fatal(err)
	}
	args := []string{"-a", "127.0.0.1", "-p", strconv.Itoa(n.Port), "-js", "-sd", n.storeDir}
	if n.Monitor != 0 {
		args = append(args, "-m", strconv.Itoa(n.Monitor))
	}
	n.Proc, _ = Start(tb, "nats-server", 30*time.Second, func(line string) bool {
		return strings.Contains(line, "Server is ready")
	}, n.bin, args...)
}

// Restart starts the server again on the same port with the same store
// (after Kill or Stop).
func (n *NATS) Restart(tb testing.TB) {
	tb.Helper()
	if n.Alive() {
		tb.Fatal("clusterproc: Restart of a running nats-server")
	}
	n.start(tb)
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
