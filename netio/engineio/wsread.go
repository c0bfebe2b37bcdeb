package engineio

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"slices"
	"strconv"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// The WebSocket read side. gorilla/websocket does the handshake and every write (messages,
// pongs, close frames); client frames are parsed here, straight from the socket, so that an
// idle connection holds no read buffer and its reader goroutine waits on a minimal stack.
//
// Client frames (RFC 6455 section 5.2):
//
//	byte 0   FIN(1) RSV1-3(3, must be 0: no extension is negotiated) opcode(4)
//	byte 1   MASK(1, must be 1 from a client) length(7)
//	         length 0-125 is the payload size; 126: a 16-bit size follows; 127: a 64-bit
//	         size follows (most significant bit 0)
//	4 bytes  masking key; the payload is XORed with it, byte i with key[i%4]
//
//	opcode   0 continuation, 1 text (UTF-8), 2 binary, 8 close, 9 ping, 10 pong; others
//	         are a protocol error
//
// A message is a text or binary frame followed, while FIN is 0, by continuation frames.
// Control frames (close, ping, pong) carry at most 125 bytes, are never fragmented and may
// come between the fragments of a message. A close payload is empty or a 2-byte code and a
// UTF-8 reason.
//
// Life of a reader (wsReader.run): it parks without a buffer until the socket is readable,
// borrows a pooled buffer and handles frames while bytes keep coming, then, when buffer and
// socket are both empty, returns the buffer and hands the wait to a fresh goroutine and exits.
// Handlers run on the reader and may grow its stack; the goroutine left waiting starts small.
// A connection without a file descriptor (TLS) falls back to blocking reads on one goroutine.

// WebSocket opcodes.
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xa
)

// maxControlPayload is RFC 6455's limit for close, ping and pong payloads.
const maxControlPayload = 125

// minReadBuffer keeps the pooled read buffer above the largest frame header (14 bytes) and
// the largest control frame, so neither ever needs a second buffer.
const minReadBuffer = 256

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

// readBuf is a pooled read buffer (a pointer, so the pool stores it without allocating).
type readBuf struct{ b []byte }

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

	mode  readMode
	msgOp byte    // opcode of the message in progress; 0 when none
	block bool    // ioFn parks on EAGAIN, rather than report 0 bytes
	probe [1]byte // MSG_PEEK target of the readability test
}

func (srv *Server) newReader(s *Session, c *websocket.Conn, mode readMode) *wsReader {
	r := &wsReader{s: s, c: c, mode: mode}
	r.rc = rawConnOf(c.NetConn())
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
		// Everything read is parsed: wait for more holding no buffer. The wait's first
		// look at the socket finds data already there as a read would, so no read is tried
		// first (a player's next input is 50 ms away: that read nearly always came back
		// empty, a syscall per input for nothing).
		r.release()
		var quiet bool
		if quiet, err = r.waitWarm(); quiet {
			go r.run()
			return
		}
	}
	r.finish(err)
}

// idleHandoff is how long a reader waits for more data on its own goroutine before it hands
// the wait to a fresh one. A busy connection (a player's inputs) keeps its goroutine and its
// grown stack: a fresh goroutine per message costs a stack growth each time, which measured
// as 40 % of the server's CPU per player tick. A quiet one parks on the minimal stack.
const idleHandoff = time.Second

// waitWarm waits up to idleHandoff for data on this goroutine; quiet means none came and the
// caller should hand the wait over. Only the session's own websocket does this; a closing
// one (whose read deadline is the close grace) keeps the deadline it has.
func (r *wsReader) waitWarm() (quiet bool, err error) {
	if r.rc == nil || r.mode != readSession {
		return true, nil
	}
	nc := r.c.NetConn()
	nc.SetReadDeadline(time.Now().Add(idleHandoff))
	err = r.waitReadable()
	var ne net.Error
	timedOut := errors.As(err, &ne) && ne.Timeout()
	if err != nil && !timedOut {
		return false, err
	}
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	if r.s.closed {
		// The close path owns the deadline now (closeGrace); a timeout ends the reader.
		return false, err
	}
	nc.SetReadDeadline(time.Time{})
	return timedOut, nil
}

// waitReadable parks until the socket has data (or EOF, an error, the deadline), holding no
// buffer, then borrows one.
func (r *wsReader) waitReadable() error {
	if r.rc != nil {
		r.dst = nil
		if err := r.rc.Read(r.ioFn); err != nil {
			return err
		}
	}
	r.acquire()
	return nil
}

func (r *wsReader) acquire() {
	if r.buf != nil {
		return
	}
	srv := r.s.srv
	if b, ok := srv.readPool.Get().(*readBuf); ok {
		r.buf = b
	} else {
		r.buf = &readBuf{b: make([]byte, max(srv.cfg.WebSocketReadBufferSize, minReadBuffer))}
	}
	r.r, r.w = 0, 0
}

