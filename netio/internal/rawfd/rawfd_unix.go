//go:build unix

package rawfd

import (
	"net"
	"syscall"
)

// Of returns the connection's descriptor access, or nil when it has none (a TLS connection,
// an in-memory pipe).
func Of(nc net.Conn) syscall.RawConn {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return rc
}

// Shutdown shuts both directions of the socket down without closing the descriptor: a
// waiting read sees the end, a blocked write fails, and whoever owns the descriptor closes it
// later. A descriptor closed already needs nothing.
func Shutdown(rc syscall.RawConn) {
	_ = rc.Control(func(fd uintptr) { _ = syscall.Shutdown(int(fd), syscall.SHUT_RDWR) })
}
