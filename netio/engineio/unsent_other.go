//go:build !linux

package engineio

import "net"

// unsentBytes is not available here: the slot is written as soon as the
// writer is free, bounded only by the socket send buffer.
func unsentBytes(net.Conn) (int, bool) { return 0, false }
