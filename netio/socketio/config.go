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
	// MaxAuthBytes bounds a CONNECT's handshake auth, measured as canonical msgpack (about
	// what socket.io-msgpack-parser sends; the text parser's JSON is a little larger): a
	// larger one is answered CONNECT_ERROR {message: "bad auth"} and dropped undecoded,
	// counted in Stats.BadAuth. Zero means DefaultMaxAuthBytes (4 KB); negative turns the
	// bound off.
	MaxAuthBytes int
	// Logger receives connection-level diagnostics. Nil discards them.
	Logger *slog.Logger
}

// DefaultMaxAuthBytes is MaxAuthBytes's default.
const DefaultMaxAuthBytes = 4 << 10

// DefaultConfig returns the reference server's defaults, with the Engine.IO
// path set to "/socket.io/".
func DefaultConfig() Config {
	ec := engineio.DefaultConfig()
	ec.Path = "/socket.io/"
	return Config{
		Engine:         ec,
		ConnectTimeout: 45 * time.Second,
		MaxAuthBytes:   DefaultMaxAuthBytes,
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
