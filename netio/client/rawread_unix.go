//go:build unix

package client

import (
	"net"
	"syscall"
)

// rawConnOf returns the connection's descriptor access, or nil when it has none (a TLS
// connection, a pipe): its frames are then read with blocking reads.
func rawConnOf(nc net.Conn) syscall.RawConn {
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

// sysRead is one read(2) of a non-blocking descriptor; EINTR is retried.
func sysRead(fd uintptr, b []byte) (int, error) {
	for {
		n, err := syscall.Read(int(fd), b)
		if err != syscall.EINTR {
			return max(n, 0), err
		}
	}
}

// shutdownRaw shuts both directions of the socket down without closing the descriptor: a
// waiting read sees the end, a blocked write fails. A descriptor closed already needs nothing.
func shutdownRaw(rc syscall.RawConn) {
	_ = rc.Control(func(fd uintptr) { _ = syscall.Shutdown(int(fd), syscall.SHUT_RDWR) })
}
