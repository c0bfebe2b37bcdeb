//go:build !linux

package engineio

import "net"

// unsentProbe is not available here: the slot is written as soon as the
// writer is free, bounded only by the socket send buffer.
type unsentProbe struct{}

func newUnsentProbe(net.Conn) *unsentProbe { return nil }

func (*unsentProbe) unsent() (int, bool) { return 0, false }

// unsentOf cannot tell here.
func unsentOf(uintptr) (int, bool) { return 0, false }
