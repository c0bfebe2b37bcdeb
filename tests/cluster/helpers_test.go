package cluster

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tickroom/tickroom/internal/testproc"
	"github.com/tickroom/tickroom/netio/client"
	"github.com/tickroom/tickroom/rooms/lobby"
	"github.com/tickroom/tickroom/tests/cluster/clusterproc"
	"github.com/vmihailenco/msgpack/v5"
)

// The binaries, built once for the package (builds sync.Once).
var (
	buildOnce sync.Once
	builtDir  string
	bins      struct{ nats, gameserver, testnode string }
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tests-cluster-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	builtDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// build compiles nats-server, cmd/gameserver and testnode once.
func build(t testing.TB) {
	t.Helper()
	root := testproc.RepoRoot(t)
	buildOnce.Do(func() {
		var err error
		if bins.nats, err = clusterproc.BuildNATS(root, builtDir); err != nil {
			t.Fatal(err)
		}
		bins.gameserver = testproc.Build(t, root, "./cmd/gameserver", builtDir, testproc.RaceEnabled)
		bins.testnode = testproc.Build(t, root, "./tests/cluster/testnode", builtDir, testproc.RaceEnabled)
	})
	if bins.testnode == "" {
		t.Fatal("the binaries did not build")
	}
}

// node is one gameserver process of a test cluster.
type node struct {
	*clusterproc.Proc
	URL   string // its public URL: http://127.0.0.1:port
	Admin string // its admin listener's URL (/readyz): http://127.0.0.1:port
}

// fixture is a NATS server and the nodes of one test.
type fixture struct {
	bus   *clusterproc.NATS
	nodes []*node
	run   string // a meta value no other test uses
}

// startCluster starts a NATS server and n gameserver nodes (testnode for
// the indexes in hooks, cmd/gameserver for the others) and waits until
// every node is ready and lists a probe room of every other node.
func startCluster(t testing.TB, n int, hooks ...int) *fixture {
	t.Helper()
	return startClusterArgs(t, n, nil, hooks...)
}

// startClusterArgs is startCluster with more flags for every node.
func startClusterArgs(t testing.TB, n int, args []string, hooks ...int) *fixture {
	t.Helper()
	return startClusterEach(t, n, func(int) []string { return args }, hooks...)
}

// startClusterEach is startCluster with more flags for node i: argsOf(i).
func startClusterEach(t testing.TB, n int, argsOf func(i int) []string, hooks ...int) *fixture {
	t.Helper()
	build(t)
	f := &fixture{run: fmt.Sprintf("%s-%d", t.Name(), time.Now().UnixNano())}
	f.bus = clusterproc.StartNATS(t, bins.nats, filepath.Join(t.TempDir(), "nats"), false)
	startNodesEach(t, f, n, argsOf, hooks...)
	// Every node lists a room of every other: the nodes see each other.
	probe := map[string]any{"probe": f.run}
	for _, nd := range f.nodes {
		p := dialPeer(t, nd.URL, "probe")
		p.mustJoin(t, "room:create", map[string]any{"mode": "arena", "meta": probe})
		p.close()
	}
	for _, nd := range f.nodes {
		p := dialPeer(t, nd.URL, "probe-list")
		waitFor(t, 10*time.Second, "every node's probe room on "+nd.URL, func() bool {
			return len(p.list(t, map[string]any{"meta": probe, "includeFull": true})) == n
		})
		p.close()
	}
	return f
}

// startNodes starts n nodes on f's bus, with args added to their flags,
// and waits until each is ready.
func startNodes(t testing.TB, f *fixture, n int, args []string, hooks ...int) {
	t.Helper()
	startNodesEach(t, f, n, func(int) []string { return args }, hooks...)
}

// startNodesEach is startNodes with argsOf(i) added to node i's flags.
func startNodesEach(t testing.TB, f *fixture, n int, argsOf func(i int) []string, hooks ...int) {
	t.Helper()
	for i := range n {
		args := argsOf(i)
		bin := bins.gameserver
		if slices.Contains(hooks, i) {
			bin = bins.testnode
		} else {
			// The test's end stops it with SIGTERM: a shutdown, not a 30 s drain.
			args = append([]string{"-drain-timeout", "0s"}, args...)
		}
		p, line := clusterproc.Start(t, fmt.Sprintf("node%d", i), 60*time.Second, func(l string) bool {
			return strings.HasPrefix(l, testproc.ListenPrefix)
		}, bin, append([]string{"-addr", "127.0.0.1:0", "-admin-addr", "127.0.0.1:0", "-nats", f.bus.URL}, args...)...)
		url := strings.TrimSuffix(strings.TrimSpace(strings.TrimPrefix(line, testproc.ListenPrefix)), "/")
		f.nodes = append(f.nodes, &node{Proc: p, URL: url, Admin: adminURL(t, p.Output())})
	}
	for _, nd := range f.nodes {
		waitFor(t, 20*time.Second, nd.URL+" ready", func() bool { return readyz(nd.Admin) == http.StatusOK })
	}
}

// readyz is a node's /readyz status (0 when it does not answer).
// adminURL is the admin listener's URL from a node's "ADMIN <url>" line,
// printed before its LISTEN line.
func adminURL(t testing.TB, out string) string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if u, ok := strings.CutPrefix(strings.TrimSpace(l), "ADMIN "); ok {
			return strings.TrimSuffix(u, "/")
		}
	}
	t.Fatalf("no ADMIN line before LISTEN:\n%s", out)
	return ""
}

