//go:build unix

package engineio

import (
	"bytes"
	"syscall"
	"unsafe"
)

// directWriter writes one server frame with one non-blocking writev(2) straight on the
// connection's file descriptor: the frame header (and a text message's packet type digit)
// from its own array, the data from the caller's slice. It is made once per connection, at
// its first direct write, so a write allocates nothing. Callers serialise (Session.writing).
type directWriter struct {
	rc    syscall.RawConn
	fn    func(fd uintptr) bool // rc.Write's callback
	hdr   [11]byte              // frame header (at most 10 bytes) and a text message's '4'
	iov   [2]syscall.Iovec
	niov  int
	n     int
	errno syscall.Errno
}

func newDirectWriter(rc syscall.RawConn) *directWriter {
	if rc == nil {
		return nil
	}
	d := &directWriter{rc: rc}
	d.fn = d.writev
	return d
}

// write writes m as one unfragmented frame and returns how many bytes of the frame the
// kernel took, of total; n is 0 when it took none (it would block).
func (d *directWriter) write(m Message) (n, total int, err error) {
	h := d.header(m)
	total = h + len(m.Data)
	d.iov[0] = syscall.Iovec{Base: &d.hdr[0]}
	d.iov[0].SetLen(h)
	d.niov = 1
	if len(m.Data) > 0 {
		d.iov[1] = syscall.Iovec{Base: &m.Data[0]}
		d.iov[1].SetLen(len(m.Data))
		d.niov = 2
	}
	err = d.rc.Write(d.fn)
	d.iov[1] = syscall.Iovec{} // do not keep the caller's data
	if err == nil && d.errno != 0 && d.errno != syscall.EAGAIN {
		err = d.errno
	}
	if err != nil {
		return 0, total, err
	}
	return d.n, total, nil
}

// writev is the rc.Write callback: one attempt, never a wait for the socket to drain.
func (d *directWriter) writev(fd uintptr) bool {
	for {
		n, _, e := syscall.Syscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&d.iov[0])), uintptr(d.niov))
		if e == syscall.EINTR {
			continue
		}
		d.n, d.errno = int(n), e
		if e != 0 {
			d.n = 0
		}
		return true
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
