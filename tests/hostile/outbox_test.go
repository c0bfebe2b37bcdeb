package hostile

import (
	"bytes"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tickroom/tickroom/netio/engineio"
	"github.com/tickroom/tickroom/netio/socketio"
)

// blobSize is the payload the server answers each "give" with.
const blobSize = 58 << 10

// TestSlowReader: a client asks for 300 payloads of 58 KB (17 MB) and never reads them.
// The server queues at most 4 MB for it, then closes it as a slow client; the heap does not
// keep what the client refused to read, and nobody else notices.
func TestSlowReader(t *testing.T) {
	for _, tr := range []string{"websocket", "polling"} {
		t.Run(tr, func(t *testing.T) {
			var accepted atomic.Int64
			reasons := make(chan string, 4)
			// A small kernel send buffer, so what the server accepted is what it queued: with
			// the default one the kernel takes up to tcp_wmem's maximum (4 MB here) on top,
			// outside the heap and outside MaxOutboxBytes.
			tg := start(t, func(c *socketio.Config) { c.Engine.WebSocketSendBuffer = 16 << 10 }, func(srv *socketio.Server) {
				srv.Of("/big").OnConnection(func(s *socketio.Socket) {
					s.OnDisconnect(func(reason string) { reasons <- reason })
					s.On("give", func(s *socketio.Socket, _ socketio.Args, _ socketio.Ack) {
						// A fresh payload each time, as a real server's state would be.
						if s.Emit("blob", strings.Repeat("b", blobSize)) == nil {
							accepted.Add(1)
						}
					})
				})
			})
			by := newBystanders(t, tg)
			before := liveHeap()
			if tr == "websocket" {
				askWebSocket(t, tg)
			} else {
				askPolling(t, tg)
			}
			select {
			case r := <-reasons:
				if r != socketio.ReasonSlowClient {
					t.Fatalf("closed with %q, want %q", r, socketio.ReasonSlowClient)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("not closed: %d payloads of 58 KB accepted", accepted.Load())
			}
			// What the server took before closing: its 4 MB, plus the payload being written
			// and what the kernel's small buffers swallowed.
			queued := accepted.Load() * blobSize
			if queued > engineio.DefaultMaxOutboxBytes+2*blobSize {
				t.Fatalf("%d payloads (%s) accepted before the close", accepted.Load(), mb(queued))
			}
			after := liveHeap()
			if grew := int64(after) - int64(before); grew > 2<<20 {
				t.Fatalf("the heap grew by %s", mb(grew))
			}
			t.Logf("%d payloads (%s) accepted, heap %+d bytes after the close", accepted.Load(), mb(queued), int64(after)-int64(before))
			if st := tg.srv.Stats().Engine; st.SlowClients != 1 {
				t.Fatalf("stats %+v", st)
			}
			by.check(t)
		})
	}
}

// askWebSocket joins /big over a websocket with a small receive buffer and asks 300 times,
// in one write, never to read again.
func askWebSocket(t *testing.T, tg *target) {
	w := dialWS(t, tg.addr, 4096)
	w.text(`40/big,`)
	if _, p := w.next(); !strings.HasPrefix(string(p), `40/big,`) {
		t.Fatalf("CONNECT answered %q", p)
	}
	var burst bytes.Buffer
	for i := 0; i < 300; i++ {
		burst.Write(frame(1, []byte(`42/big,["give"]`)))
	}
	w.c.Write(burst.Bytes())
}

// askPolling joins /big over polling and asks 300 times in one POST, never polling.
func askPolling(t *testing.T, tg *target) {
	_, _, body := rawRequest(t, tg.addr, pollingHandshake())
	sid := sidOf(t, body)
	post := func(payload string) {
		rawRequest(t, tg.addr, "POST /socket.io/?EIO=4&transport=polling&sid="+sid+" HTTP/1.1\r\nHost: game.example\r\n"+
			"Content-Type: text/plain;charset=UTF-8\r\nContent-Length: "+strconv.Itoa(len(payload))+"\r\n\r\n"+payload)
	}
	post(`40/big,`)
	asks := make([]string, 300)
	for i := range asks {
		asks[i] = `42/big,["give"]`
	}
	post(strings.Join(asks, "\x1e"))
}
