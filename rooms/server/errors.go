package server

import "errors"

// Sentinel errors of the server.
var (
	// ErrBadConfig: a Config that fails Validate (New wraps it, with the
	// lobby's, Socket.IO's or the mode registry's own error when one of
	// those refused its part).
	ErrBadConfig = errors.New("tickroom: bad config")
	// ErrServed: Serve or ListenAndServe on a Server that has served
	// already or has shut down. A Server runs once: its rooms and
	// connections end with its shutdown.
	ErrServed = errors.New("tickroom: server has served already")
)
