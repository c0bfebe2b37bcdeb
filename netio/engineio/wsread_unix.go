//go:build unix

package engineio

import (
	"net"
	"os"
	"syscall"
)

// rawConnOf returns the connection's file descriptor access, or nil when it has none (a
// TLS connection, an in-memory pipe): the reader then blocks in nc.Read.
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

// sysRead is one non-blocking read(2); EINTR is retried. Errors other than EAGAIN are
// wrapped as os.SyscallError.
func sysRead(fd uintptr, b []byte) (int, error) {
	for {
		n, err := syscall.Read(int(fd), b)
		switch err {
		case nil:
			return n, nil
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return 0, err
		}
		return 0, os.NewSyscallError("read", err)
	}
}

// sysReadable reports whether a read would not block (data, EOF or an error are pending),
// peeking into one byte so that nothing is consumed and no buffer is needed.
func sysReadable(fd uintptr, one []byte) bool {
	for {
		_, _, err := syscall.Recvfrom(int(fd), one, syscall.MSG_PEEK)
		switch err {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		return true
	}
}

// shutdownRaw shuts both directions of the socket down, without closing the descriptor (see
// cutConn). A descriptor closed already needs nothing more.
func shutdownRaw(rc syscall.RawConn) {
	rc.Control(func(fd uintptr) { syscall.Shutdown(int(fd), syscall.SHUT_RDWR) })
}