func (r *wsReader) release() {
	if r.buf != nil {
		r.s.srv.readPool.Put(r.buf)
		r.buf = nil
	}
	r.r, r.w = 0, 0
}

// read reads into dst once, parking until there is data when block is set; it reports io.EOF
// when the peer has closed its side.
func (r *wsReader) read(dst []byte, block bool) (int, error) {
	if r.rc == nil {
		n, err := r.c.NetConn().Read(dst)
		if n > 0 {
			return n, nil
		}
		if err == nil {
			err = io.ErrNoProgress
		}
		return 0, err
	}
	r.dst, r.block = dst, block
	err := r.rc.Read(r.ioFn)
	r.dst = nil
	if err != nil {
		return 0, err
	}
	return r.n, r.err
}

// ioFD is the rc.Read callback: it returns false to park until the socket is readable.
func (r *wsReader) ioFD(fd uintptr) bool {
	if r.dst == nil {
		return sysReadable(fd, r.probe[:])
	}
	n, err := sysRead(fd, r.dst)
	switch {
	case err == syscall.EAGAIN:
		if r.block {
			return false
		}
		r.n, r.err = 0, nil
	case err != nil:
		r.n, r.err = 0, &net.OpError{Op: "read", Net: "tcp", Source: r.c.LocalAddr(), Addr: r.c.RemoteAddr(), Err: err}
	case n == 0:
		r.n, r.err = 0, io.EOF
	default:
		r.n, r.err = n, nil
	}
	return true
}

// fill reads at least one more byte into the buffer, waiting if need be.
func (r *wsReader) fill() error {
	b := r.buf.b
	if r.r == r.w {
		r.r, r.w = 0, 0
	} else if r.w == len(b) {
		r.w = copy(b, b[r.r:r.w])
		r.r = 0
	}
	n, err := r.read(b[r.w:], true)
	r.w += n
	return err
}

// need waits until k bytes are buffered; k is at most a frame header.
func (r *wsReader) need(k int) error {
	for r.w-r.r < k {
		if err := r.fill(); err != nil {
			return err
		}
	}
	return nil
}

// frame reads one frame and acts on it. Only errors end the reader.
func (r *wsReader) frame() error {
	if err := r.need(2); err != nil {
		return err
	}
	b0, b1 := r.buf.b[r.r], r.buf.b[r.r+1]
	fin, op, size7 := b0&0x80 != 0, b0&0x0f, b1&0x7f
	switch {
	case b0&0x70 != 0:
		return r.reject(websocket.CloseProtocolError, "reserved bits set")
	case b1&0x80 == 0:
		return r.reject(websocket.CloseProtocolError, "unmasked client frame")
	}
	switch op {
	case opContinuation:
		if r.msgOp == 0 {
			return r.reject(websocket.CloseProtocolError, "continuation frame without a message")
		}
	case opText, opBinary:
		if r.msgOp != 0 {
			return r.reject(websocket.CloseProtocolError, "new message inside a fragmented one")
		}
	case opClose, opPing, opPong:
		if !fin {
			return r.reject(websocket.CloseProtocolError, "fragmented control frame")
		}
		if size7 > maxControlPayload {
			return r.reject(websocket.CloseProtocolError, "control frame longer than 125 bytes")
		}
	default:
		return r.reject(websocket.CloseProtocolError, "unknown opcode "+strconv.Itoa(int(op)))
	}
	hlen := 6
	switch size7 {
	case 126:
		hlen = 8
	case 127:
		hlen = 14
	}
	if err := r.need(hlen); err != nil {
		return err
	}
	h := r.buf.b[r.r : r.r+hlen]
	size := uint64(size7)
	switch size7 {
	case 126:
		size = uint64(binary.BigEndian.Uint16(h[2:]))
	case 127:
		size = binary.BigEndian.Uint64(h[2:])
	}
	key := [4]byte(h[hlen-4:])
	r.r += hlen
	if op >= opClose {
		return r.control(op, int(size), key)
	}
	if size > uint64(r.limit()-int64(len(r.msg))) { // also a 64-bit size with the top bit set
		return r.reject(websocket.CloseMessageTooBig, "message larger than MaxHTTPBufferSize")
	}
	if op != opContinuation {
		r.msgOp = op
	}
	var err error
	if r.msg, err = r.payload(r.msg, int(size), key); err != nil {
		return err
	}
	if !fin {
		return nil
	}
	msg, op := r.msg, r.msgOp
	r.msg, r.msgOp = nil, 0
	if msg == nil {
		msg = []byte{}
	}
	if op == opText && !utf8.Valid(msg) {
		return r.reject(websocket.CloseInvalidFramePayloadData, "invalid UTF-8 in text message")
	}
	return r.deliver(op == opBinary, msg)
}