// readyz is the status of GET /readyz at a node's admin URL.
func readyz(url string) int {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(url + "/readyz")
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// waitFor fails the test unless cond holds within d.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("not within %v: %s", d, what)
		}
		time.Sleep(25 * time.Millisecond)
	}
	return time.Since(start)
}

// peer is one Go client connection that records its snapshots' arrivals.
type peer struct {
	s *client.Socket

	mu      sync.Mutex
	ticks   []uint64    // guarded by mu: the t of each snapshot
	arrived []time.Time // guarded by mu: when each came
	updates []lobby.LobbyUpdate
}

func dialPeer(t testing.TB, url, name string) *peer {
	t.Helper()
	p, err := dial(url, name)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	t.Cleanup(p.close)
	return p
}

func dial(url, name string) (*peer, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	o := client.DefaultOptions()
	o.Transport, o.Reconnection = client.TransportWebSocket, false
	o.ConnectTimeout, o.AckTimeout = 20*time.Second, 30*time.Second
	s, err := client.Dial(ctx, url, map[string]any{"name": name}, &o)
	if err != nil {
		return nil, err
	}
	p := &peer{s: s}
	s.On("snapshot", func(args client.Args, _ client.Ack) {
		var snap struct {
			T uint64 `msgpack:"t"`
		}
		if args.Decode(0, &snap) == nil {
			p.mu.Lock()
			p.ticks = append(p.ticks, snap.T)
			p.arrived = append(p.arrived, time.Now())
			p.mu.Unlock()
		}
	})
	s.On("lobby:update", func(args client.Args, _ client.Ack) {
		var u lobby.LobbyUpdate
		if args.Decode(0, &u) == nil {
			p.mu.Lock()
			p.updates = append(p.updates, u)
			p.mu.Unlock()
		}
	})
	return p, nil
}

func (p *peer) close() { _ = p.s.Manager().Close() }

// answer is a request's ack.
type answer struct {
	OK    bool                `msgpack:"ok"`
	Error *lobby.RequestError `msgpack:"error"`
	lobby.Joined
	Rooms []*lobby.RoomInfo `msgpack:"rooms"`
}

func (p *peer) ask(event string, payload any) (*answer, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args, err := p.s.EmitWithAckContext(ctx, event, payload)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", event, err)
	}
	var a answer
	if err := msgpack.Unmarshal(args.Raw(0), &a); err != nil {
		return nil, fmt.Errorf("%s: %w", event, err)
	}
	return &a, nil
}

func (p *peer) mustAsk(t testing.TB, event string, payload any) *answer {
	t.Helper()
	a, err := p.ask(event, payload)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// mustJoin sends a seat request that must succeed.
func (p *peer) mustJoin(t testing.TB, event string, payload any) *answer {
	t.Helper()
	a := p.mustAsk(t, event, payload)
	if !a.OK {
		t.Fatalf("%s %v: %+v", event, payload, a.Error)
	}
	return a
}

// mustFail sends a request that must fail with code.
func (p *peer) mustFail(t testing.TB, event string, payload any, code string) {
	t.Helper()
	a := p.mustAsk(t, event, payload)
	if a.OK || a.Error == nil || a.Error.Code != code {
		t.Fatalf("%s %v: got %+v, want %s", event, payload, a.Error, code)
	}
}

// list is lobby:list's rooms.
func (p *peer) list(t testing.TB, payload map[string]any) []*lobby.RoomInfo {
	t.Helper()
	a := p.mustAsk(t, "lobby:list", payload)
	if !a.OK {
		t.Fatalf("lobby:list: %+v", a.Error)
	}
	return a.Rooms
}

// snapshots returns how many snapshots came, and the longest wait between
// two of them since from.
func (p *peer) snapshots(from time.Time) (n int, gap time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	last := from
	for _, at := range p.arrived {
		if at.Before(from) {
			continue
		}
		n++
		gap = max(gap, at.Sub(last))
		last = at
	}
	return n, max(gap, time.Since(last))
}

// lobbyUpdates returns the lobby:update events so far.
func (p *peer) lobbyUpdates() []lobby.LobbyUpdate {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]lobby.LobbyUpdate(nil), p.updates...)
}
