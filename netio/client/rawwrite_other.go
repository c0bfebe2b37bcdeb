//go:build !unix

package client

import "syscall"

// nonblockingWrites: every write goes through the writer goroutine.
const nonblockingWrites = false

// nonblockingWriter is not made where the socket's descriptor is not a unix one.
type nonblockingWriter struct{}

func newNonblockingWriter(syscall.RawConn) *nonblockingWriter { return nil }

func (*nonblockingWriter) writeNonblocking([]byte) (int, error) { return 0, nil }
