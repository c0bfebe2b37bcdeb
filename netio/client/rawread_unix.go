//go:build unix

package client

import (
	"syscall"
)

// sysRead is one read(2) of a non-blocking descriptor; EINTR is retried.
func sysRead(fd uintptr, b []byte) (int, error) {
	for {
		n, err := syscall.Read(int(fd), b)
		if err != syscall.EINTR {
			return max(n, 0), err
		}
	}
}
