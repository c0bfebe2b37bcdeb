//go:build unix

package client

import "syscall"

// nonblockingWrites: a transport may write on the emitting goroutine (wsTransport.tryWrite).
const nonblockingWrites = true

// nonblockingWriter writes b to a socket without waiting for it to be writable. Its write
// method is made a func value once, by newNonblockingWriter: a closure made per write
// escaped to the heap, an allocation per input.
type nonblockingWriter struct {
	raw syscall.RawConn
	fn  func(fd uintptr) bool // w.write, bound once
	b   []byte                // the bytes to write, for the call of the moment
	n   int                   // bytes written
	err error
}

func newNonblockingWriter(raw syscall.RawConn) *nonblockingWriter {
	w := &nonblockingWriter{raw: raw}
	w.fn = w.write
	return w
}

// writeNonblocking writes b and returns what the socket took, which is 0 when its buffer is
// full. Calls must not overlap (wsTransport.mu orders them).
func (w *nonblockingWriter) writeNonblocking(b []byte) (int, error) {
	w.b, w.n, w.err = b, 0, nil
	err := w.raw.Write(w.fn)
	if err == nil {
		err = w.err
	}
	n := w.n
	w.b = nil
	return n, err
}

func (w *nonblockingWriter) write(fd uintptr) bool {
	for w.n < len(w.b) {
		k, err := syscall.Write(int(fd), w.b[w.n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			if err != syscall.EAGAIN {
				w.err = err
			}
			break
		}
		w.n += k
	}
	return true // never wait for the socket: a writer goroutine does that
}
