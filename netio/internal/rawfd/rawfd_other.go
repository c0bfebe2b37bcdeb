//go:build !unix

package rawfd

import (
	"net"
	"syscall"
)

// Of returns nil: without unix descriptors connections are read and written through
// net.Conn.
func Of(net.Conn) syscall.RawConn { return nil }

// Shutdown is never called: Of gives no descriptor.
func Shutdown(syscall.RawConn) {}
