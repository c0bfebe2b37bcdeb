package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
	"github.com/tickroom/tickroom/netio/sioparser"
	"github.com/vmihailenco/msgpack/v5"
)

// rawClient is a minimal Socket.IO client over one WebSocket with the
// msgpack parser, for what netio/client cannot do: its dialer takes no
// socket options (no small SO_RCVBUF) and it refuses reserved event names.
// One reader goroutine reads every frame, answers pings, hands snapshots to
// the tracker and acks to their waiters.
type rawClient struct {
	*tracker
	ws   *websocket.Conn
	conn *throttledConn

	wmu sync.Mutex // serializes writes

	mu     sync.Mutex
	nextID uint64
	acks   map[uint64]chan []byte // guarded by mu

	connected chan struct{} // closed on the CONNECT reply
	done      chan struct{} // closed when the reader ends
	err       error         // why the reader ended; written before done
}

// dialRaw opens a WebSocket to the server at base (http://host:port/),
// with SO_RCVBUF set to rcvbuf before connecting when rcvbuf > 0, and joins
// the main namespace.
func dialRaw(ctx context.Context, base string, rcvbuf int) (*rawClient, error) {
	c := &rawClient{tracker: newTracker(), acks: map[uint64]chan []byte{}, connected: make(chan struct{}), done: make(chan struct{})}
	nd := net.Dialer{}
	if rcvbuf > 0 {
		// Set before connect(2), so the window the client advertises in its
		// SYN already reflects the small buffer.
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
	d := websocket.Dialer{
		HandshakeTimeout: 10 * time.Second,
		ReadBufferSize:   1024,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			nc, err := nd.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			c.conn = &throttledConn{Conn: nc, chunk: 256}
			return c.conn, nil
		},
	}
	u := "ws://" + strings.TrimPrefix(base, "http://") + "socket.io/?EIO=4&transport=websocket"
	ws, resp, err := d.DialContext(ctx, u, nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		return nil, err
	}
	c.ws = ws
	go c.read()
	select {
	case <-c.connected:
		return c, nil
	case <-c.done:
		return nil, fmt.Errorf("raw client: closed before CONNECT: %v", c.err)
	case <-ctx.Done():
		c.close()
		return nil, ctx.Err()
	}
}

// rcvbuf reads back the kernel's receive buffer size (Linux doubles what
// was asked for, to leave room for its bookkeeping).
func (c *rawClient) rcvbuf() int {
	sc, ok := c.conn.Conn.(syscall.Conn)
	if !ok {
		return 0
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0
	}
	var n int
	_ = rc.Control(func(fd uintptr) { n, _ = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF) })
	return n
}

func (c *rawClient) close() {
	_ = c.ws.NetConn().Close()
	<-c.done
}

func (c *rawClient) write(mt int, b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return c.ws.WriteMessage(mt, b)
}

func (c *rawClient) writePacket(p *sioparser.Packet) error {
	b, err := sioparser.EncodeMsgpack(p)
	if err != nil {
		return err
	}
	return c.write(websocket.BinaryMessage, b)
}

func (c *rawClient) read() {
	defer close(c.done)
	defer func() {
		c.mu.Lock()
		for id, ch := range c.acks {
			close(ch)
			delete(c.acks, id)
		}
		c.mu.Unlock()
	}()
	connected := false
	for {
		mt, data, err := c.ws.ReadMessage()
		if err != nil {
			c.err = err
			return
		}
		if mt == websocket.TextMessage {
			switch {
			case len(data) == 0:
			case data[0] == '0': // Engine.IO open: join "/" with the msgpack parser
				err = c.writePacket(&sioparser.Packet{Type: sioparser.Connect, Namespace: "/"})
			case data[0] == '2': // ping
				err = c.write(websocket.TextMessage, []byte("3"))
			case data[0] == '1':
				c.err = errors.New("raw client: Engine.IO close")
				return
			}
			if err != nil {
				c.err = err
				return
			}
			continue
		}
		p, err := sioparser.DecodeMsgpack(data)
		if err != nil {
			c.err = err
			return
		}
		switch p.Type {
		case sioparser.Connect:
			if !connected {
				connected = true
				close(c.connected)
			}
		case sioparser.Event:
			name, rest, err := sioparser.EventName(p.Data)
			if err == nil && name == "snapshot" {
				if v, _, err := sioparser.SplitValue(rest); err == nil {
					c.apply(v)
				} else {
					c.tracker.mu.Lock()
					c.failf(&c.decodeErrs, "snapshot event: %v", err)
					c.tracker.mu.Unlock()
				}
			}
		case sioparser.Ack:
			var args []msgpack.RawMessage
			_ = msgpack.Unmarshal(p.Data, &args)
			c.mu.Lock()
			ch := c.acks[p.ID]
			delete(c.acks, p.ID)
			c.mu.Unlock()
			if ch != nil && len(args) > 0 {
				ch <- args[0]
			}
		case sioparser.Disconnect, sioparser.ConnectError:
			c.err = fmt.Errorf("raw client: %v", p.Type)
			return
		}
	}
}

// request emits event with payload and an ack id, and waits for the ack.
func (c *rawClient) request(ctx context.Context, event string, payload any, out any) (*ackError, error) {
	data, err := sioparser.EncodeArgs(event, []any{payload})
	if err != nil {
		return nil, err
	}
	ch := make(chan []byte, 1)
	c.mu.Lock()
	id := c.nextID
	c.nextID++
	c.acks[id] = ch
	c.mu.Unlock()
	if err := c.writePacket(&sioparser.Packet{Type: sioparser.Event, Namespace: "/", ID: id, HasID: true, Data: data}); err != nil {
		return nil, err
	}
	select {
	case raw, ok := <-ch:
		if !ok {
			return nil, fmt.Errorf("raw client: connection ended before the ack of %s: %v", event, c.err)
		}
		return decodeAck(raw, out)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// throttledConn caps how fast the client takes bytes out of the kernel:
// each Read returns at most chunk bytes and is followed by a pause that
// keeps the average at rate bytes/s (0: unthrottled). It counts what it
// read.
type throttledConn struct {
	net.Conn
	chunk int
	rate  atomic.Int64 // bytes per second; 0 = unlimited
	total atomic.Int64 // bytes read

	// owned by the reader goroutine
	paceFrom  time.Time
	paceBytes int64
	paceRate  int64
}

func (c *throttledConn) Read(p []byte) (int, error) {
	r := c.rate.Load()
	if r > 0 && len(p) > c.chunk {
		p = p[:c.chunk]
	}
	n, err := c.Conn.Read(p)
	c.total.Add(int64(n))
	if r <= 0 || n == 0 {
		return n, err
	}
	now := time.Now()
	// Restart the pacing when the rate changes or the reader fell idle (no
	// credit is saved up for a burst).
	if r != c.paceRate || now.Sub(c.next()) > 50*time.Millisecond {
		c.paceFrom, c.paceBytes, c.paceRate = now, 0, r
	}
	c.paceBytes += int64(n)
	if d := time.Until(c.next()); d > 0 {
		time.Sleep(d)
	}
	return n, err
}

// next is when the bytes read so far have been paid for.
func (c *throttledConn) next() time.Time {
	if c.paceRate == 0 {
		return time.Time{}
	}
	return c.paceFrom.Add(time.Duration(float64(c.paceBytes) / float64(c.paceRate) * float64(time.Second)))
}
