package client

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/tickroom/tickroom/netio/internal/rawfd"
)

// frameReader reads a server's WebSocket frames straight from the connection into one buffer
// it keeps, instead of through gorilla's reader (a header read and a payload read per frame
// through a bufio, and a read that finds nothing before each wait). What a frame may be is
// wsframe.go's.
//
// A connection with a descriptor is read the way the server's busy reader reads its players
// (netio/engineio/wsreadbuf.go, warmRead): inside one wait on the descriptor, each time it is
// readable, one read takes what came and every whole frame of it is handled on the spot, and
// then the wait goes on; the poller remembers data that came meanwhile, so a frame costs one
// read and one wake-up, not a read that finds nothing as well (but once per endCheck).
// Handlers then run inside that read of the descriptor: nothing may Close the connection
// while the reader runs (Close would wait for the read to end, and from a handler forever).
// The transport cuts it instead (rawfd.Shutdown), and the reader's end and the shutdown
// together close it (wsTransport.endOne).
type frameReader struct {
	nc net.Conn        // static: the connection
	rc syscall.RawConn // static: its descriptor; nil: blocking reads of nc
	// buf[r:w] is read and not parsed yet; len(buf) is the room to read into. A delivered
	// payload lies in buf until the next read.
	buf   []byte
	r, w  int
	size  int           // static: the size buf starts at and shrinks back to
	check time.Duration // static: endCheck (shorter in tests)
	msg   []byte        // the fragmented message being put together; its data until the next frame
	op    byte          // that message's opcode; 0 when none is in progress

	// The descriptor path's callback (onReadable, bound once: a method value made per wait
	// would allocate), the handler it calls and the error it ends with.
	fn     func(fd uintptr) bool
	handle func(op byte, payload []byte) error
	err    error
}

// newFrameReader reads frames from nc, pending first: bytes that came with the handshake.
func newFrameReader(nc net.Conn, pending []byte, size int) *frameReader {
	fr := &frameReader{nc: nc, size: size, rc: rawfd.Of(nc), check: endCheck}
	fr.buf = make([]byte, max(size, len(pending)))
	fr.w = copy(fr.buf, pending)
	if fr.rc != nil {
		fr.fn = fr.onReadable
	}
	return fr
}

// next returns the next frame if it is buffered whole: a control frame, or a message (a whole
// unfragmented frame, or the last fragment's, the fragments put together). ok is false when
// more bytes are needed; fragments read so far are kept. The payload is valid until the next
// call.
func (fr *frameReader) next() (op byte, payload []byte, ok bool, err error) {
	for {
		h, n, err := parseServerFrame(fr.buf[fr.r:fr.w], fr.op != 0)
		switch {
		case err == errShortFrame:
			return 0, nil, false, nil
		case err != nil:
			return 0, nil, false, err
		case fr.w-fr.r-n < h.size:
			return 0, nil, false, nil
		}
		start := fr.r + n
		p := fr.buf[start : start+h.size : start+h.size]
		fr.r = start + h.size
		switch {
		case h.isControl() || h.op != 0 && h.fin:
			return h.op, p, true, nil
		case h.op != 0: // the first fragment
			fr.op, fr.msg = h.op, append(fr.msg[:0], p...)
		default:
			fr.msg = append(fr.msg, p...)
			if h.fin {
				op := fr.op
				fr.op = 0
				return op, fr.msg, true, nil
			}
		}
	}
}

// room makes room to read into: the buffer restarts when all of it is parsed (back at its
// first size if a large frame grew it), unparsed bytes move to the front, and a buffer full of
// one unfinished frame doubles. It grows only as bytes arrive, never by a frame's announced
// size. Called only between frames' handling: it moves what payloads point to.
func (fr *frameReader) room() {
	if fr.r == fr.w {
		fr.r, fr.w = 0, 0
		if len(fr.buf) > max(fr.size, maxKeptBuffer) {
			fr.buf = make([]byte, fr.size)
		}
		if cap(fr.msg) > maxKeptBuffer && fr.op == 0 {
			fr.msg = nil
		}
	}
	if fr.w < len(fr.buf) {
		return
	}
	if fr.r > 0 {
		fr.w = copy(fr.buf, fr.buf[fr.r:fr.w])
		fr.r = 0
		return
	}
	b := make([]byte, 2*len(fr.buf))
	fr.w = copy(b, fr.buf[:fr.w])
	fr.buf = b
}

// readFrame reads until a frame is whole and returns it (see next), with blocking reads of
// the connection: the handshake's frames, and every frame of a connection without a
// descriptor.
func (fr *frameReader) readFrame() (byte, []byte, error) {
	for {
		op, p, ok, err := fr.next()
		if ok || err != nil {
			return op, p, err
		}
		fr.room()
		n, err := fr.nc.Read(fr.buf[fr.w:])
		fr.w += n
		if err != nil && n == 0 {
			return 0, nil, err
		}
	}
}

// run reads frames and hands each to handle until a read or handle fails, and returns that
// error; a clean end of the connection is io.EOF.
func (fr *frameReader) run(handle func(op byte, payload []byte) error) error {
	if fr.rc == nil {
		for {
			op, p, err := fr.readFrame()
			if err == nil {
				err = handle(op, p)
			}
			if err != nil {
				return err
			}
		}
	}
	if err := fr.deliver(handle); err != nil { // what came with the handshake
		return err
	}
	for {
		if err := fr.nc.SetReadDeadline(time.Now().Add(fr.check)); err != nil {
			return err
		}
		fr.handle, fr.err = handle, nil
		err := fr.rc.Read(fr.fn)
		fr.handle = nil
		if err == nil {
			err, fr.err = fr.err, nil
			return err
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			return err
		}
		// The next rc.Read starts with a read, which finds an end that came unseen.
	}
}

// endCheck is how often a reader waiting on its descriptor reads once more even though the
// poller reported nothing. A read that takes the last bytes before the peer's FIN (or a
// reset) returns them and not the end, and the poller had reported both at once: the end is
// seen only by the next read, which only new data would cause. A server that closes without
// a close frame is then noticed within endCheck. The deadline is set once per period, not per
// frame (each set is a runtime timer change).
const endCheck = time.Second

// deliver hands every whole frame buffered to handle.
func (fr *frameReader) deliver(handle func(op byte, payload []byte) error) error {
	for {
		op, p, ok, err := fr.next()
		if err != nil || !ok {
			return err
		}
		if err := handle(op, p); err != nil {
			return err
		}
	}
}

// onReadable is the descriptor path's callback: it reads what has come and handles every
// whole frame of it, then returns false to wait for more, inside the same rc.Read (see
// frameReader). It returns true, with fr.err set, when the reader ends.
func (fr *frameReader) onReadable(fd uintptr) bool {
	for {
		fr.room()
		n, err := sysRead(fd, fr.buf[fr.w:])
		switch {
		case err == syscall.EAGAIN:
			return false
		case err != nil:
			fr.err = &net.OpError{Op: "read", Net: "tcp", Source: fr.nc.LocalAddr(), Addr: fr.nc.RemoteAddr(), Err: err}
			return true
		case n == 0:
			fr.err = io.EOF
			return true
		}
		full := fr.w+n == len(fr.buf)
		fr.w += n
		if err := fr.deliver(fr.handle); err != nil {
			fr.err = err
			return true
		}
		if !full {
			return false
		}
		// The read filled the buffer: the socket may hold more, and the poller reports only
		// what arrives after the wait begins. Read on until it finds nothing.
	}
}
