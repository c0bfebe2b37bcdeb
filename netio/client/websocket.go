package client

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
	"github.com/tickroom/tickroom/netio/engineio"
)

// wsTransport is Engine.IO over one WebSocket: a text frame per text packet, a binary frame
// per binary message. gorilla/websocket reads the frames; the transport writes its own (a
// client's frames are masked), so that a write that must not block (tryWrite) can go straight
// to the socket, and so that every frame, the pong and close frames gorilla would write
// included, goes out in order under one lock.
type wsTransport struct {
	ws           *websocket.Conn    // static
	conn         net.Conn           // static: ws.NetConn(), where frames are written
	nb           *nonblockingWriter // static: for writes that must not block; nil when conn has no raw descriptor (TLS)
	writeTimeout time.Duration      // static
	readBuf      []byte             // the reader's: every message is read into it (see run)

	// mu is held around every write to conn: a channel of capacity 1 rather than a
	// sync.Mutex, so that the reader answering a ping gives up after a while (lockBefore)
	// instead of waiting behind a write blocked on a full socket, as gorilla's own
	// WriteControl gives up.
	mu       chan struct{}
	deadline time.Time // guarded by mu: the write deadline last set
	out      []byte    // guarded by mu: the frames being written
	// tail, guarded by mu, is what a write that must not block left unwritten of its frames;
	// the next write sends it first.
	tail []byte
	// broken, guarded by mu, is the error of a write that may have cut a frame: no frame may
	// follow a cut one, so every later write fails with it and the connection closes (gorilla
	// marks its connection dead after a write error the same way).
	broken *writeError
}

// writeError is what a write that may have cut a frame failed with: the connection is dead.
type writeError struct{ err error }

func (e *writeError) Error() string { return "client: websocket write: " + e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

// controlWait bounds a control frame's write, the wait for mu included, as gorilla bounds
// its pong.
const controlWait = time.Second

func newWSTransport(ws *websocket.Conn, writeTimeout time.Duration) *wsTransport {
	t := newFrameWriter(ws.NetConn(), writeTimeout)
	t.ws = ws
	// gorilla answers a ping and a close frame by writing a frame of its own, which would
	// bypass mu: the transport writes those answers itself. (The close frame gorilla writes
	// on a protocol error it reads still bypasses mu: the connection ends then anyway.)
	ws.SetPingHandler(func(data string) error {
		// A pong given up on is no reason to stop reading, as with gorilla's own handler;
		// a cut frame is (writeControl fails only then).
		return t.writeControl(websocket.PongMessage, []byte(data), time.Now().Add(controlWait))
	})
	ws.SetCloseHandler(func(code int, _ string) error {
		_ = t.writeControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, ""), time.Now().Add(controlWait))
		return nil
	})
	return t
}

// newFrameWriter is the writing half of a transport on conn.
func newFrameWriter(conn net.Conn, writeTimeout time.Duration) *wsTransport {
	t := &wsTransport{conn: conn, writeTimeout: writeTimeout, mu: make(chan struct{}, 1)}
	if sc, ok := conn.(syscall.Conn); ok && nonblockingWrites {
		if raw, err := sc.SyscallConn(); err == nil {
			t.nb = newNonblockingWriter(raw)
		}
	}
	return t
}

func (t *wsTransport) lock()   { t.mu <- struct{}{} }
func (t *wsTransport) unlock() { <-t.mu }

func (t *wsTransport) tryLock() bool {
	select {
	case t.mu <- struct{}{}:
		return true
	default:
		return false
	}
}

// lockBefore takes mu unless deadline passes first.
func (t *wsTransport) lockBefore(deadline time.Time) bool {
	if t.tryLock() {
		return true
	}
	wait := time.NewTimer(time.Until(deadline))
	defer wait.Stop()
	select {
	case t.mu <- struct{}{}:
		return true
	case <-wait.C:
		return false
	}
}

func (t *wsTransport) name() string { return engineio.TransportWebSocket }

// write writes pkts, after any tail, blocking until done or the write deadline passes.
func (t *wsTransport) write(pkts []engineio.Packet) error {
	t.lock()
	defer t.unlock()
	if t.broken != nil {
		return t.broken
	}
	t.out = appendFrames(append(t.out[:0], t.tail...), pkts)
	t.tail = t.tail[:0]
	t.moveDeadline()
	_, err := t.conn.Write(t.out)
	t.trimOut()
	if err != nil {
		t.broken = &writeError{err}
		return t.broken
	}
	return nil
}

// moveDeadline sets the write deadline writeTimeout ahead once a quarter of it has passed:
// setting it on every write cost more than the check (docs/benchmarks.md). Every write of
// data moves it, tryWrite's included: the raw connection fails even a write that would not
// block once the deadline has passed, and a control frame leaves a short one. Called with mu
// held.
func (t *wsTransport) moveDeadline() {
	if now := time.Now(); t.deadline.Sub(now) < t.writeTimeout-t.writeTimeout/4 {
		t.deadline = now.Add(t.writeTimeout)
		_ = t.conn.SetWriteDeadline(t.deadline)
	}
}

