package engineio

import (
	"errors"
	"io"
	"os"
	"slices"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
	"github.com/tickroom/tickroom/netio/internal/rawfd"
)

// The WebSocket read side. gorilla/websocket does the handshake and every write (messages,
// pongs, close frames); client frames are read here, straight from the socket, so that an
// idle connection holds no read buffer and its reader goroutine waits on a minimal stack.
// What a frame may be is wsframe.go's, pure rules the reader applies to what it buffered;
// the buffer and the reads themselves are wsreadbuf.go's.
//
// Life of a reader (wsReader.run): it parks without a buffer until the socket is readable,
// borrows a pooled buffer and handles frames while bytes keep coming, then, when buffer and
// socket are both empty, returns the buffer and hands the wait to a fresh goroutine and exits.
// Handlers run on the reader and may grow its stack; the goroutine left waiting starts small.
// A connection without a file descriptor (TLS) falls back to blocking reads on one goroutine.

// growStep is the least a message buffer grows by; it is first sized to what has arrived,
// so a peer announcing a large frame and sending nothing does not pin a large allocation.
const growStep = 4096

// readMode says where a reader's messages go.
type readMode uint8

const (
	readSession readMode = iota // the session's transport: messages are session packets
	readUpgrade                 // probing websocket of a polling session: probe and upgrade
	readDrain                   // closing: frames are discarded until the peer's close frame
)

// wsReader reads one websocket's client frames. Only its current reader goroutine touches
// it; a handover to the next goroutine is a go statement, which orders the two.
type wsReader struct {
	s  *Session        // static
	c  *websocket.Conn // static: pongs and close frames are written through it
	rc syscall.RawConn // static; nil: blocking reads on c.NetConn()

	buf *readBuf // borrowed while unparsed bytes are held, else nil
	r   int      // buf.b[r:w] is not parsed yet
	w   int
	msg []byte // message being assembled from fragments

	// Arguments and results of ioFn, the callback given to rc.Read.
	dst  []byte // nil: only wait until readable
	n    int
	err  error
	ioFn func(fd uintptr) bool

	mode   readMode
	msgOp  byte    // opcode of the message in progress; 0 when none
	block  bool    // ioFn parks on EAGAIN, rather than report 0 bytes
	probe  [1]byte // MSG_PEEK target of the readability test
	warm   bool    // waitWarm's read deadline is set
	fresh  bool    // data came since it was set
	busy   bool    // a frame came while warm: waitWarm keeps the buffer
	inWarm bool    // ioFn is waitWarm's read-and-deliver (warmRead)
}

func (srv *Server) newReader(s *Session, c *websocket.Conn, mode readMode) *wsReader {
	r := &wsReader{s: s, c: c, mode: mode}
	r.rc = rawfd.Of(c.NetConn())
	if r.rc != nil {
		r.ioFn = r.ioFD
	}
	return r
}

// run is a reader goroutine. The server's WaitGroup counts it; on handover the count passes
// to the next goroutine, so it is released once, by the goroutine that ends the connection.
func (r *wsReader) run() {
	err := r.waitReadable()
	for err == nil {
		if err = r.frame(); err != nil || r.r < r.w || r.rc == nil {
			continue // more to parse, or blocking reads: the next frame waits in fill
		}
		// Everything read is parsed. A busy connection (a player's inputs) waits for its next
		// frame here, keeping its buffer, and reads it at once when woken; a quiet one hands
		// the wait to a fresh goroutine that holds no buffer.
		var quiet bool
		if quiet, err = r.waitWarm(); quiet {
			r.release()
			r.s.srv.traffic.readerHandoffs.Add(1)
			go r.run()
			return
		}
	}
	r.finish(err)
}

// idleHandoff is how long a reader waits for more data on its own goroutine before it hands
// the wait to a fresh one. A busy connection (a player's inputs) keeps its goroutine and its
// grown stack: a fresh goroutine per message costs a stack growth each time, a large share of
// the server's CPU per player tick. A quiet one parks on the minimal stack.
const idleHandoff = time.Second

