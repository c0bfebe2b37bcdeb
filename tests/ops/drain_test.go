package ops

import (
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tickroom/tickroom/internal/testproc"
	"github.com/tickroom/tickroom/internal/testscrape"
)

// TestDrain: SIGTERM drains, end to end with the gameserver and npm clients
// (tests/node/ops/drain.mjs): /readyz turns 503 at once; room:create and a quickjoin that
// would make a room answer UNAVAILABLE; a join and a quickjoin into the running room still
// work and its players keep their snapshot rate; at the drain deadline every player gets
// room:closed {reason: "shutdown"} before its disconnect; then the process exits 0.
func TestDrain(t *testing.T) {
	const drainTimeout = 8 * time.Second
	srv, admin := startServer(t, "-drain-timeout", drainTimeout.String())
	node := startNode(t, "ops/drain.mjs", srv.URL, 2*time.Minute)
	node.line("READY ", 30*time.Second)
	waitStatus(t, admin+"/readyz", 200, 5*time.Second)

	signalled := time.Now()
	if err := srv.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, admin+"/readyz", 503, 2*time.Second)
	if code, body := httpGet(t, admin+"/readyz"); !strings.Contains(body, "draining") {
		t.Fatalf("readyz while draining: %d %q", code, body)
	}
	if m := testscrape.Get(t, admin+"/metrics", ""); m.Sum("tickroom_draining") != 1 || m.Sum("tickroom_ready") != 0 {
		t.Fatal("the metrics do not show the drain")
	}
	node.send("DRAINING")
	t.Logf("snapshot rates while draining: %s", node.line("JOINED ", 30*time.Second))
	if !srv.Alive() {
		t.Fatal("the server exited while its room was running, before the drain deadline")
	}
	node.line("CLOSED", drainTimeout+30*time.Second)
	closedAfter := time.Since(signalled)
	node.wait(30 * time.Second)
	if closedAfter < drainTimeout-time.Second {
		t.Fatalf("the room closed %v after SIGTERM, before the %v drain deadline", closedAfter, drainTimeout)
	}
	if err := srv.Wait(15 * time.Second); err != nil {
		t.Fatalf("after the drain: %v, want exit 0\n%s", err, testproc.Tail(srv.Stderr(), 3000))
	}
	t.Logf("room:closed %v after SIGTERM (deadline %v)", closedAfter.Round(time.Millisecond), drainTimeout)
}

// TestDrainSecondSignal: a second SIGTERM skips the drain's wait: the rooms close at once,
// their players still hear room:closed {reason: "shutdown"} before their disconnect
// (tests/node/lobby/shutdown.mjs), and the process exits 0.
func TestDrainSecondSignal(t *testing.T) {
	srv, admin := startServer(t, "-drain-timeout", "2m")
	node := startNode(t, "lobby/shutdown.mjs", srv.URL, 2*time.Minute)
	node.line("READY", 30*time.Second)
	if err := srv.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, admin+"/readyz", 503, 2*time.Second)
	time.Sleep(time.Second)
	if !srv.Alive() {
		t.Fatal("the first SIGTERM ended the server: it should drain, and its rooms run")
	}
	second := time.Now()
	if err := srv.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	switch err := srv.Wait(10 * time.Second); {
	case errors.Is(err, testproc.ErrRunning):
		t.Fatal("the second SIGTERM did not end the drain within 10 s")
	case err != nil:
		t.Fatalf("exit: %v, want 0", err)
	}
	t.Logf("exited %v after the second SIGTERM", time.Since(second).Round(time.Millisecond))
	node.wait(30 * time.Second)
}

// TestDrainIdle: a server with no room and no connection has nothing to wait for: SIGTERM
// ends it at once, with status 0.
func TestDrainIdle(t *testing.T) {
	srv, _ := startServer(t)
	start := time.Now()
	if err := srv.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := srv.Wait(5 * time.Second); err != nil {
		t.Fatalf("an idle server after SIGTERM: %v, want exit 0", err)
	}
	t.Logf("exited %v after SIGTERM", time.Since(start).Round(time.Millisecond))
}
