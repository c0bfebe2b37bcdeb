//go:build !unix

package engineio

import "syscall"

// directWriter is not available here: every write goes through the writer goroutine.
type directWriter struct{}

func (*directWriter) init(syscall.RawConn) bool { return false }

// directWrite is what one direct write did.
type directWrite struct {
	n, total       int
	blocked, empty bool
}

func (*directWriter) write(Message, bool, int) (directWrite, error) { return directWrite{}, nil }

func (*directWriter) rest(Message, int, bool) []byte { return nil }
