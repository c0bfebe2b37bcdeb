package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tickroom/tickroom/netio/engineio"
	"github.com/tickroom/tickroom/netio/sioparser"
)

// transport carries Engine.IO packets for one engineConn. write is only called by the
// connection's writer, one call at a time; run is the reader loop and returns when the
// transport ends; shutdown unblocks both.
type transport interface {
	name() string
	write(pkts []engineio.Packet) error
	run(c *engineConn) error
	shutdown(graceful bool)
}

// handshake is the Engine.IO open packet.
type handshake struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int64    `json:"pingInterval"`
	PingTimeout  int64    `json:"pingTimeout"`
	MaxPayload   int64    `json:"maxPayload"`
}

func parseHandshake(p engineio.Packet) (handshake, error) {
	var hs handshake
	if p.Type != engineio.PacketOpen || p.Binary {
		return hs, fmt.Errorf("client: expected an open packet, got %v", p.Type)
	}
	if err := json.Unmarshal(p.Data, &hs); err != nil {
		return hs, fmt.Errorf("client: bad handshake: %w", err)
	}
	if hs.SID == "" || hs.PingInterval <= 0 || hs.PingTimeout <= 0 {
		return hs, fmt.Errorf("client: bad handshake %s", p.Data)
	}
	return hs, nil
}

func (hs handshake) offers(t string) bool {
	for _, u := range hs.Upgrades {
		if u == t {
			return true
		}
	}
	return false
}

// connHandler receives what an engineConn reads. onMessage runs on the reader goroutine;
// onClose runs once, after the transport is shut down.
type connHandler interface {
	onMessage(c *engineConn, p engineio.Packet)
	onClose(c *engineConn, reason string, err error)
}

// engineConn is one Engine.IO session seen from the client. Its reader goroutine belongs to
// the current transport; its writer goroutine runs only while packets wait (on demand), so an
// idle connection costs one goroutine.
type engineConn struct {
	h     connHandler        // static
	hs    handshake          // static
	limit int                // static: queue bound for messages
	wg    *sync.WaitGroup    // static: the Manager's, counts every goroutine started here
	ctx   context.Context    // static: canceled on close; bounds polling requests
	stop  context.CancelFunc // static
	done  chan struct{}      // closed on close
	ping  *time.Timer        // static; reset by the reader on each ping
	alive time.Duration      // static: pingInterval + pingTimeout

	// writeMu is held around each transport write: by the writer, by a send writing inline,
	// and by an upgrade.
	writeMu sync.Mutex

	dec sioparser.TextDecoder // owned by the reader goroutine of the moment

	mu      sync.Mutex
	tr      transport         // guarded by mu; swapped by an upgrade
	q       []engineio.Packet // guarded by mu
	writing bool              // guarded by mu: a writer goroutine is running
	parked  bool              // guarded by mu: that writer waits for work (writerLinger)
	wake    chan struct{}     // guarded by mu: wakes a parked writer (capacity 1); nil when it does not linger
	// inlining, guarded by mu: a send writes on its own goroutine (inline). Until it is done
	// no writer takes a batch, since what it could not write goes before the queue.
	inlining bool
	// flush, guarded by mu: the transport holds the tail of frames an inline write left; the
	// writer's next write sends it first.
	flush bool
	// writerEnd and writerStreak, guarded by mu: when the last writer ended, and how many
	// writers in a row started soon after the previous one ended.
	writerEnd    time.Time
	writerStreak uint8
	paused       bool // guarded by mu: an upgrade holds the writer back
	closed       bool // guarded by mu
}

func newEngineConn(h connHandler, hs handshake, tr transport, limit int, wg *sync.WaitGroup) *engineConn {
	ctx, stop := context.WithCancel(context.Background())
	c := &engineConn{
		h: h, hs: hs, limit: limit, wg: wg, ctx: ctx, stop: stop, tr: tr,
		done:  make(chan struct{}),
		alive: time.Duration(hs.PingInterval+hs.PingTimeout) * time.Millisecond,
	}
	c.ping = time.AfterFunc(c.alive, func() { c.close(ReasonPingTimeout, nil, false) })
	return c
}

// start runs the reader of the first transport. pre are packets that arrived with the
// handshake.
func (c *engineConn) start(pre []engineio.Packet) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		for _, p := range pre {
			c.onPacket(p)
		}
		c.readLoop(c.currentTransport())
	}()
}

func (c *engineConn) currentTransport() transport {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tr
}

