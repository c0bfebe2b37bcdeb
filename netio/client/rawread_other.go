//go:build !unix

package client

import (
	"net"
	"syscall"
)

// rawConnOf returns nil: without unix descriptors every frame is read with blocking reads.
func rawConnOf(net.Conn) syscall.RawConn { return nil }

// sysRead is never called: rawConnOf gives no descriptor.
func sysRead(uintptr, []byte) (int, error) { return 0, syscall.EINVAL }

// shutdownRaw is never called: rawConnOf gives no descriptor.
func shutdownRaw(syscall.RawConn) {}
