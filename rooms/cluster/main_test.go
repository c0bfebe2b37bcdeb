package cluster

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/tickroom/tickroom/rooms/lobby"
	"github.com/tickroom/tickroom/tests/cluster/clusterproc"
)

// natsBin is the nats-server binary TestMain built for this package's
// tests ("" when a test does not need it).
var natsBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cluster-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	root, _ := filepath.Abs("../..")
	natsBin, err = clusterproc.BuildNATS(root, dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// startBus starts a nats-server for one test.
func startBus(t *testing.T) *clusterproc.NATS {
	t.Helper()
	return clusterproc.StartNATS(t, natsBin, filepath.Join(t.TempDir(), "js"), false)
}

// testConfig is a node's config with short times, so that deaths and bus
// losses show within a second or two.
func testConfig(url string) *Config {
	c := DefaultConfig()
	c.URL, c.PublicURL = url, "http://127.0.0.1:1"
	c.Heartbeat, c.NodeTTL = 200*time.Millisecond, time.Second
	c.AttemptTimeout, c.RequestTimeout, c.OpTimeout = 300*time.Millisecond, 2*time.Second, time.Second
	if !testing.Verbose() {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &c
}

// startNode starts a node on the bus at url, closed at the end of the test.
func startNode(t testing.TB, url string, edit ...func(*Config)) *Node {
	t.Helper()
	cfg := testConfig(url)
	for _, e := range edit {
		e(cfg)
	}
	n, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = n.Close(ctx)
	})
	return n
}

// crash stops a node as kill -9 would: no key deleted, no room withdrawn.
func crash(n *Node) {
	n.closed.Store(true)
	n.nc.Close()
	n.end()
	n.wg.Wait()
}

func newInfo(mode string, players int) *lobby.RoomInfo {
	return &lobby.RoomInfo{
		ID: uuid.NewString(), Mode: mode, Name: mode + " room", Players: players, MaxPlayers: 10,
		Phase: "waiting", Meta: map[string]any{"region": "eu", "level": int64(3), "ratio": 0.5, "ranked": true},
		CreatedAt: time.Now().UnixMilli(), Created: time.Now(),
	}
}

// eventually fails the test unless cond holds within d.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// changes records the ids a store's subscribers were told of.
type changes struct {
	mu  sync.Mutex
	ids map[string]int
}

func watchChanges(n *Node) *changes {
	c := &changes{ids: map[string]int{}}
	n.Subscribe(func(id string) {
		c.mu.Lock()
		c.ids[id]++
		c.mu.Unlock()
	})
	return c
}

func (c *changes) count(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ids[id]
}

// fakeHost answers remote requests with fn and records them.
type fakeHost struct {
	mu       sync.Mutex
	reqs     []*lobby.RemoteRequest
	fn       func(try int, req *lobby.RemoteRequest) (*lobby.Joined, error)
	draining bool
}

func (f *fakeHost) Remote(_ context.Context, req *lobby.RemoteRequest) (*lobby.Joined, error) {
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	n := 0 // tries of this request so far, this one included
	for _, r := range f.reqs {
		if r.ID == req.ID {
			n++
		}
	}
	f.mu.Unlock()
	return f.fn(n, req)
}

func (f *fakeHost) Draining() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.draining
}

func (f *fakeHost) requests() []*lobby.RemoteRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*lobby.RemoteRequest(nil), f.reqs...)
}
