package cluster

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/tickroom/tickroom/rooms/cluster"
	"github.com/tickroom/tickroom/rooms/lobby"
	"github.com/tickroom/tickroom/tests/cluster/clusterproc"
)

// The cluster's benchmarks (docs/cluster.md, "Benchmarks"): join latency on
// the same node and across nodes, lobby:list over 10,000 rooms of 3 nodes,
// and the bus's messages per second with 1,000 players at rest. Run:
//
//	go test -run '^$' -bench . -benchtime=400x ./tests/cluster

// BenchmarkJoinLatency: room:join answered by the room's own node, and by
// another node (which asks the owner over the bus and answers with its
// url); p50 and p99 of the ack's round trip.
func BenchmarkJoinLatency(b *testing.B) {
	f := startClusterArgs(b, 3, []string{"-seat-rate", "-1"})
	for _, tc := range []struct {
		name  string
		owner *node
	}{{"same-node", f.nodes[0]}, {"cross-node", f.nodes[1]}} {
		b.Run(tc.name, func(b *testing.B) {
			joiner := dialPeer(b, f.nodes[0].URL, "joiner")
			creator := dialPeer(b, tc.owner.URL, "creator")
			var room string
			lat := make([]time.Duration, 0, b.N)
			for i := range b.N {
				if i%30 == 0 { // cross-node seats wait in grace: a fresh room every 30 joins
					_, _ = creator.ask("room:leave", map[string]any{})
					a, err := creator.ask("room:create", map[string]any{"mode": "arena", "maxPlayers": 32})
					if err != nil || !a.OK {
						b.Fatalf("create: %v %+v", err, a)
					}
					room = a.Room.ID
					waitFor(b, 5*time.Second, "the room in the joiner's lobby", func() bool {
						return slices.ContainsFunc(joiner.list(b, map[string]any{"includeFull": true, "limit": 500}), func(r *lobby.RoomInfo) bool { return r.ID == room })
					})
				}
				// A join is a step of the room's goroutine, run between ticks
				// (20 Hz): a random phase, so the wait for the tick averages
				// out instead of lining up with the previous ack's tick.
				time.Sleep(time.Duration(rand.Int64N(int64(50 * time.Millisecond))))
				start := time.Now()
				a, err := joiner.ask("room:join", map[string]any{"roomId": room})
				lat = append(lat, time.Since(start))
				if err != nil || !a.OK || (a.URL != "") != (tc.owner != f.nodes[0]) {
					b.Fatalf("join %d: %v %+v", i, err, a)
				}
				if a.URL == "" {
					_, _ = joiner.ask("room:leave", map[string]any{})
				}
			}
			slices.Sort(lat)
			b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
			b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
		})
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// BenchmarkLobbyList10k: lobby:list on a gameserver whose lobby holds
// 10,000 rooms of 3 other nodes (in-process cluster nodes that put them on
// the bus); one op is one request's round trip (filter, sort, 100 rooms
// encoded).
func BenchmarkLobbyList10k(b *testing.B) {
	f := startCluster(b, 1)
	var nodes []*cluster.Node
	for i := range 3 {
		cfg := cluster.DefaultConfig()
		cfg.URL, cfg.PublicURL = f.bus.URL, "http://127.0.0.1:"+strconv.Itoa(10+i)
		n, err := cluster.New(&cfg)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = n.Close(context.Background()) })
		nodes = append(nodes, n)
	}
	for i := range 10000 {
		info := &lobby.RoomInfo{ID: uuid.NewString(), Mode: "arena", Name: "room " + strconv.Itoa(i),
			Players: i % 11, MaxPlayers: 10, Phase: "waiting", Meta: map[string]any{"region": []string{"eu", "us"}[i%2]},
			CreatedAt: time.Now().UnixMilli(), Created: time.Now()}
		if _, err := nodes[i%3].Add(info); err != nil {
			b.Fatal(err)
		}
	}
	p := dialPeer(b, f.nodes[0].URL, "lister")
	waitFor(b, 60*time.Second, "10,000 rooms listed", func() bool {
		a, err := p.ask("lobby:list", map[string]any{"includeFull": true, "limit": 500, "meta": map[string]any{"region": "eu"}})
		if err != nil || !a.OK || len(a.Rooms) != 500 {
			return false
		}
		n := 0
		for _, nd := range nodes {
			n += len(nd.List(nil))
		}
		return n == 30000
	})
	for _, tc := range []struct {
		name    string
		payload map[string]any
	}{
		{"default", map[string]any{}},
		{"meta-limit500", map[string]any{"meta": map[string]any{"region": "us"}, "limit": 500}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				if a, err := p.ask("lobby:list", tc.payload); err != nil || !a.OK || len(a.Rooms) == 0 {
					b.Fatalf("list: %v %+v", err, a)
				}
			}
		})
	}
}

// BenchmarkBusAtRest: the bus's messages per second (NATS's own in + out
// counters) with 3 nodes and no players, then with 1,000 players seated in
// 100 rooms over the 3 nodes and playing no request: heartbeats only, no
// traffic per tick or per player.
func BenchmarkBusAtRest(b *testing.B) {
	build(b)
	f := &fixture{run: "bench"}
	f.bus = clusterproc.StartNATS(b, bins.nats, filepath.Join(b.TempDir(), "nats"), true)
	startNodes(b, f, 3, nil)
	const window = 10 * time.Second
	time.Sleep(5 * time.Second) // past the nodes' start: sessions, watches, code reservations
	idle := busRate(b, f.bus, window)
	var mu sync.Mutex
	var players []*peer
	var wg sync.WaitGroup
	for r := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			url := f.nodes[r%3].URL
			host := dialPeer(b, url, "host")
			a, err := host.ask("room:create", map[string]any{"mode": "arena", "maxPlayers": 10})
			if err != nil || !a.OK {
				b.Errorf("create: %v %+v", err, a)
				return
			}
			room := []*peer{host}
			for range 9 {
				p := dialPeer(b, url, "player")
				if a, err := p.ask("room:join", map[string]any{"roomId": a.Room.ID}); err != nil || !a.OK {
					b.Errorf("join: %v %+v", err, a)
					return
				}
				room = append(room, p)
			}
			mu.Lock()
			players = append(players, room...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if b.Failed() || len(players) != 1000 {
		b.Fatalf("%d players seated", len(players))
	}
	time.Sleep(5 * time.Second) // the last seat changes and code reservations go out
	busy := busRate(b, f.bus, window)
	from := time.Now().Add(-window)
	n := 0
	for _, p := range players {
		c, _ := p.snapshots(from)
		n += c
	}
	b.ReportMetric(idle, "msgs/s-idle")
	b.ReportMetric(busy, "msgs/s-1000players")
	b.ReportMetric(float64(n)/window.Seconds(), "snapshots/s")
}

// busRate is the NATS server's messages in and out per second over d.
func busRate(b *testing.B, bus *clusterproc.NATS, d time.Duration) float64 {
	b.Helper()
	count := func() int64 {
		resp, err := http.Get("http://127.0.0.1:" + strconv.Itoa(bus.Monitor) + "/varz")
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		var v struct {
			In  int64 `json:"in_msgs"`
			Out int64 `json:"out_msgs"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
			b.Fatal(err)
		}
		return v.In + v.Out
	}
	before := count()
	time.Sleep(d)
	return float64(count()-before) / d.Seconds()
}