// inlineResult is what tryWrite did with its packets.
type inlineResult uint8

const (
	inlineNotWritten inlineResult = iota // nothing written: queue the packets
	inlineWritten                        // every byte is on the socket
	// inlineTail: written in part; the rest waits in tail for write, or the write failed
	// partway and write fails with that error.
	inlineTail
)

// tryWrite writes pkts with one system call that does not block, on the caller's goroutine:
// an Emit on an idle connection then costs no goroutine switch to a writer. It writes
// nothing when another write holds the socket, the transport has no raw connection, or a
// tail is waiting; what the socket did not take stays in tail. It returns no error: the
// caller holds locks that closing the connection takes (Socket.mu), so a failure is left to
// the writer goroutine, whose write meets it again (or the broken error) and closes.
func (t *wsTransport) tryWrite(pkts []engineio.Packet) inlineResult {
	if t.nb == nil || !t.tryLock() {
		return inlineNotWritten
	}
	defer t.unlock()
	if len(t.tail) > 0 || t.broken != nil {
		return inlineNotWritten
	}
	t.moveDeadline()
	t.out = appendFrames(t.out[:0], pkts)
	n, err := t.nb.writeNonblocking(t.out)
	res := inlineWritten
	switch {
	case n == 0: // a full socket, or an error the writer meets again
		res = inlineNotWritten
	case err != nil:
		t.broken = &writeError{err}
		res = inlineTail
	case n < len(t.out):
		t.tail = append(t.tail[:0], t.out[n:]...)
		res = inlineTail
	}
	t.trimOut()
	return res
}

// trimOut drops a write buffer grown by a large message, so that an idle connection does not
// keep it.
func (t *wsTransport) trimOut() {
	if cap(t.out) > maxKeptBuffer {
		t.out = nil
	}
}

// maxKeptBuffer is the largest read or write buffer a connection keeps between messages.
const maxKeptBuffer = 64 << 10

// writeControl writes a control frame after any tail, giving up at deadline. It fails only
// when the connection is broken (a write cut a frame, now or before); a frame given up on
// with nothing written (mu stayed held, or the socket took nothing) leaves the stream whole.
func (t *wsTransport) writeControl(op int, data []byte, deadline time.Time) error {
	if !t.lockBefore(deadline) {
		return nil
	}
	defer t.unlock()
	if t.broken != nil {
		return t.broken
	}
	t.out = appendFrame(append(t.out[:0], t.tail...), byte(op), data)
	t.deadline = deadline
	_ = t.conn.SetWriteDeadline(deadline)
	n, err := t.conn.Write(t.out)
	switch {
	case err == nil:
		t.tail = t.tail[:0]
	case n > 0:
		t.broken = &writeError{err}
		return t.broken
	}
	return nil // nothing written: the tail, if any, still waits
}

// appendFrames appends one WebSocket frame per packet: binary packets as binary frames, the
// others as text frames holding the Engine.IO text packet.
func appendFrames(dst []byte, pkts []engineio.Packet) []byte {
	for _, p := range pkts {
		if p.Binary {
			dst = appendFrame(dst, websocket.BinaryMessage, p.Data)
		} else {
			dst = appendTextFrame(dst, p)
		}
	}
	return dst
}

// appendFrame appends one final frame of opcode op holding payload, masked as a client's
// frames must be (RFC 6455, section 5.3).
func appendFrame(dst []byte, op byte, payload []byte) []byte {
	dst = appendFrameHeader(dst, op, len(payload))
	start := len(dst)
	dst = append(dst, payload...)
	maskPayload(dst[start:], dst[start-4:start])
	return dst
}

// appendTextFrame appends p as a text frame, the packet written straight into the frame.
func appendTextFrame(dst []byte, p engineio.Packet) []byte {
	dst = appendFrameHeader(dst, websocket.TextMessage, 1+len(p.Data))
	start := len(dst)
	dst = append(append(dst, '0'+byte(p.Type)), p.Data...)
	maskPayload(dst[start:], dst[start-4:start])
	return dst
}

// appendFrameHeader appends a final frame's header for n payload bytes, the masking key last.
func appendFrameHeader(dst []byte, op byte, n int) []byte {
	const fin, masked = 0x80, 0x80
	switch {
	case n <= 125:
		dst = append(dst, fin|op, masked|byte(n))
	case n <= 65535:
		dst = append(dst, fin|op, masked|126, byte(n>>8), byte(n))
	default:
		dst = binary.BigEndian.AppendUint64(append(dst, fin|op, masked|127), uint64(n))
	}
	return binary.LittleEndian.AppendUint32(dst, rand.Uint32())
}

