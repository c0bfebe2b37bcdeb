package socketio

import (
	"errors"
	"log/slog"
	"time"

	"github.com/tickroom/tickroom/netio/engineio"
)

// Config configures a Server. The zero value is not useful; start from
// DefaultConfig. A nil *Config passed to NewServer means DefaultConfig().
type Config struct {
	// Engine configures the Engine.IO layer. Its Path defaults to
	// "/socket.io/" here.
	Engine engineio.Config
	// ConnectTimeout closes a connection that has joined no namespace in
	// this time (the reference server's connectTimeout, 45 s).
	ConnectTimeout time.Duration
	// AckTimeout is the timeout of EmitWithAck when the emitter sets none.
	// Zero means acks wait until the socket disconnects.
	AckTimeout time.Duration
	// Logger receives connection-level diagnostics. Nil discards them.
	Logger *slog.Logger
}

// DefaultConfig returns the reference server's defaults, with the Engine.IO
// path set to "/socket.io/".
func DefaultConfig() Config {
	ec := engineio.DefaultConfig()
	ec.Path = "/socket.io/"
	return Config{
		Engine:         ec,
		ConnectTimeout: 45 * time.Second,
	}
}

// Validate reports a configuration that cannot work.
func (c *Config) Validate() error {
	if c.ConnectTimeout <= 0 {
		return errors.New("socketio: ConnectTimeout must be positive")
	}
	if c.AckTimeout < 0 {
		return errors.New("socketio: AckTimeout must not be negative")
	}
	return c.Engine.Validate()
}
