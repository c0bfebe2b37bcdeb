//go:build !unix

package engineio

import (
	"net"
	"syscall"
)

// rawConnOf returns nil: without unix read(2) semantics the reader blocks in nc.Read.
func rawConnOf(net.Conn) syscall.RawConn { return nil }

func sysRead(uintptr, []byte) (int, error) { panic("engineio: no raw reads on this platform") }

func sysReadable(uintptr, []byte) bool { panic("engineio: no raw reads on this platform") }

func shutdownRaw(syscall.RawConn) { panic("engineio: no raw connections on this platform") }
