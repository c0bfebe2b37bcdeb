package soak

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
	"github.com/tickroom/tickroom/netio/client"
)

// The abusers below the game protocol on WebSocket: hand-made sessions (gorilla, for a small
// receive buffer, frames that are not Engine.IO, and never reading): clients that never read,
// garbage frames, oversized messages, handshakes never followed up.

// dialWS opens a WebSocket Engine.IO session; rcvbuf, when positive, shrinks the socket's
// receive buffer before connecting, as a client that wants the server to back up would.
func (e *env) dialWS(ctx context.Context, rcvbuf int) (*websocket.Conn, error) {
	nd := net.Dialer{Timeout: 10 * time.Second}
	if rcvbuf > 0 {
		nd.Control = func(_, _ string, rc syscall.RawConn) error {
			var serr error
			if err := rc.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvbuf)
			}); err != nil {
				return err
			}
			return serr
		}
	}
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second, NetDialContext: nd.DialContext, ReadBufferSize: 1024, WriteBufferSize: 4096}
	ws, res, err := d.DialContext(ctx, "ws://"+e.addr+"/socket.io/?EIO=4&transport=websocket", nil)
	if res != nil && res.Body != nil {
		res.Body.Close()
	}
	return ws, err
}

// writeText writes one text frame within 5 s.
func writeText(ws *websocket.Conn, t *tally, s string) error {
	_ = ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	err := ws.WriteMessage(websocket.TextMessage, []byte(s))
	if err == nil {
		t.wrote(len(s))
	}
	return err
}

// closedWithin reads (and drops) frames until the server ends the connection or d passes, and
// reports whether it ended.
func closedWithin(ws *websocket.Conn, d time.Duration) bool {
	_ = ws.SetReadDeadline(time.Now().Add(d))
	for {
		if _, _, err := ws.ReadMessage(); err != nil {
			var ne net.Error
			return !(errors.As(err, &ne) && ne.Timeout())
		}
	}
}

// isTimeout reports whether err is a deadline passing.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// listRequest is lobby:list with the largest limit and the full rooms, in the text parser.
func listRequest(id int64) string {
	return `42` + strconv.FormatInt(id, 10) + `["lobby:list",{"limit":500,"includeFull":true}]`
}

// measureListAck reads one lobby:list answer once the showcase rooms are up and records its
// size: the check of a client that never reads bounds what the server queued for it in acks.
func (e *env) measureListAck(ctx context.Context, t *tally) {
	for i := 0; i < 100 && len(e.allCodes()) < showcaseOwners; i++ {
		if !sleepCtx(ctx, 100*time.Millisecond) {
			return
		}
	}
	s, err := e.dial(ctx, client.TransportWebSocket, nil)
	if err != nil {
		return
	}
	defer closeSocket(s)
	args, err := s.EmitWithAckContext(ctx, "lobby:list", map[string]any{"limit": 500, "includeFull": true})
	if err == nil && args.Len() == 1 {
		t.max("lobby:list ack bytes", int64(len(args.Raw(0))))
	}
}

func (e *env) allCodes() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.codes...)
}

// tcpSendBufferMax is the most the kernel buffers for one TCP socket it sends on
// (net.ipv4.tcp_wmem's maximum): what a server's socket may hold for a client that never
// reads, on top of the server's own outbox.
func tcpSendBufferMax() int64 {
	b, err := os.ReadFile("/proc/sys/net/ipv4/tcp_wmem")
	if f := strings.Fields(string(b)); err == nil && len(f) == 3 {
		if n, err := strconv.ParseInt(f[2], 10, 64); err == nil {
			return n
		}
	}
	return 4 << 20
}

// outboxBytes is the server's default outbox bound (docs/protocol.md, "Limits").
const outboxBytes = 4 << 20

// writeFailed counts what a client that never reads could not send for another reason than
// its connection closed by the server.
const writeFailed = "write failed"

