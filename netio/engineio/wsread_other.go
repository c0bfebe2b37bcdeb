//go:build !unix

package engineio

func sysRead(uintptr, []byte) (int, error) { panic("engineio: no raw reads on this platform") }

func sysReadable(uintptr, []byte) bool { panic("engineio: no raw reads on this platform") }
