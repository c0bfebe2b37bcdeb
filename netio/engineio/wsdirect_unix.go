//go:build unix

package engineio

import (
	"bytes"
	"os"
	"syscall"
	"unsafe"
)

// directWriter writes one server frame with one non-blocking writev(2) straight on the
// connection's file descriptor: the frame header (and a text message's packet type digit)
// from its own array, the data from the caller's slice. It lives in the session's
// latestState, made at its first offer, so a write allocates nothing.
//
// It writes on the descriptor's number (wsdirect.go says why that is sound), without the
// net.Conn's locks and poller: the write never waits for the socket, and the exclusion the
// descriptor's write lock would give, the session ensures already (Session.mu against the
// writer goroutine, latestState.wmu against the reader's control frames). The kernel's unsent
// bytes, when they are to be checked, are asked just before.
type directWriter struct {
	fd  uintptr
	hdr [11]byte // frame header (at most 10 bytes) and a text message's '4'
	iov [2]syscall.Iovec
}

// init takes the connection's descriptor number; false when it has none.
func (d *directWriter) init(rc syscall.RawConn) bool {
	if rc == nil {
		return false
	}
	ok := false
	rc.Control(func(fd uintptr) { d.fd, ok = fd, true })
	return ok
}

// directWrite is what one direct write did.
type directWrite struct {
	n, total int  // bytes of the frame the kernel took (0: it would block), of total
	blocked  bool // the unsent check held the frame back: nothing was written
	empty    bool // the unsent check found nothing unsent
}

// write writes m as one unfragmented frame, with one attempt that never waits for the socket
// to drain. With check, the kernel's unsent bytes are asked first, and more than limit hold
// the frame back.
func (d *directWriter) write(m Message, check bool, limit int) (directWrite, error) {
	h := d.header(m)
	res := directWrite{total: h + len(m.Data)}
	if check {
		n, ok := unsentOf(d.fd)
		res.empty = ok && n == 0
		if ok && n > limit {
			res.blocked = true
			return res, nil
		}
	}
	d.iov[0] = syscall.Iovec{Base: &d.hdr[0]}
	d.iov[0].SetLen(h)
	niov := 1
	if len(m.Data) > 0 {
		d.iov[1] = syscall.Iovec{Base: &m.Data[0]}
		d.iov[1].SetLen(len(m.Data))
		niov = 2
	}
	for {
		n, _, e := syscall.Syscall(syscall.SYS_WRITEV, d.fd, uintptr(unsafe.Pointer(&d.iov[0])), uintptr(niov))
		switch e {
		case syscall.EINTR:
			continue
		case 0:
			res.n = int(n)
		case syscall.EAGAIN:
		default:
			d.iov[1] = syscall.Iovec{}
			return res, os.NewSyscallError("writev", e)
		}
		d.iov[1] = syscall.Iovec{} // do not keep the caller's data
		return res, nil
	}
}

// header writes the frame header of m into d.hdr, with a text message's packet type digit
// after it, and returns their length.
func (d *directWriter) header(m Message) int {
	size := len(m.Data)
	op := byte(0x80 | opBinary)
	if !m.Binary {
		op = 0x80 | opText
		size++
	}
	d.hdr[0] = op
	var h int
	switch {
	case size < 126:
		d.hdr[1] = byte(size)
		h = 2
	case size <= 0xffff:
		d.hdr[1] = 126
		d.hdr[2], d.hdr[3] = byte(size>>8), byte(size)
		h = 4
	default:
		d.hdr[1] = 127
		for i := 0; i < 8; i++ {
			d.hdr[2+i] = byte(uint64(size) >> (56 - 8*i))
		}
		h = 10
	}
	if !m.Binary {
		d.hdr[h] = typeDigits[PacketMessage]
		h++
	}
	return h
}

// rest returns what a write of m that the kernel took n bytes of left unwritten. It aliases
// m.Data when the session owns it (not borrowed) and no part of the header is left.
func (d *directWriter) rest(m Message, n int, borrowed bool) []byte {
	h := d.header(m)
	if n >= h {
		if borrowed {
			return bytes.Clone(m.Data[n-h:])
		}
		return m.Data[n-h:]
	}
	return append(append(make([]byte, 0, h-n+len(m.Data)), d.hdr[n:h]...), m.Data...)
}