// neverReadCheck holds a client that never reads its acks to the contract: the server closed
// each of its connections (but the one the window's end cut), after at most as many requests
// as held bytes of acks allow.
func neverReadCheck(name string, held int64) func(t *tally, _ time.Duration) []string {
	return func(t *tally, _ time.Duration) []string {
		x := &expect{name: name}
		ack, closed := t.getMax("lobby:list ack bytes"), t.get("closed by the server")
		x.that(ack > 0, "no lobby:list ack measured")
		x.that(closed > 0, "never closed: %s", t.String())
		x.that(t.sumPrefix(writeFailed)+t.get(connFailed) == 0, "%s", t.String())
		x.that(t.get("connections")-closed-t.get("open at the end") == 0, "%s", t.String())
		if ack > 0 {
			// A batch of requests may overshoot what the server holds: 64 of them.
			bound := held/ack + 64
			most := t.getMax("most requests before the close")
			x.that(most <= bound, "the server took %d requests (%d KB of acks) from a client that never reads them before closing it; %d KB would hold %d",
				most, most*ack>>10, held>>10, bound)
		}
		return x.errs
	}
}

// listNeverRead sends lobby:list 40 times a second on a WebSocket it never reads from: the
// server must close it as a slow client once the acks it queued pass the outbox bound.
func listNeverRead(i int) *abuser {
	name := fmt.Sprintf("lobby:list, never reads %d", i)
	return &abuser{
		name: name,
		desc: "WebSocket, 4 KB receive buffer; lobby:list {limit: 500, includeFull: true} at 40/s, never reads; a new connection once closed",
		run: func(ctx context.Context, e *env, t *tally) {
			e.measureListAck(ctx, t)
			for ctx.Err() == nil {
				ws, err := e.dialWS(ctx, 4096)
				if connectFailed(ctx, t, err) {
					sleepCtx(ctx, time.Second)
					continue
				}
				t.add("connections")
				start, n := time.Now(), int64(0)
				err = writeText(ws, t, "40")
				every(ctx, 25*time.Millisecond, func() bool {
					if err != nil {
						return false
					}
					if err = writeText(ws, t, listRequest(n)); err == nil {
						n++
					}
					return err == nil
				})
				t.addN("requests", n)
				switch {
				case err == nil:
					t.add("open at the end")
				case isTimeout(err):
					t.add(writeFailed + " (stalled 5 s)")
				default:
					t.add("closed by the server")
					t.max("most requests before the close", n)
					t.max("longest time to the close (ms)", time.Since(start).Milliseconds())
				}
				ws.Close()
			}
		},
		// The server's outbox, then the kernel's send buffer, then the client's receive
		// buffer hold the acks the client does not read.
		check: neverReadCheck(name, outboxBytes+tcpSendBufferMax()+1<<20),
	}
}

// halfOpenWS opens WebSocket sessions and never sends anything (no CONNECT, no pong); it reads
// until the server ends each.
func halfOpenWS() *abuser {
	const name = "WebSocket handshakes, never followed up"
	return &abuser{
		name: name,
		desc: "WebSocket upgrade, then silence (reads, never answers a ping), one every 2 s",
		run: func(ctx context.Context, e *env, t *tally) {
			var g group
			var mu sync.Mutex
			var held []*websocket.Conn
			every(ctx, 2*time.Second, func() bool {
				ws, err := e.dialWS(ctx, 0)
				if connectFailed(ctx, t, err) {
					return true
				}
				t.add("handshakes")
				mu.Lock()
				held = append(held, ws)
				mu.Unlock()
				start := time.Now()
				g.spawn(func() {
					for {
						if _, _, err := ws.ReadMessage(); err != nil {
							break
						}
					}
					if ctx.Err() == nil {
						t.add("reaped by the server")
						t.max("longest held (s)", int64(time.Since(start).Seconds()))
					}
				})
				return true
			})
			mu.Lock()
			for _, ws := range held {
				ws.Close()
			}
			mu.Unlock()
			g.wait()
		},
		check: func(t *tally, w time.Duration) []string {
			x := &expect{name: name}
			x.that(t.get("handshakes") > 0 && t.get(connFailed) == 0, "%s", t.String())
			// pingInterval + pingTimeout (and the 45 s connect timeout) end each; a few
			// seconds more for a loaded machine.
			x.that(t.getMax("longest held (s)") <= 55, "a silent session lived %d s", t.getMax("longest held (s)"))
			if w > 55*time.Second {
				x.that(t.get("reaped by the server") > 0, "none reaped in %v", w)
			}
			return x.errs
		},
	}
}

