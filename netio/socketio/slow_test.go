package socketio

import (
	"context"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/tickroom/tickroom/netio/sioparser"
)

// TestFrozenClientDoesNotStallOthers: one client stops reading (its socket
// buffers fill) while 100 others receive a broadcast at full rate. The
// others get every event without a stall; the frozen one is dropped with
// reason "slow client".
func TestFrozenClientDoesNotStallOthers(t *testing.T) {
	const (
		others = 100
		events = 2000
	)
	cfg := DefaultConfig()
	cfg.Engine.WebSocketSendBuffer = 16 << 10
	srv, hs := newTestServer(t, &cfg)
	rs := newReasons()
	connected := make(chan *Socket, others+1)
	srv.OnConnection(func(s *Socket) { rs.track(s); connected <- s })

	// The frozen client: a tiny receive buffer, and it never reads after
	// connecting.
	frozen := dialFrozen(t, hs.URL)
	frozenSock := <-connected

	var (
		wg       sync.WaitGroup
		maxGapNs atomic.Int64
		received atomic.Int64
	)
	for i := 0; i < others; i++ {
		p := dialPeer(t, hs, false)
		p.connect("/", nil)
		<-connected
		wg.Add(1)
		go func() {
			defer wg.Done()
			last := time.Now()
			for n := 0; n < events; n++ {
				p.ws.SetReadDeadline(time.Now().Add(30 * time.Second))
				mt, b, err := p.ws.ReadMessage()
				if err != nil {
					t.Errorf("receiver: %v after %d events", err, n)
					return
				}
				if mt != websocket.BinaryMessage {
					if len(b) > 0 && b[0] == '2' {
						p.ws.WriteMessage(websocket.TextMessage, []byte("3"))
					}
					n--
					continue
				}
				now := time.Now()
				if gap := now.Sub(last).Nanoseconds(); gap > maxGapNs.Load() {
					maxGapNs.Store(gap)
				}
				last = now
				received.Add(1)
			}
		}()
	}
	payload := strings.Repeat("x", 80) // a ~100-byte packet
	start := time.Now()
	var slowestEmit time.Duration
	for i := 0; i < events; i++ {
		t0 := time.Now()
		if err := srv.Emit("tick", i, payload); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(t0); d > slowestEmit {
			slowestEmit = d
		}
		if i%10 == 9 {
			time.Sleep(5 * time.Millisecond) // about 2,000 events a second
		}
	}
	wg.Wait()
	t.Logf("%d events to %d clients in %v; slowest Emit %v; max receive gap %v",
		events, others, time.Since(start), slowestEmit, time.Duration(maxGapNs.Load()))
	if got := received.Load(); got != others*events {
		t.Fatalf("others received %d of %d events", got, others*events)
	}
	select {
	case r := <-rs.ch:
		if r != ReasonSlowClient {
			t.Fatalf("frozen client disconnect reason %q, want %q", r, ReasonSlowClient)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("frozen client was not dropped")
	}
	if frozenSock.Connected() {
		t.Fatal("frozen socket still connected")
	}
	// A bound far above scheduling noise on a loaded 2-core machine under -race,
	// far below what a blocking send would cost: the frozen client would hold
	// the broadcast until its write deadline (PingInterval+PingTimeout, 45 s).
	if gap := time.Duration(maxGapNs.Load()); gap > 15*time.Second {
		t.Fatalf("a receiver stalled for %v", gap)
	}
	_ = frozen
}

// dialFrozen connects a msgpack client with a 4 KiB receive buffer that
// reads nothing after its CONNECT reply.
func dialFrozen(t *testing.T, base string) *websocket.Conn {
	t.Helper()
	d := websocket.Dialer{
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err == nil {
				c.(*net.TCPConn).SetReadBuffer(4096)
			}
			return c, err
		},
	}
	url := "ws" + strings.TrimPrefix(base, "http") + "/socket.io/?EIO=4&transport=websocket"
	ws, _, err := d.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	if _, _, err := ws.ReadMessage(); err != nil { // open
		t.Fatal(err)
	}
	b, _ := sioparser.EncodeMsgpack(&sioparser.Packet{Type: sioparser.Connect, Namespace: "/"})
	if err := ws.WriteMessage(websocket.BinaryMessage, b); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ws.ReadMessage(); err != nil { // CONNECT reply
		t.Fatal(err)
	}
	return ws
}
