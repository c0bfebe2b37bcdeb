package engineio

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// BenchmarkWebSocketSend measures the server sending 100-byte text messages to N real
// loopback websocket clients; each b.N iteration is one message to every client.
func BenchmarkWebSocketSend(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) {
			cfg := DefaultConfig()
			cfg.OutboxSize = 1 << 16
			sessions := make(chan *Session, n)
			srv, _ := NewServer(&cfg, func(s *Session) { sessions <- s })
			hs := httptest.NewServer(srv)
			defer hs.Close()
			defer srv.Close()
			url := "ws" + strings.TrimPrefix(hs.URL, "http") + "/engine.io/?EIO=4&transport=websocket"
			var wg sync.WaitGroup
			conns := make([]*websocket.Conn, n)
			list := make([]*Session, n)
			for i := range conns {
				c, _, err := websocket.DefaultDialer.Dial(url, nil)
				if err != nil {
					b.Fatal(err)
				}
				c.ReadMessage() // open
				conns[i] = c
				list[i] = <-sessions
			}
			msg := Message{Data: []byte(strings.Repeat("x", 100))}
			b.ResetTimer()
			received := make([]atomic.Int64, n)
			for i, c := range conns {
				wg.Add(1)
				go func(c *websocket.Conn, got *atomic.Int64) {
					defer wg.Done()
					for got.Load() < int64(b.N) {
						_, r, err := c.NextReader()
						if err != nil {
							b.Error(err)
							return
						}
						var buf [128]byte
						for {
							if _, err := r.Read(buf[:]); err != nil {
								break
							}
						}
						got.Add(1)
					}
				}(c, &received[i])
			}
			start := time.Now()
			for i := 0; i < b.N; i++ {
				if i%1024 == 0 { // stay within the outbox: wait for laggards
					for j := range received {
						for int64(i)-received[j].Load() > 8192 {
							time.Sleep(100 * time.Microsecond)
						}
					}
				}
				for _, s := range list {
					if s.Send(msg) == ErrSlowClient {
						b.Fatal("slow client")
					}
				}
			}
			wg.Wait()
			b.ReportMetric(float64(b.N*n)/time.Since(start).Seconds(), "frames/s")
			for _, c := range conns {
				c.Close()
			}
		})
	}
}

// countSess counts a session's messages and signals when the count reaches want.
type countSess struct {
	n    atomic.Int64
	want int64
	done chan struct{}
}

func (h *countSess) OnMessage(Message) {
	if h.n.Add(1) == h.want {
		close(h.done)
	}
}

func (h *countSess) OnClose(string, error) {}

// BenchmarkWebSocketReceive measures the server reading client frames: one raw client sends
// small masked text messages, perWrite frames in each write, as fast as the server takes
// them; each b.N iteration is one message read, parsed, unmasked and delivered.
func BenchmarkWebSocketReceive(b *testing.B) {
	for _, perWrite := range []int{1, 16} {
		b.Run(fmt.Sprintf("frames/write=%d", perWrite), func(b *testing.B) {
			cfg := DefaultConfig()
			h := &countSess{want: int64(b.N), done: make(chan struct{})}
			srv, _ := NewServer(&cfg, func(s *Session) { s.SetHandler(h) })
			hs := httptest.NewServer(srv)
			defer hs.Close()
			defer srv.Close()
			rc := (&env{hs: hs}).dialRawQuery(b, "EIO=4&transport=websocket", "")
			rc.read() // open
			burst := bytes.Repeat(clientFrame(fin(opText), []byte("4"+strings.Repeat("i", 40)), true), perWrite)
			frameLen := len(burst) / perWrite
			b.ReportAllocs()
			b.ResetTimer()
			for left := b.N; left > 0; left -= perWrite {
				k := min(left, perWrite)
				if _, err := rc.c.Write(burst[:k*frameLen]); err != nil {
					b.Fatal(err)
				}
			}
			select {
			case <-h.done:
			case <-time.After(time.Minute):
				b.Fatalf("%d of %d messages", h.n.Load(), b.N)
			}
			b.StopTimer()
			rc.c.Close() // the server's close then ends without waiting for a close frame
		})
	}
}

