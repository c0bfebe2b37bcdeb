package bench

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/tickroom/tickroom/game/arena"
	"github.com/tickroom/tickroom/internal/testhost"
	"github.com/tickroom/tickroom/netio/sioparser"
)

// newGameServer is the gameserver's stack in-process: Socket.IO, a room
// host with the arena mode.
func newGameServer(tb testing.TB) (wsURL string) {
	tb.Helper()
	_, url := testhost.Start(tb, nil, arena.Mode{})
	return "ws" + strings.TrimPrefix(url, "http") + "/socket.io/?EIO=4&transport=websocket"
}

// rawPlayer is a msgpack Socket.IO client over one WebSocket that counts
// every byte it receives, WebSocket framing included.
type rawPlayer struct {
	ws    *websocket.Conn
	bytes atomic.Int64
	snaps atomic.Int64
	mu    sync.Mutex // guards writes
	acks  chan sioparser.Packet
}

func wsFrameBytes(payload int) int {
	switch {
	case payload < 126:
		return 2 + payload
	case payload < 1<<16:
		return 4 + payload
	}
	return 10 + payload
}

func dialPlayer(tb testing.TB, url string) *rawPlayer {
	tb.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ws.Close() })
	p := &rawPlayer{ws: ws, acks: make(chan sioparser.Packet, 4)}
	if _, _, err := ws.ReadMessage(); err != nil { // open
		tb.Fatal(err)
	}
	p.send(tb, sioparser.Packet{Type: sioparser.Connect, Namespace: "/"})
	if _, _, err := ws.ReadMessage(); err != nil { // CONNECT reply
		tb.Fatal(err)
	}
	go p.read()
	return p
}

func (p *rawPlayer) send(tb testing.TB, pkt sioparser.Packet) {
	b, err := sioparser.EncodeMsgpack(&pkt)
	if err != nil {
		tb.Fatal(err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ws.WriteMessage(websocket.BinaryMessage, b)
}

func (p *rawPlayer) read() {
	for {
		mt, data, err := p.ws.ReadMessage()
		if err != nil {
			return
		}
		p.bytes.Add(int64(wsFrameBytes(len(data))))
		if mt == websocket.TextMessage {
			if string(data) == "2" {
				p.mu.Lock()
				p.ws.WriteMessage(websocket.TextMessage, []byte("3"))
				p.mu.Unlock()
			}
			continue
		}
		pkt, err := sioparser.DecodeMsgpack(data)
		if err != nil {
			continue
		}
		if pkt.Type == sioparser.Ack {
			p.acks <- pkt
			continue
		}
		if name, _, err := sioparser.EventName(pkt.Data); err == nil && name == "snapshot" {
			p.snaps.Add(1)
		}
	}
}

// request emits event with an ack and returns the ack's first argument.
func (p *rawPlayer) request(tb testing.TB, event string, payload any) map[string]any {
	tb.Helper()
	data, err := sioparser.EncodeArgs(event, []any{payload})
	if err != nil {
		tb.Fatal(err)
	}
	p.send(tb, sioparser.Packet{Type: sioparser.Event, Namespace: "/", ID: 1, HasID: true, Data: data})
	select {
	case pkt := <-p.acks:
		args, err := sioparser.SplitArgs(pkt.Data, 0)
		var res map[string]any
		if err == nil {
			err = args.Decode(0, &res)
		}
		if err != nil || res["ok"] != true {
			tb.Fatalf("%s: %v %v", event, res, err)
		}
		return res
	case <-time.After(10 * time.Second):
		tb.Fatalf("%s: no ack", event)
		return nil
	}
}

// BenchmarkArenaBandwidth10 plays a 10-player arena room at 20 Hz for 10 s
// per op with every player steering at random (20 inputs a second) and
// reports what a player receives: bytes per second down, Socket.IO and
// WebSocket framing included, pings and events too.
func BenchmarkArenaBandwidth10(b *testing.B) {
	const players, seconds = 10, 10
	for i := 0; i < b.N; i++ {
		url := newGameServer(b)
		ps := make([]*rawPlayer, players)
		ps[0] = dialPlayer(b, url)
		joined := ps[0].request(b, "room:create", map[string]any{"mode": "arena"})
		code := joined["room"].(map[string]any)["code"].(string)
		for j := 1; j < players; j++ {
			ps[j] = dialPlayer(b, url)
			ps[j].request(b, "room:join", map[string]any{"code": code})
		}
		ps[0].request(b, "room:start", map[string]any{})
		time.Sleep(time.Second) // past the full states of the joins
		for _, p := range ps {
			p.bytes.Store(0)
			p.snaps.Store(0)
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for j, p := range ps {
			wg.Add(1)
			go func() { defer wg.Done(); p.steer(b, uint64(j), stop) }()
		}
		start := time.Now()
		time.Sleep(seconds * time.Second)
		elapsed := time.Since(start).Seconds()
		close(stop)
		wg.Wait()
		var total, snaps int64
		for _, p := range ps {
			total += p.bytes.Load()
			snaps += p.snaps.Load()
		}
		b.ReportMetric(float64(total)/float64(players)/elapsed, "bytes/s/player")
		b.ReportMetric(float64(snaps)/float64(players)/elapsed, "snapshots/s/player")
		b.ReportMetric(float64(total)/float64(snaps), "bytes/snapshot")
		fmt.Printf("arena: %d players, %.1f s, %.0f B/s per player, %.1f snapshots/s\n",
			players, elapsed, float64(total)/float64(players)/elapsed, float64(snaps)/float64(players)/elapsed)
	}
}

// steer sends 20 inputs a second, the direction wandering at random, until
// stop closes; the first send comes at a random point of the first 50 ms so
// that many players do not send in step.
func (p *rawPlayer) steer(tb testing.TB, seed uint64, stop <-chan struct{}) {
	rng := rand.New(rand.NewPCG(seed, 7))
	angle := rng.Float64() * 2 * math.Pi
	time.Sleep(time.Duration(rng.IntN(50)) * time.Millisecond)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for seq := 1; ; seq++ {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		angle += (rng.Float64() - 0.5) * 0.6
		data, _ := sioparser.EncodeArgs("input", []any{map[string]any{"seq": seq, "x": math.Cos(angle), "y": math.Sin(angle)}})
		p.send(tb, sioparser.Packet{Type: sioparser.Event, Namespace: "/", Data: data})
	}
}