// maskPayload XORs b with the 4-byte key, eight bytes at a time where it can.
func maskPayload(b, key []byte) {
	k := binary.LittleEndian.Uint32(key)
	k8 := uint64(k) | uint64(k)<<32
	i := 0
	for ; i+8 <= len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], binary.LittleEndian.Uint64(b[i:])^k8)
	}
	for ; i < len(b); i++ {
		b[i] ^= key[i&3]
	}
}

func (t *wsTransport) run(c *engineConn) error {
	for {
		p, err := t.read()
		if err != nil {
			return err
		}
		c.onPacket(p)
	}
}

// read reads one message into readBuf: the packet's data is valid until the next read. Every
// consumer copies what it keeps (the parsers' decoders copy, and a ping's data is copied into
// its pong), so a message costs no allocation.
func (t *wsTransport) read() (engineio.Packet, error) {
	mt, r, err := t.ws.NextReader()
	if err != nil {
		return engineio.Packet{}, wsReadError(err)
	}
	buf := t.readBuf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, 512)
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return engineio.Packet{}, wsReadError(err)
		}
	}
	if cap(buf) <= maxKeptBuffer {
		t.readBuf = buf
	} else {
		t.readBuf = nil
	}
	return wsPacket(mt, buf)
}

// readWSPacket reads one frame as a packet whose data is its own; a clean end of the
// connection is errTransportClosed and a bad text frame a *parseError.
func readWSPacket(ws *websocket.Conn) (engineio.Packet, error) {
	mt, data, err := ws.ReadMessage()
	if err != nil {
		return engineio.Packet{}, wsReadError(err)
	}
	return wsPacket(mt, data)
}

// wsReadError maps the end of the connection, clean or not, to errTransportClosed; a broken
// write stays itself.
func wsReadError(err error) error {
	var we *writeError
	if errors.As(err, &we) {
		return err // the ping handler's answer cut a frame: a transport error
	}
	var ce *websocket.CloseError
	var ne net.Error
	if errors.As(err, &ce) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || errors.As(err, &ne) {
		return errTransportClosed
	}
	return err
}

// wsPacket makes the packet of a message of type mt.
func wsPacket(mt int, data []byte) (engineio.Packet, error) {
	if mt == websocket.BinaryMessage {
		return engineio.Packet{Type: engineio.PacketMessage, Binary: true, Data: data}, nil
	}
	p, err := engineio.DecodePacket(data)
	if err != nil {
		return p, &parseError{err}
	}
	return p, nil
}

func (t *wsTransport) shutdown(graceful bool) {
	if graceful {
		_ = t.writeControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	}
	_ = t.conn.Close()
}

// dialWebSocket opens the Engine.IO WebSocket, for a new session (sid empty) or to upgrade one.
func (m *Manager) dialWebSocket(ctx context.Context, sid string) (*websocket.Conn, error) {
	u := m.engineURL(engineio.TransportWebSocket, sid)
	switch u.Scheme {
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	}
	d := websocket.Dialer{
		Proxy:            http.ProxyFromEnvironment,
		HandshakeTimeout: m.opts.ConnectTimeout,
		ReadBufferSize:   m.opts.WebSocketReadBufferSize,
		WriteBufferSize:  m.opts.WebSocketWriteBufferSize,
		WriteBufferPool:  m.wsPool,
	}
	if m.opts.HTTPClient != nil && m.opts.HTTPClient.Jar != nil {
		d.Jar = m.opts.HTTPClient.Jar
	}
	ws, resp, err := d.DialContext(ctx, u.String(), m.opts.Header)
	var refused []byte
	if resp != nil && resp.Body != nil {
		if err != nil {
			refused, _ = io.ReadAll(io.LimitReader(resp.Body, 512))
		}
		resp.Body.Close()
	}
	if errors.Is(err, websocket.ErrBadHandshake) && resp != nil {
		// The server's answer says why (a connection cap's 429 or 503, a 403 origin),
		// which gorilla's error leaves out.
		return nil, fmt.Errorf("client: websocket %s: %w: %s: %s", u.Redacted(), err, resp.Status, bytes.TrimSpace(refused))
	}
	if err != nil {
		return nil, err
	}
	return ws, nil
}

// openWebSocket makes a new Engine.IO session over WebSocket: the first frame is the
// handshake.
func (m *Manager) openWebSocket(ctx context.Context) (*engineConn, error) {
	ws, err := m.dialWebSocket(ctx, "")
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { _ = ws.NetConn().Close() })
	p, err := readWSPacket(ws)
	stop()
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	var hs handshake
	if err == nil {
		hs, err = parseHandshake(p)
	}
	if err != nil {
		_ = ws.NetConn().Close()
		return nil, err
	}
	tr := newWSTransport(ws, pingWindow(hs))
	c := newEngineConn(m, hs, tr, m.opts.QueueSize, &m.wg)
	c.start(nil)
	return c, nil
}

func pingWindow(hs handshake) time.Duration {
	return time.Duration(hs.PingInterval+hs.PingTimeout) * time.Millisecond
}
