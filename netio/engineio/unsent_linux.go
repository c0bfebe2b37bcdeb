//go:build linux

package engineio

import (
	"net"
	"syscall"
	"unsafe"
)

// siocoutqnsd is Linux's SIOCOUTQNSD: bytes in a TCP socket's send queue
// not yet sent (unlike SIOCOUTQ, bytes in flight awaiting an ack do not
// count, so a healthy link with some latency reads as 0).
const siocoutqnsd = 0x894B

// unsentProbe asks the kernel how many bytes it holds unsent for one
// connection. It is made once per connection and asked before every
// snapshot, so asking allocates nothing: the raw connection and the
// callback are kept, and the ioctl, which never blocks, skips the
// scheduler's syscall hand-off. Callers serialise (the session's mu).
type unsentProbe struct {
	rc    syscall.RawConn
	ask   func(fd uintptr)
	n     int32
	errno syscall.Errno
}

func newUnsentProbe(c net.Conn) *unsentProbe {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	p := &unsentProbe{rc: rc}
	p.ask = func(fd uintptr) {
		_, _, p.errno = syscall.RawSyscall(syscall.SYS_IOCTL, fd, siocoutqnsd, uintptr(unsafe.Pointer(&p.n)))
	}
	return p
}

// unsentOf asks the kernel for the unsent bytes of socket fd; false when it cannot tell.
func unsentOf(fd uintptr) (int, bool) {
	var n int32
	if _, _, errno := syscall.RawSyscall(syscall.SYS_IOCTL, fd, siocoutqnsd, uintptr(unsafe.Pointer(&n))); errno != 0 {
		return 0, false
	}
	return int(n), true
}

// unsent returns the unsent byte count, or false when it cannot be known.
func (p *unsentProbe) unsent() (int, bool) {
	if p == nil {
		return 0, false
	}
	if err := p.rc.Control(p.ask); err != nil || p.errno != 0 {
		return 0, false
	}
	return int(p.n), true
}
