package engineio

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
)

// The reader's socket side: its pooled buffer, borrowed only while it holds unparsed bytes,
// and its reads, straight from the file descriptor (wsread_unix.go) or, without one, blocking
// in net.Conn.Read.

// minReadBuffer keeps the pooled read buffer above the largest frame header (14 bytes) and
// the largest control frame, so neither ever needs a second buffer.
const minReadBuffer = 256

// readBuf is a pooled read buffer (a pointer, so the pool stores it without allocating).
type readBuf struct{ b []byte }

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
//
// The warm wait's read deadline (waitWarm) may still be set: it is not cleared when the wait
// hands a frame to this pull path, which would cost a timer change per frame. It measures
// quiet between frames, not how long a frame takes (one split across TCP segments, a slow
// upload): when it fires here it is cleared and the read goes on, unless the session has
// closed (the deadline is then the close path's).
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
	for err != nil && r.warm && errors.Is(err, os.ErrDeadlineExceeded) {
		if closed := r.setWarmDeadline(false); closed {
			break
		}
		err = r.rc.Read(r.ioFn)
	}
	r.dst = nil
	if err != nil {
		return 0, err
	}
	return r.n, r.err
}

// ioFD is the rc.Read callback: it returns false to park until the socket is readable.
func (r *wsReader) ioFD(fd uintptr) bool {
	if r.inWarm {
		return r.warmRead(fd)
	}
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

// warmRead is ioFD for a busy reader's wait (waitWarm): it reads what has come and delivers
// every whole message of it on the spot, then returns false to wait for more, still inside the
// same rc.Read: the poller keeps a readiness that came meanwhile, which a new rc.Read would
// forget (and so must begin with a read that may find nothing). It returns true, with r.err
// set or with unparsed bytes that are not a whole message (a control frame, a fragment, a
// large frame: the pull path takes them), when it is done. The buffer is empty on entry.
//
// Handlers run here, inside the descriptor's read: nothing may Close the connection while
// they do (Close waits for the read to end), which is why sessions cut connections with
// shutdown (cutConn) and leave the Close to the reader.
func (r *wsReader) warmRead(fd uintptr) bool {
	for {
		n, err := sysRead(fd, r.buf.b[r.w:])
		switch {
		case err == syscall.EAGAIN:
			return false
		case err != nil:
			r.err = &net.OpError{Op: "read", Net: "tcp", Source: r.c.LocalAddr(), Addr: r.c.RemoteAddr(), Err: err}
			return true
		case n == 0:
			r.err = io.EOF
			return true
		}
		full := r.w+n == len(r.buf.b)
		r.w += n
		r.fresh = true
		for r.r < r.w {
			ok, err := r.nextWhole()
			if err != nil {
				r.err = err
				return true
			}
			if !ok {
				return true
			}
		}
		r.r, r.w = 0, 0
		if !full {
			return false
		}
		// The read filled the buffer: the socket may hold more. The poller's wait reports
		// only what arrives after it, so waiting now could hold those bytes until the client
		// sends again: read on (until EAGAIN), as the net package's own reads do.
	}
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
