//go:build !unix

package engineio

import "syscall"

// directWriter is not available here: every write goes through the writer goroutine.
type directWriter struct{}

func newDirectWriter(syscall.RawConn) *directWriter { return nil }

func (*directWriter) write(Message) (int, int, error) { return 0, 0, nil }

func (*directWriter) rest(Message, int, bool) []byte { return nil }