// waitWarm waits for the next bytes on this goroutine; quiet means none came for a while
// (between one and two idleHandoff) and the caller should hand the wait over. A busy reader
// (one that got a frame while warm: a player's inputs) keeps its buffer and reads into it
// when woken: two reads per frame, one that finds nothing and one once woken. A reader that
// is not busy yet waits without a buffer (a peek, then the read: three), so that a connection
// that goes quiet after a frame (the Socket.IO connect of an idle one) never holds a buffer.
//
// The read deadline that measures quiet is not moved per frame (each move is a runtime timer
// change): it is set once, and when it fires after data came meanwhile, set again. It stays
// set when a frame goes on to the pull path (fill, payload); if it fires there, read clears
// it and reads on. Only the session's own websocket does this; a closing one (whose read deadline is the close grace)
// keeps the deadline it has.
func (r *wsReader) waitWarm() (quiet bool, err error) {
	if r.mode != readSession {
		return true, nil
	}
	r.r, r.w = 0, 0
	for {
		if !r.warm {
			r.setWarmDeadline(true)
		}
		if r.busy {
			// The wait, the read and the messages read are handled in one call (warmRead):
			// inside it the poller remembers data that came meanwhile, so the next wait needs
			// no read that finds nothing. It returns with a frame the pull path must take,
			// an error, or the deadline.
			r.inWarm, r.err = true, nil
			err = r.rc.Read(r.ioFn)
			r.inWarm = false
			if err == nil {
				err, r.err = r.err, nil
			}
			if err == nil {
				return false, nil
			}
		} else {
			r.release()
			if err = r.waitReadable(); err == nil {
				r.fresh, r.busy = true, true
				return false, nil // the frame is read by fill
			}
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			return false, err
		}
		again := r.fresh // data came since the deadline was set: wait another idleHandoff
		r.fresh = false
		if closed := r.setWarmDeadline(again); closed {
			return false, err // the close path's deadline: the reader ends
		}
		if !again {
			r.busy = false
			return true, nil
		}
	}
}

// setWarmDeadline sets the warm wait's read deadline idleHandoff from now, or clears it. Once
// the session is closed the close path owns the deadline: it is left alone and closed is
// reported.
func (r *wsReader) setWarmDeadline(on bool) (closed bool) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	if r.s.closed {
		return true
	}
	var t time.Time
	if on {
		t = time.Now().Add(idleHandoff)
	}
	r.warm = on
	r.c.NetConn().SetReadDeadline(t)
	return false
}

// frame reads one frame and acts on it. Only errors end the reader.
func (r *wsReader) frame() error {
	h, err := r.header()
	if err != nil {
		return err
	}
	if h.isControl() {
		return r.control(h.op, int(h.size), h.key)
	}
	if r.whole(h) {
		return r.deliverWhole(h)
	}
	if h.op != opContinuation {
		r.msgOp = h.op
	}
	if r.msg, err = r.payload(r.msg, int(h.size), h.key); err != nil {
		return err
	}
	if !h.fin {
		return nil
	}
	msg, op := r.msg, r.msgOp
	r.msg, r.msgOp = nil, 0
	if msg == nil {
		msg = []byte{}
	}
	if fe := messageError(op, msg); fe != nil {
		return r.reject(fe)
	}
	return r.deliver(op == opBinary, msg, false)
}

// whole reports whether the frame of header h, parsed from the unparsed bytes, is a whole
// message lying in the buffer: unfragmented, a session's, its payload all read.
func (r *wsReader) whole(h frameHeader) bool {
	return h.fin && h.op != opContinuation && !h.isControl() && r.mode == readSession && uint64(r.w-r.r) >= h.size
}

