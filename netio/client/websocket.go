package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
	"github.com/tickroom/tickroom/netio/engineio"
	"github.com/tickroom/tickroom/netio/internal/rawfd"
)

// wsTransport is Engine.IO over one WebSocket: a text frame per text packet, a binary frame
// per binary message. gorilla/websocket does the handshake; the transport reads frames itself
// (frameReader) where the handshake left it the connection, else through gorilla (TLS, a
// proxy: see dialWebSocket). It writes its own frames (a client's frames are masked), so that
// a write that must not block (tryWrite) can go straight to the socket, and so that every
// frame, the pong and close frames gorilla would write included, goes out in order under one
// lock.
type wsTransport struct {
	ws           *websocket.Conn    // static
	conn         net.Conn           // static: where frames are written (and read, by rd)
	nb           *nonblockingWriter // static: for writes that must not block; nil when conn has no raw descriptor (TLS)
	rd           *frameReader       // static: reads the frames; nil: gorilla does
	writeTimeout time.Duration      // static
	readBuf      []byte             // gorilla's reader's: every message is read into it (see read)

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
	// closeSent, guarded by mu, is set once a close frame is written: no data frame may
	// follow it (RFC 6455, section 5.5.1), so later writes fail with errCloseSent.
	closeSent bool
	// ends counts the reader's end and shutdown; the second closes the connection (endOne).
	ends atomic.Int32
}

// endOne records the reader's end or the transport's shutdown; the second of them closes the
// connection. Neither alone may: a handler running inside the reader's read may shut the
// transport down (the read must end first), and a reader that ends before the connection's
// close has recorded why (a server's close frame, its FIN) would let the writer meet a
// closed connection and report that instead.
func (t *wsTransport) endOne() {
	if t.ends.Add(1) == 2 {
		_ = t.conn.Close()
	}
}

// errCloseSent is a write refused after the close frame: the connection is ending, and
// whoever wrote the close frame (the reader answering the server's, or a close) says why.
var errCloseSent = errors.New("client: websocket close frame sent")

// writeError is what a write that may have cut a frame failed with: the connection is dead.
type writeError struct{ err error }

func (e *writeError) Error() string { return "client: websocket write: " + e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

// controlWait bounds a control frame's write, the wait for mu included, as gorilla bounds
// its pong.
const controlWait = time.Second

func newWSTransport(wc *wsConn, writeTimeout time.Duration) *wsTransport {
	t := newFrameWriter(wc.nc, writeTimeout)
	t.ws, t.rd = wc.ws, wc.rd
	ws := wc.ws
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
	if t.closeSent {
		return errCloseSent
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
	if len(t.tail) > 0 || t.broken != nil || t.closeSent {
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
	if t.closeSent {
		return nil // one close frame, and nothing after it
	}
	t.out = appendFrame(append(t.out[:0], t.tail...), byte(op), data)
	t.deadline = deadline
	_ = t.conn.SetWriteDeadline(deadline)
	n, err := t.conn.Write(t.out)
	switch {
	case err == nil:
		t.tail = t.tail[:0]
		t.closeSent = op == websocket.CloseMessage
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
	if t.rd != nil {
		// The reader and shutdown end the connection together (endOne; see frameReader).
		defer t.endOne()
		err := t.rd.run(func(op byte, data []byte) error { return t.onFrame(c, op, data) })
		return wsReadError(t.protocolError(err))
	}
	for {
		p, err := t.read()
		if err != nil {
			return err
		}
		c.onPacket(p)
	}
}

// onFrame handles a frame frameReader read, as gorilla's reader and the handlers set on it in
// newWSTransport would: a ping is answered, a close frame echoed, a message handed on. Its
// data is the reader's buffer, as read's is.
func (t *wsTransport) onFrame(c *engineConn, op byte, data []byte) error {
	switch op {
	case websocket.PingMessage:
		return t.writeControl(websocket.PongMessage, data, time.Now().Add(controlWait))
	case websocket.PongMessage:
		return nil
	case websocket.CloseMessage:
		code, err := closeCode(data)
		if err != nil {
			return err // run answers it
		}
		_ = t.writeControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, ""), time.Now().Add(controlWait))
		return errTransportClosed
	}
	p, err := wsPacket(int(op), data)
	if err != nil {
		return err
	}
	c.onPacket(p)
	return nil
}

// protocolError sends the close frame of a frame the server must not send (err a
// *wsProtocolError: a bad header or close payload), as gorilla's reader does, and returns err.
func (t *wsTransport) protocolError(err error) error {
	var pe *wsProtocolError
	if errors.As(err, &pe) {
		_ = t.writeControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseProtocolError, pe.text), time.Now().Add(controlWait))
	}
	return err
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

// readPacket reads one message as a packet whose data is its own, before the connection has
// a transport (the handshake, an upgrade's probe): control frames are answered through
// gorilla, which nothing else writes to yet. A clean end of the connection is
// errTransportClosed and a bad text frame a *parseError.
func (wc *wsConn) readPacket() (engineio.Packet, error) {
	if wc.rd == nil {
		mt, data, err := wc.ws.ReadMessage()
		if err != nil {
			return engineio.Packet{}, wsReadError(err)
		}
		return wsPacket(mt, data)
	}
	for {
		op, data, err := wc.rd.readFrame()
		if err != nil {
			return engineio.Packet{}, wsReadError(err)
		}
		switch op {
		case websocket.PingMessage:
			// An answer given up on is no reason to stop, as with gorilla's own handler.
			_ = wc.ws.WriteControl(websocket.PongMessage, data, time.Now().Add(controlWait))
			continue
		case websocket.PongMessage:
			continue
		case websocket.CloseMessage:
			code, err := closeCode(data)
			if err != nil {
				var pe *wsProtocolError
				if errors.As(err, &pe) {
					_ = wc.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseProtocolError, pe.text), time.Now().Add(controlWait))
				}
				return engineio.Packet{}, err
			}
			_ = wc.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, ""), time.Now().Add(controlWait))
			return engineio.Packet{}, errTransportClosed
		}
		return wsPacket(int(op), bytes.Clone(data))
	}
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
	if t.rd != nil && t.rd.rc != nil {
		// The reader may be inside a read of the descriptor, running a handler that called
		// this: cut the connection; whichever of the reader's end and this comes second
		// closes it.
		rawfd.Shutdown(t.rd.rc)
		t.endOne()
		return
	}
	_ = t.conn.Close()
}