// garbageWS opens WebSocket sessions and sends what no Engine.IO client sends: a binary or a
// text frame of random bytes, or random bytes that are no WebSocket frame at all.
func garbageWS() *abuser {
	const name = "garbage WebSocket frames"
	return &abuser{
		name: name,
		desc: "WebSocket upgrade, then a frame of 1..2000 random bytes (binary or text) or raw random bytes; 3 connections/s",
		run: func(ctx context.Context, e *env, t *tally) {
			rng := e.rng(name)
			n := 0
			every(ctx, 333*time.Millisecond, func() bool {
				ws, err := e.dialWS(ctx, 0)
				if connectFailed(ctx, t, err) {
					return true
				}
				defer ws.Close()
				junk := make([]byte, 1+rng.IntN(2000))
				for i := range junk {
					junk[i] = byte(rng.UintN(256))
				}
				var kind string
				_ = ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
				switch n++; n % 3 {
				case 0:
					kind, err = "binary frame", ws.WriteMessage(websocket.BinaryMessage, junk)
				case 1:
					// A text frame must be UTF-8 to pass the WebSocket layer: the garbage is
					// then the Engine.IO and Socket.IO packet inside.
					kind, err = "text frame", ws.WriteMessage(websocket.TextMessage, []byte(strings.ToValidUTF8(string(junk), "?")))
				default:
					kind = "raw bytes"
					_, err = ws.NetConn().Write(junk)
				}
				t.wrote(len(junk))
				switch {
				case err != nil:
					t.add(kind + ": write failed")
				case closedWithin(ws, 3*time.Second):
					t.add(kind + ": closed by the server")
				default:
					t.add(kind + ": still open after 3 s")
				}
				return true
			})
		},
		check: func(t *tally, _ time.Duration) []string {
			x := &expect{name: name}
			x.that(t.get(connFailed) == 0, "%d connects failed", t.get(connFailed))
			x.that(t.sumPrefix("binary frame: closed")+t.sumPrefix("raw bytes: closed") > 0, "%s", t.String())
			x.that(t.get("binary frame: still open after 3 s")+t.get("raw bytes: still open after 3 s") == 0,
				"binary garbage or broken framing left open: %s", t.String())
			return x.errs
		},
	}
}

// oversizedFrames sends a WebSocket message and a polling body over maxHttpBufferSize (1 MB),
// in turn, every 3 s: the WebSocket must be closed, the POST answered 413.
func oversizedFrames() *abuser {
	const name = "messages over maxHttpBufferSize"
	return &abuser{
		name: name,
		desc: "a 1.1 MB WebSocket text message or polling POST body, in turn, every 3 s",
		run: func(ctx context.Context, e *env, t *tally) {
			p := newPolling(e)
			defer p.close()
			big := `42["lobby:list",{"pad":"` + strings.Repeat("x", 1100<<10) + `"}]`
			n := 0
			every(ctx, 3*time.Second, func() bool {
				if n++; n%2 == 0 {
					sid, err := p.handshake(ctx)
					if connectFailed(ctx, t, err) {
						return true
					}
					status, _, err := p.do(ctx, http.MethodPost, sid, big)
					switch {
					case ctx.Err() != nil:
					case err != nil:
						t.add("POST: failed while sending")
					default:
						t.add(fmt.Sprintf("POST: answered %d", status))
					}
					t.wrote(len(big))
					return true
				}
				ws, err := e.dialWS(ctx, 0)
				if connectFailed(ctx, t, err) {
					return true
				}
				defer ws.Close()
				err = writeText(ws, t, "40")
				if err == nil {
					err = writeText(ws, t, big)
				}
				switch {
				case err != nil:
					t.add("WebSocket: write failed (closed)")
				case closedWithin(ws, 5*time.Second):
					t.add("WebSocket: closed by the server")
				default:
					t.add("WebSocket: still open after 5 s")
				}
				return true
			})
		},
		check: func(t *tally, _ time.Duration) []string {
			x := &expect{name: name}
			x.that(t.get(connFailed) == 0, "%d connects failed", t.get(connFailed))
			x.that(t.get("WebSocket: still open after 5 s") == 0, "an oversized message left the connection open: %s", t.String())
			x.that(t.get("POST: answered 413") > 0 && t.sumPrefix("POST: answered")-t.get("POST: answered 413") == 0, "%s", t.String())
			return x.errs
		},
	}
}