// deliverWhole hands over the whole message of header h where it lies (see BorrowingHandler).
func (r *wsReader) deliverWhole(h frameHeader) error {
	msg := r.buf.b[r.r : r.r+int(h.size)]
	r.r += int(h.size)
	unmask(h.key, 0, msg)
	if fe := messageError(h.op, msg); fe != nil {
		return r.reject(fe)
	}
	return r.deliver(h.op == opBinary, msg, true)
}

// nextWhole delivers the message at the start of the unparsed bytes when it lies there whole,
// and reports whether it did; it consumes nothing otherwise.
func (r *wsReader) nextWhole() (bool, error) {
	h, n, err := parseFrameHeader(r.buf.b[r.r:r.w], r.msgOp != 0, uint64(r.limit()-int64(len(r.msg))))
	switch {
	case err == errShortHeader:
		return false, nil
	case err != nil:
		return false, r.reject(err.(*frameError))
	}
	r.r += n
	if !r.whole(h) {
		r.r -= n
		return false, nil
	}
	return true, r.deliverWhole(h)
}

// header parses the next frame header (wsframe.go has the rules), reading until it is whole;
// a header the client must not send is rejected.
func (r *wsReader) header() (frameHeader, error) {
	for {
		h, n, err := parseFrameHeader(r.buf.b[r.r:r.w], r.msgOp != 0, uint64(r.limit()-int64(len(r.msg))))
		switch err {
		case nil:
			r.r += n
			return h, nil
		case errShortHeader:
			if err := r.need(n); err != nil {
				return h, err
			}
		default:
			return h, r.reject(err.(*frameError))
		}
	}
}

// limit is the largest message accepted; it fits an int.
func (r *wsReader) limit() int64 {
	return min(r.s.srv.cfg.MaxHTTPBufferSize, int64(^uint(0)>>1))
}

// payload appends n unmasked payload bytes to dst.
func (r *wsReader) payload(dst []byte, n int, key uint32) ([]byte, error) {
	pos := 0
	for n > 0 {
		start := len(dst)
		if avail := r.w - r.r; avail > 0 {
			k := min(n, avail)
			if cap(dst)-len(dst) < k {
				dst = slices.Grow(dst, max(k, min(n, max(len(dst), growStep))))
			}
			dst = append(dst, r.buf.b[r.r:r.r+k]...)
			r.r += k
		} else if n >= len(r.buf.b) { // much more to come: read it straight into dst
			if cap(dst) == len(dst) {
				dst = slices.Grow(dst, min(n, max(len(dst), growStep)))
			}
			room := dst[len(dst):min(cap(dst), len(dst)+n)]
			k, err := r.read(room, true)
			if err != nil {
				return dst, err
			}
			dst = dst[:start+k]
		} else {
			if err := r.fill(); err != nil {
				return dst, err
			}
			continue
		}
		pos = unmask(key, pos, dst[start:])
		n -= len(dst) - start
	}
	return dst, nil
}

// control handles a close, ping or pong frame of n <= 125 bytes.
func (r *wsReader) control(op byte, n int, key uint32) error {
	var arr [maxControlPayload]byte
	p, err := r.payload(arr[:0], n, key)
	if err != nil {
		return err
	}
	switch op {
	case opPing:
		// Errors are the connection's: the read side sees them too.
		r.writeControl(websocket.PongMessage, p)
		return nil
	case opPong:
		return nil
	}
	code, text, fe := parseClose(p)
	if fe != nil {
		return r.reject(fe)
	}
	// Echo the code, as RFC 6455 5.5.1 suggests; once we have sent our own close this fails
	// harmlessly.
	var reply []byte
	if code != websocket.CloseNoStatusReceived {
		reply = websocket.FormatCloseMessage(code, "")
	}
	r.writeControl(websocket.CloseMessage, reply)
	return &websocket.CloseError{Code: code, Text: text}
}