// Transport is the name of the transport in use.
func (c *engineConn) transportName() string { return c.currentTransport().name() }

func (c *engineConn) readLoop(tr transport) {
	err := tr.run(c)
	c.mu.Lock()
	replaced := c.tr != tr
	c.mu.Unlock()
	if replaced || errors.Is(err, errPaused) {
		return // polling paused by an upgrade: the websocket reader takes over
	}
	reason := ReasonTransportClose
	var pe *parseError
	if errors.As(err, &pe) {
		reason = ReasonParseError
	} else if err != nil && !errors.Is(err, errTransportClosed) {
		reason = ReasonTransportError
	}
	c.close(reason, err, false)
}

// parseError marks a packet the transport could not decode.
type parseError struct{ err error }

func (e *parseError) Error() string { return "client: parse error: " + e.err.Error() }
func (e *parseError) Unwrap() error { return e.err }

// errTransportClosed ends a reader whose peer closed the connection cleanly.
var errTransportClosed = errors.New("client: transport closed")

// onPacket handles one packet read by the current transport's reader.
func (c *engineConn) onPacket(p engineio.Packet) {
	switch p.Type {
	case engineio.PacketPing:
		c.ping.Reset(c.alive)
		// The data is the transport's read buffer: the pong keeps a copy.
		c.sendControl(engineio.Packet{Type: engineio.PacketPong, Data: bytes.Clone(p.Data)})
	case engineio.PacketClose:
		c.close(ReasonTransportClose, nil, false)
	case engineio.PacketMessage:
		c.h.onMessage(c, p)
	}
}

// send queues messages as one unit; it fails with ErrQueueFull past the bound and with
// ErrDisconnected once the connection is closed. It never blocks on the network. On an idle
// WebSocket it writes them itself, with a write that does not block (inline). It never
// closes the connection: callers hold locks (Socket.mu) that closing takes.
func (c *engineConn) send(pkts []engineio.Packet, volatile bool) error {
	return c.sendPackets(pkts, volatile, false)
}

// sendPackets is send; borrowed says the packets' data is a buffer the caller reuses once it
// returns, so that what is queued rather than written at once is copied.
func (c *engineConn) sendPackets(pkts []engineio.Packet, volatile, borrowed bool) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrDisconnected
	}
	if volatile && (len(c.q) > 0 || c.paused) {
		c.mu.Unlock()
		return nil // busy: a volatile packet is dropped, as the npm client does
	}
	if len(c.q)+len(pkts) > c.limit {
		c.mu.Unlock()
		return ErrQueueFull
	}
	if tr, ok := c.inlineLocked(); ok {
		c.inline(tr, pkts, borrowed) // unlocks mu
		return nil
	}
	c.q = appendOwned(c.q, pkts, borrowed)
	c.kickLocked()
	c.mu.Unlock()
	return nil
}

// inlineLocked reports whether a send may write on the caller's goroutine, and if so marks
// it inlining and holds writeMu for it. It may when the transport can write without
// blocking and nothing is ahead of the packets: nothing queued, no tail to flush, no writer
// between taking a batch and writing it (a parked one has written all it took), no upgrade
// under way. A send that finds writeMu held (an upgrade, a graceful close) queues instead:
// TryLock, because mu is held here and a holder of writeMu may wait for mu.
func (c *engineConn) inlineLocked() (*wsTransport, bool) {
	if c.paused || c.inlining || len(c.q) > 0 || c.flush || c.writing && !c.parked {
		return nil, false
	}
	tr, ok := c.tr.(*wsTransport)
	if !ok || tr.nb == nil || !c.writeMu.TryLock() {
		return nil, false
	}
	c.inlining = true
	return tr, true
}

// inline writes pkts on the caller's goroutine; it is called with mu and writeMu held and
// releases both. What the socket does not take is left to the writer goroutine: the packets
// go to the front of the queue (sends meanwhile queued behind them, and no writer took
// them: see inlining), or the tail of a frame stays in the transport, which writes it before
// anything else. A failed write is left to the writer too, which meets the error and closes
// the connection on its own goroutine: the caller holds Socket.mu, which closing takes, and
// handlers must not run on it.
func (c *engineConn) inline(tr *wsTransport, pkts []engineio.Packet, borrowed bool) {
	c.mu.Unlock()
	res := tr.tryWrite(pkts)
	c.mu.Lock()
	c.inlining = false
	switch {
	case c.closed:
	case res == inlineNotWritten:
		q := make([]engineio.Packet, 0, len(pkts)+len(c.q))
		c.q = append(appendOwned(q, pkts, borrowed), c.q...)
	case res == inlineTail:
		c.flush = true
	}
	c.kickLocked()
	c.mu.Unlock()
	c.writeMu.Unlock()
}

