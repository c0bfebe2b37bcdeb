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

// unsentBytes returns how many bytes the kernel holds unsent for c.
func unsentBytes(c net.Conn) (int, bool) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return 0, false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0, false
	}
	var n int32
	var errno syscall.Errno
	if err := rc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, siocoutqnsd, uintptr(unsafe.Pointer(&n)))
	}); err != nil || errno != 0 {
		return 0, false
	}
	return int(n), true
}