// BenchmarkReadFrames measures the reader's own work per frame, with no socket: 64 small
// masked text frames already buffered are parsed, unmasked and assembled into messages (a
// draining reader then drops them). Each b.N iteration is one frame.
func BenchmarkReadFrames(b *testing.B) {
	cfg := DefaultConfig()
	srv, _ := NewServer(&cfg, nil)
	defer srv.Close()
	const frames = 64
	buf := bytes.Repeat(clientFrame(fin(opText), []byte("4"+strings.Repeat("i", 40)), true), frames)
	r := &wsReader{s: &Session{srv: srv}, mode: readDrain, buf: &readBuf{b: buf}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += frames {
		r.r, r.w = 0, len(buf)
		for r.r < r.w {
			if err := r.frame(); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkIdleWebSocketMemory opens idle websocket sessions from raw TCP clients (no client
// goroutines or buffers), each sending one message, and reports heap plus stack growth per
// connection. The figure
// includes the client's own net.Conn, so the server's share is a little lower.
func BenchmarkIdleWebSocketMemory(b *testing.B) {
	const n = 2000
	for i := 0; i < b.N; i++ {
		cfg := DefaultConfig()
		srv, _ := NewServer(&cfg, nil)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		hsrv := &http.Server{Handler: srv}
		go hsrv.Serve(ln)
		addr := ln.Addr().String()
		before, beforeStack := memUse()
		conns := make([]net.Conn, 0, n)
		for j := 0; j < n; j++ {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				b.Fatal(err)
			}
			fmt.Fprintf(c, "GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
			br := bufio.NewReader(c)
			for { // 101 response headers, then the open packet frame
				line, err := br.ReadString('\n')
				if err != nil {
					b.Fatal(err)
				}
				if line == "\r\n" {
					break
				}
			}
			hdr := make([]byte, 2)
			br.Read(hdr)
			frame := make([]byte, hdr[1]&0x7f)
			br.Read(frame)
			// One message, so the reader has run a burst before going idle.
			c.Write(clientFrame(fin(opText), []byte("4hello"), true))
			conns = append(conns, c)
		}
		time.Sleep(100 * time.Millisecond) // writers exit
		after, afterStack := memUse()
		b.ReportMetric(float64(after-before)/n, "B/conn")
		b.ReportMetric(float64(afterStack-beforeStack)/n, "stackB/conn")
		b.ReportMetric(float64(runtime.NumGoroutine())/n, "goroutines/conn")
		for _, c := range conns {
			c.Close()
		}
		srv.Close()
		hsrv.Close()
	}
}

func memUse() (total, stack uint64) {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse, m.StackInuse
}

// BenchmarkSessionSend measures Send's own work, with no transport: a polling session with
// no pending poll queues the message; every 512 the queue is taken as a writer would.
func BenchmarkSessionSend(b *testing.B) {
	cfg := DefaultConfig()
	srv, _ := NewServer(&cfg, nil)
	defer srv.Close()
	s := &Session{srv: srv, done: make(chan struct{}), handler: nopHandler{}}
	msg := Message{Binary: true, Data: make([]byte, 100)}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.Send(msg); err != nil {
			b.Fatal(err)
		}
		if i%512 == 511 {
			s.mu.Lock()
			s.out.recycle(s.out.take())
			s.mu.Unlock()
		}
	}
}

// BenchmarkSessionDeliver measures handing one received message to the session's handler:
// the locks, the in-handler bookkeeping and the call.
func BenchmarkSessionDeliver(b *testing.B) {
	cfg := DefaultConfig()
	srv, _ := NewServer(&cfg, nil)
	defer srv.Close()
	s := &Session{srv: srv, done: make(chan struct{}), handler: nopHandler{}}
	p := Packet{Type: PacketMessage, Binary: true, Data: make([]byte, 40)}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.onPacket(p, false)
	}
}