// wsConn is a WebSocket just dialed.
type wsConn struct {
	ws *websocket.Conn // did the handshake; writes an upgrade's probe and upgrade packets
	nc net.Conn        // where frames are written, and read when rd is set
	rd *frameReader    // nil: gorilla reads the frames
}

// close closes the connection; only before a transport reads it.
func (wc *wsConn) close() { _ = wc.ws.NetConn().Close() }

// dialWebSocket opens the Engine.IO WebSocket, for a new session (sid empty) or to upgrade one.
//
// gorilla does the handshake. On a plain connection with no proxy, the frames are then read by
// a frameReader, which takes the connection over from gorilla: gorilla's reader may hold bytes
// past the handshake's response (a server writes its first frames at once), so the bytes read
// during the handshake are recorded, and the reader starts with what follows the response in
// them. Over TLS or a proxy the recorded bytes would not be the frames, and gorilla reads them.
func (m *Manager) dialWebSocket(ctx context.Context, sid string) (*wsConn, error) {
	u := m.engineURL(engineio.TransportWebSocket, sid)
	switch u.Scheme {
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	}
	var rec *recordingConn // set when the connection may be taken over
	proxied := false
	d := websocket.Dialer{
		Proxy: func(r *http.Request) (*url.URL, error) {
			p, err := http.ProxyFromEnvironment(r)
			proxied = p != nil
			return p, err
		},
		// gorilla's own dial, and the recording of a connection it may take over.
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			var nd net.Dialer
			c, err := nd.DialContext(ctx, network, addr)
			if err != nil || u.Scheme != "ws" || proxied || m.noTakeover {
				return c, err
			}
			rec = &recordingConn{Conn: c}
			return rec, nil
		},
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
	wc := &wsConn{ws: ws, nc: ws.NetConn()}
	if rec != nil {
		if pending, ok := rec.afterResponse(); ok {
			wc.nc = rec.Conn
			wc.rd = newFrameReader(rec.Conn, pending, m.opts.WebSocketReadBufferSize)
		}
	}
	return wc, nil
}

// recordingConn records what is read through it: gorilla's reads during the handshake. Only
// the dialing goroutine uses it until the dial returns, and nothing reads through it after.
type recordingConn struct {
	net.Conn
	rec []byte
}

func (c *recordingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.rec = append(c.rec, b[:n]...)
	return n, err
}

// afterResponse returns the recorded bytes that follow the handshake's response: what gorilla
// read ahead of its parse. The response is parsed again, by the parser gorilla's dial used
// (http.ReadResponse; a 101 has no body), so the two end at the same byte. ok is false if it
// does not parse, which a dial that succeeded rules out.
func (c *recordingConn) afterResponse() (pending []byte, ok bool) {
	src := bytes.NewReader(c.rec)
	br := bufio.NewReader(src)
	if _, err := http.ReadResponse(br, nil); err != nil {
		return nil, false
	}
	rest := br.Buffered() + src.Len()
	pending = c.rec[len(c.rec)-rest:]
	c.rec = nil
	return pending, true
}

// openWebSocket makes a new Engine.IO session over WebSocket: the first frame is the
// handshake.
func (m *Manager) openWebSocket(ctx context.Context) (*engineConn, error) {
	wc, err := m.dialWebSocket(ctx, "")
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, wc.close)
	p, err := wc.readPacket()
	stop()
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	var hs handshake
	if err == nil {
		hs, err = parseHandshake(p)
	}
	if err != nil {
		wc.close()
		return nil, err
	}
	tr := newWSTransport(wc, pingWindow(hs))
	c := newEngineConn(m, hs, tr, m.opts.QueueSize, &m.wg)
	c.start(nil)
	return c, nil
}

func pingWindow(hs handshake) time.Duration {
	return time.Duration(hs.PingInterval+hs.PingTimeout) * time.Millisecond
}
