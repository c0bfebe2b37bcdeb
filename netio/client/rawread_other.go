//go:build !unix

package client

import (
	"syscall"
)

// sysRead is never called: rawfd.Of gives no descriptor.
func sysRead(uintptr, []byte) (int, error) { return 0, syscall.EINVAL }
