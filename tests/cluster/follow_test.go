package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tickroom/tickroom/internal/testproc"
)

// TestFollow: the clients follow a seat to its node by themselves (a
// Joined with url), against three nodes: A (node 0, cmd/gameserver) takes
// every new room; B and C (testnodes) drain, so that B places nothing and
// answers with A's url; C's public URL is a port where nothing listens,
// and C holds one room made before it drained. Every node hashes every
// snapshot.
//
//   - gamebot: the same bots for the same time, first all on A, then
//     spread over the three URLs: zero desyncs and errors, bots moved, and
//     the players' p99 input-to-ack no worse than on A alone (within a
//     margin);
//   - client-js (client-js/test/cluster/follow.e2e.test.mjs) over each
//     transport: create, join by code, quickjoin and rejoin through B end
//     on A with "moved", a lost connection that comes back to B moves to A
//     with the same room and callbacks, and a seat on C rejects with
//     CONNECT_FAILED.
func TestFollow(t *testing.T) {
	jsDir := filepath.Join(testproc.RepoRoot(t), "client-js")
	testproc.RequireNode(t, jsDir, "socket.io-client", "socket.io-msgpack-parser")
	dead := unusedURL(t)
	f := startClusterEach(t, 3, func(i int) []string {
		if i == 2 {
			return []string{"-hash-every", "1", "-public-url", dead}
		}
		return []string{"-hash-every", "1"}
	}, 1, 2)
	a, b, c := f.nodes[0], f.nodes[1], f.nodes[2]
	// The room on C, its host seated there directly, before the drain.
	deadRoom := dialPeer(t, c.URL, "unreachable").mustJoin(t, "room:create",
		map[string]any{"mode": "arena", "meta": map[string]any{"run": f.run, "dead": true}})
	if deadRoom.URL != "" {
		t.Fatalf("a create on a node that takes rooms went to %s", deadRoom.URL)
	}
	drain(t, b, c)

	t.Run("gamebot", func(t *testing.T) {
		bin := testproc.Build(t, testproc.RepoRoot(t), "./cmd/gamebot", builtDir, testproc.RaceEnabled)
		one := runGamebot(t, bin, "--url", a.URL)
		spread := runGamebot(t, bin, "--urls", strings.Join([]string{a.URL, b.URL, c.URL}, ","))
		t.Logf("input-to-ack p99: %.1f ms on A alone, %.1f ms spread over A, B and C (%d of %d bots moved)",
			one.LatencyMs.P99, spread.LatencyMs.P99, spread.Moved, spread.Started)
		for _, rep := range []*botReport{one, spread} {
			if rep.Desyncs != 0 || rep.ErrorsTotal != 0 || rep.Hashed == 0 || len(rep.Broken) != 0 {
				t.Errorf("%s: %d desyncs of %d hashed snapshots, %d errors %v, thresholds broken: %v",
					rep.Config.URL, rep.Desyncs, rep.Hashed, rep.ErrorsTotal, rep.Errors, rep.Broken)
			}
		}
		// Bots through B and C (two thirds) are placed on A, whose quickjoins every node sends
		// there: each follows its seat.
		if spread.Moved < uint64(spread.Started)/2 || one.Moved != 0 {
			t.Errorf("bots moved: %d of %d spread over three nodes (want at least half), %d on A alone (want 0)",
				spread.Moved, spread.Started, one.Moved)
		}
		// A move happens once, at the join: inputs then go to the room's node as on one node.
		if limit := one.LatencyMs.P99*1.25 + 10; spread.LatencyMs.P99 > limit {
			t.Errorf("input-to-ack p99 %.1f ms spread over three nodes, above %.1f ms (A alone: %.1f ms, +25%% +10 ms)",
				spread.LatencyMs.P99, limit, one.LatencyMs.P99)
		}
	})

	for _, tr := range []struct{ name, transports string }{
		{"client-js/websocket", "websocket"},
		{"client-js/polling", "polling"},
		{"client-js/upgrade", "polling,websocket"},
	} {
		t.Run(tr.name, func(t *testing.T) {
			env := append(environWithout("TICKROOM_"),
				"TICKROOM_TRANSPORTS="+tr.transports,
				"TICKROOM_CLUSTER_URLS="+strings.Join([]string{a.URL, b.URL, c.URL}, ","),
				"TICKROOM_RUN="+f.run,
				"TICKROOM_DEAD_URL="+dead,
				"TICKROOM_DEAD_CODE="+deadRoom.Room.Code)
			out, err := testproc.Run(context.Background(), jsDir, env, 2*time.Minute,
				"node", "--test", "--test-reporter=spec", filepath.Join("test", "cluster", "follow.e2e.test.mjs"))
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			// A skipped test would be a test CI does not run.
			if strings.Contains(out, "# SKIP") || !strings.Contains(out, "skipped 0") || strings.Contains(out, "pass 0") {
				t.Fatalf("Node tests skipped or none ran:\n%s", out)
			}
			t.Logf("%s", out)
		})
	}
}

// botReport is the part of gamebot's --json report the test reads.
type botReport struct {
	Config struct {
		URL string `json:"url"`
	} `json:"config"`
	Started   int    `json:"bots_started"`
	Moved     uint64 `json:"bots_moved"`
	LatencyMs struct {
		Count int     `json:"count"`
		P99   float64 `json:"p99_ms"`
	} `json:"input_to_ack"`
	Hashed      uint64            `json:"hashed_snapshots"`
	Desyncs     uint64            `json:"desyncs"`
	ErrorsTotal int               `json:"errors_total"`
	Errors      []json.RawMessage `json:"errors"`
	Broken      []string          `json:"thresholds_broken"`
}

// runGamebot runs 30 quickjoin bots for 6 s with the URL flags given and
// returns the report.
func runGamebot(t *testing.T, bin string, urls ...string) *botReport {
	t.Helper()
	args := append(urls, "--bots", "30", "--duration", "6s", "--json", "--status-every", "0")
	out, err := testproc.Run(context.Background(), "", environWithout("TICKROOM_"), time.Minute, bin, args...)
	var rep botReport
	jerr := errors.New("no report")
	if i := strings.Index(out, "{"); i >= 0 {
		jerr = json.Unmarshal([]byte(out[i:]), &rep)
	}
	if jerr != nil || rep.LatencyMs.Count == 0 {
		t.Fatalf("gamebot %v: %v, %v\n%s", urls, err, jerr, out)
	}
	return &rep
}

// drain drains each node (testnode's POST /test/drain) and waits until
// every other node knows it: its /readyz turns 503 at once, the others
// hear it with its next heartbeat (2 s).
func drain(t *testing.T, nodes ...*node) {
	t.Helper()
	for _, nd := range nodes {
		resp, err := http.Post(nd.URL+"/test/drain", "text/plain", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		waitFor(t, 2*time.Second, "/readyz 503 on "+nd.URL, func() bool {
			return readyz(nd.Admin) == http.StatusServiceUnavailable
		})
	}
	time.Sleep(2500 * time.Millisecond)
}

// unusedURL is the URL of a loopback port nothing listens on (it was free
// a moment ago).
func unusedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ln.Close()
	return url
}

// environWithout is the test's environment without the variables that
// start with prefix: the processes get theirs explicitly.
func environWithout(prefix string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, prefix) {
			env = append(env, kv)
		}
	}
	return env
}