// writeControl writes a control frame, waiting at most closeGrace for the connection (as
// gorilla's WriteControl does for its own lock): a direct write of the session (wsdirect.go)
// must not be cut into. Errors are the connection's: the read side sees them too.
//
// No direct write may follow a close frame (the session is closed only later, when the reader
// ends) or a failed write (gorilla refuses every later write then, and part of a frame may be
// on the wire); the direct writer does not see gorilla's state, so it is told here.
func (r *wsReader) writeControl(op int, data []byte) {
	r.s.mu.Lock()
	lat := r.s.latLocked()
	if op == websocket.CloseMessage {
		r.stopDirectLocked(lat)
	}
	r.s.mu.Unlock()
	deadline := time.Now().Add(closeGrace)
	for !lat.wmu.TryLock() {
		if time.Now().After(deadline) {
			return
		}
		time.Sleep(time.Millisecond)
	}
	defer lat.wmu.Unlock()
	if err := r.c.WriteControl(op, data, deadline); err != nil {
		r.s.mu.Lock()
		r.stopDirectLocked(lat)
		r.s.mu.Unlock()
	}
}

// stopDirectLocked ends direct writes on the reader's websocket when it is the session's (a
// probing one's frames do not concern them); s.mu is held.
func (r *wsReader) stopDirectLocked(lat *latestState) {
	if r.s.ws == r.c {
		lat.noDirect = true
	}
}

// reject sends the close frame for a protocol violation and returns the error ending the
// reader.
func (r *wsReader) reject(fe *frameError) error {
	r.writeControl(websocket.CloseMessage, websocket.FormatCloseMessage(fe.code, fe.text))
	return fe
}

// isProtocolError tells errors of the peer's framing (too large, malformed: the reference's
// "transport error") from the connection simply ending ("transport close").
func isProtocolError(err error) bool {
	var fe *frameError
	return errors.As(err, &fe)
}

// errAbnormalClosure is what the session sees when the peer drops the TCP connection
// without a close frame (gorilla's error for the same case).
var errAbnormalClosure = &websocket.CloseError{Code: websocket.CloseAbnormalClosure, Text: io.ErrUnexpectedEOF.Error()}

// deliver hands a complete message on according to the reader's mode; borrowed says data is
// the reader's buffer (only a session's messages are).
func (r *wsReader) deliver(binary bool, data []byte, borrowed bool) error {
	switch r.mode {
	case readSession:
		r.s.srv.traffic.received[websocketIndex].Add(uint64(len(data)))
		if binary {
			r.s.onPacket(Packet{Type: PacketMessage, Binary: true, Data: data}, borrowed)
			return nil
		}
		p, err := DecodePacket(data)
		if err != nil {
			r.s.close(ReasonParseError, err, closeError)
			return nil // read on until the closing handshake ends the connection
		}
		r.s.onPacket(p, borrowed)
	case readUpgrade:
		r.upgradeMessage(binary, data)
	}
	return nil
}

// finish ends the connection after the reader's last error.
func (r *wsReader) finish(err error) {
	r.release()
	r.msg, r.msgOp = nil, 0
	if errors.Is(err, io.EOF) {
		err = errAbnormalClosure
	}
	switch r.mode {
	case readSession:
		reason := ReasonTransportClose
		if isProtocolError(err) {
			reason = ReasonTransportError
		}
		r.s.close(reason, err, closeError)
	case readUpgrade:
		r.s.upgradeEnded(r.c, err)
		r.writeControl(websocket.CloseMessage, nil)
	}
	r.c.NetConn().Close()
	r.s.srv.wg.Done()
}

// drain starts the closing handshake of a websocket that is not the session's: an empty
// close frame (the peer sees 1005, like the reference's ws.close()), then frames are read
// and dropped until the peer's close frame or closeGrace.
func (r *wsReader) drain() {
	r.mode = readDrain
	r.writeControl(websocket.CloseMessage, nil)
	r.c.SetReadDeadline(time.Now().Add(closeGrace))
}
