//go:build unix

package engineio

import (
	"os"
	"syscall"
)

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