// appendOwned appends pkts to dst, each packet's data copied when it is borrowed.
func appendOwned(dst, pkts []engineio.Packet, borrowed bool) []engineio.Packet {
	for _, p := range pkts {
		if borrowed {
			p.Data = bytes.Clone(p.Data)
		}
		dst = append(dst, p)
	}
	return dst
}

// sendControl queues a packet past the bound: pongs must go out even when data backs up.
func (c *engineConn) sendControl(p engineio.Packet) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.q = append(c.q, p)
	c.kickLocked()
}

func (c *engineConn) kickLocked() {
	if c.paused || c.inlining || len(c.q) == 0 && !c.flush {
		return
	}
	if c.writing {
		if c.parked {
			c.parked = false
			select {
			case c.wake <- struct{}{}:
			default:
			}
		}
		return
	}
	c.writing = true
	if !c.writerEnd.IsZero() && time.Since(c.writerEnd) < writerLinger {
		c.writerStreak = min(c.writerStreak+1, lingerStreak)
	} else {
		c.writerStreak = 0
	}
	if c.writerStreak >= lingerStreak {
		c.wake = make(chan struct{}, 1) // busy: this writer lingers
	}
	c.wg.Add(1)
	go c.writeLoop(c.wake)
}

// writerEndedLocked records that the writer goroutine ends.
func (c *engineConn) writerEndedLocked() {
	c.writing, c.parked, c.wake = false, false, nil
	c.writerEnd = time.Now()
}

// writerLinger is how long the writer goroutine waits for more to write before it ends. A
// bot sends input every tick: a fresh writer per input grew a stack and started a goroutine
// each time, a large share of a bot's CPU. Only a busy connection's writer lingers
// (lingerStreak quick starts in a row), so a quiet client keeps no writer and allocates
// nothing for one.
const writerLinger = time.Second

// lingerStreak is how many quick writer starts in a row make a connection busy.
const lingerStreak = 2

// writeLoop writes queued packets; with nothing queued it parks for up to writerLinger, then
// ends. It ends at once when the connection closes or an upgrade pauses it.
func (c *engineConn) writeLoop(wake chan struct{}) {
	defer c.wg.Done()
	var batch []engineio.Packet
	var linger *time.Timer
	defer func() {
		if linger != nil {
			linger.Stop()
		}
	}()
	for {
		c.mu.Lock()
		idle := len(c.q) == 0 && !c.flush || c.inlining // an inline send's kick wakes it
		if c.closed || c.paused || idle && (c.parked || wake == nil) {
			c.writerEndedLocked()
			c.mu.Unlock()
			return
		}
		if idle {
			c.parked = true
			c.mu.Unlock()
			if linger == nil {
				linger = time.NewTimer(writerLinger)
			} else {
				linger.Reset(writerLinger)
			}
			select {
			case <-wake: // kickLocked cleared parked
			case <-linger.C: // still parked: the next round ends the writer
			case <-c.done:
			}
			continue
		}
		batch, c.q = c.q, batch[:0]
		c.flush = false // the transport writes its tail before the batch
		tr := c.tr
		c.mu.Unlock()

		c.writeMu.Lock()
		err := tr.write(batch)
		c.writeMu.Unlock()
		clear(batch)
		if err != nil {
			if !errors.Is(err, errCloseSent) { // else the connection is ending: see errCloseSent
				c.close(ReasonTransportError, err, false)
			}
			c.mu.Lock()
			c.writerEndedLocked()
			c.mu.Unlock()
			return
		}
	}
}

// close ends the connection once. A graceful close (the client chose it) first writes what
// is queued, so a DISCONNECT sent just before reaches the server, and ends the transport the
// polite way. The handler is told last.
func (c *engineConn) close(reason string, err error, graceful bool) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	rest, flush := c.q, c.flush
	c.q = nil
	c.mu.Unlock()
	c.ping.Stop()
	close(c.done) // releases an upgrade waiting for polling to pause
	if graceful && (len(rest) > 0 || flush) {
		c.writeMu.Lock() // after the write in flight, if any
		_ = c.currentTransport().write(rest)
		c.writeMu.Unlock()
	}
	c.stop()
	c.currentTransport().shutdown(graceful)
	c.h.onClose(c, reason, err)
}

func (c *engineConn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}