// limit is the largest message accepted; it fits an int.
func (r *wsReader) limit() int64 {
	return min(r.s.srv.cfg.MaxHTTPBufferSize, int64(^uint(0)>>1))
}

// payload appends n unmasked payload bytes to dst.
func (r *wsReader) payload(dst []byte, n int, key [4]byte) ([]byte, error) {
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

// unmask XORs b with the key, starting at key index pos, and returns the next index.
func unmask(key [4]byte, pos int, b []byte) int {
	if len(b) >= 8 {
		k := [8]byte{key[pos&3], key[(pos+1)&3], key[(pos+2)&3], key[(pos+3)&3]}
		copy(k[4:], k[:4])
		kw := binary.LittleEndian.Uint64(k[:])
		for len(b) >= 8 {
			binary.LittleEndian.PutUint64(b, binary.LittleEndian.Uint64(b)^kw)
			b = b[8:]
		}
	}
	for i := range b {
		b[i] ^= key[pos&3]
		pos++
	}
	return pos & 3
}

// control handles a close, ping or pong frame of n <= 125 bytes.
func (r *wsReader) control(op byte, n int, key [4]byte) error {
	var arr [maxControlPayload]byte
	p, err := r.payload(arr[:0], n, key)
	if err != nil {
		return err
	}
	switch op {
	case opPing:
		// Errors are the connection's: the read side sees them too.
		r.c.WriteControl(websocket.PongMessage, p, time.Now().Add(closeGrace))
		return nil
	case opPong:
		return nil
	}
	code, text := websocket.CloseNoStatusReceived, ""
	switch {
	case len(p) == 1:
		return r.reject(websocket.CloseProtocolError, "close frame of 1 byte")
	case len(p) >= 2:
		code = int(binary.BigEndian.Uint16(p))
		if !validCloseCode(code) {
			return r.reject(websocket.CloseProtocolError, "invalid close code "+strconv.Itoa(code))
		}
		if !utf8.Valid(p[2:]) {
			return r.reject(websocket.CloseProtocolError, "invalid UTF-8 in close reason")
		}
		text = string(p[2:])
	}
	// Echo the code, as RFC 6455 5.5.1 suggests; once we have sent our own close this fails
	// harmlessly.
	var reply []byte
	if code != websocket.CloseNoStatusReceived {
		reply = websocket.FormatCloseMessage(code, "")
	}
	r.c.WriteControl(websocket.CloseMessage, reply, time.Now().Add(closeGrace))
	return &websocket.CloseError{Code: code, Text: text}
}

// validCloseCode reports codes a peer may send (RFC 6455 7.4 and the IANA registry);
// 1004-1006 and 1015 are never sent on the wire.
func validCloseCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014:
		return true
	default:
		return code >= 3000 && code <= 4999
	}
}

// frameError is a frame the peer must not send; the session closes as "transport error".
type frameError struct {
	code int // close code sent to the peer
	text string
}

func (e *frameError) Error() string { return "engineio: websocket: " + e.text }

// Unwrap makes a frame error an ErrProtocol.
func (e *frameError) Unwrap() error { return ErrProtocol }

// reject sends the close frame for a protocol violation and returns the error ending the
// reader.
func (r *wsReader) reject(code int, text string) error {
	r.c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(closeGrace))
	return &frameError{code: code, text: text}
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

// deliver hands a complete message on according to the reader's mode.
func (r *wsReader) deliver(binary bool, data []byte) error {
	switch r.mode {
	case readSession:
		if binary {
			r.s.onPacket(Packet{Type: PacketMessage, Binary: true, Data: data})
			return nil
		}
		p, err := DecodePacket(data)
		if err != nil {
			r.s.close(ReasonParseError, err, closeError)
			return nil // read on until the closing handshake ends the connection
		}
		r.s.onPacket(p)
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
		r.c.WriteControl(websocket.CloseMessage, nil, time.Now().Add(closeGrace))
	}
	r.c.NetConn().Close()
	r.s.srv.wg.Done()
}

// drain starts the closing handshake of a websocket that is not the session's: an empty
// close frame (the peer sees 1005, like the reference's ws.close()), then frames are read
// and dropped until the peer's close frame or closeGrace.
func (r *wsReader) drain() {
	r.mode = readDrain
	r.c.WriteControl(websocket.CloseMessage, nil, time.Now().Add(closeGrace))
	r.c.SetReadDeadline(time.Now().Add(closeGrace))
}
