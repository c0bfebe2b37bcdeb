package engineio

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Transport names as they appear in the "transport" query parameter.
const (
	TransportPolling   = "polling"
	TransportWebSocket = "websocket"
)

// Config configures a Server. Start from DefaultConfig: the zero Config is not valid.
type Config struct {
	// Path is the URL path prefix served, with a trailing slash ("/engine.io/").
	// Requests outside it get 404.
	Path string
	// PingInterval is the time between server pings (reference default 25s).
	PingInterval time.Duration
	// PingTimeout is how long the client has to answer a ping (reference default 20s).
	PingTimeout time.Duration
	// UpgradeTimeout bounds an upgrade from polling to websocket: a websocket that has not
	// sent the upgrade packet in time is closed (the session stays on polling).
	UpgradeTimeout time.Duration
	// MaxHTTPBufferSize is the largest POST body (else 413) and websocket message (else the
	// session closes) accepted; it is also announced to the client as maxPayload.
	MaxHTTPBufferSize int64
	// Transports lists the enabled transports, a subset of "polling" and "websocket".
	Transports []string
	// AllowUpgrades lets polling sessions upgrade to websocket.
	AllowUpgrades bool
	// CORS, when non-nil, answers preflight requests and adds CORS headers. Nil sends none.
	CORS *CORSConfig
	// AllowRequest, when non-nil, vets every handshake (not requests of existing sessions).
	// A non-nil error refuses it with 403 {"code":4} and the error text as message
	// ("Forbidden" when the text is empty).
	AllowRequest func(r *http.Request) error
	// OutboxSize is how many packets may wait for a slow client before its session is
	// closed with reason "slow client".
	OutboxSize int
	// WebSocketReadBufferSize is the size of the pooled buffers WebSocket frames are read
	// into (at least 256), borrowed only while a connection has unparsed bytes: an idle
	// connection holds none. Larger frames are still read whole.
	WebSocketReadBufferSize int
	// WebSocketWriteBufferSize is the size of the pooled write buffers, borrowed only while
	// a message is being written.
	WebSocketWriteBufferSize int
	// WebSocketSendBuffer, when positive, sets the kernel send buffer (SO_SNDBUF) of each
	// WebSocket connection. The kernel otherwise autotunes it to megabytes, which can hold
	// seconds of stale data for a slow link before the writer ever blocks; a small buffer
	// makes a stalled peer show up as a backed-up outbox instead. Zero keeps the OS default.
	WebSocketSendBuffer int
	// LatestMaxUnsent is how many unsent bytes the kernel may hold for a WebSocket
	// connection before the writer holds back the latest-wins slot (SendLatest) and lets
	// newer states replace it. Negative disables the check. Linux only (SIOCOUTQNSD).
	// The default, 0, writes the next state only once everything before it has left the
	// machine: a healthy link is never waited for (Nagle is off, so bytes leave at once
	// unless the peer's window is closed), and a backed-up one queues at most one state.
	// After a check that found nothing unsent the next three states are written without
	// one (asking the kernel is a sizeable part of a player's server path), so a link that
	// backs up may take up to three more before it is noticed.
	LatestMaxUnsent int
	// Logger receives debug and warning records. Nil discards them.
	Logger *slog.Logger
}

// CORSConfig is the subset of the reference server's `cors` options that is supported.
type CORSConfig struct {
	// Origins allowed; "*" allows any. A request from another origin gets no allow header.
	Origins []string
	// Credentials sends Access-Control-Allow-Credentials: true; the request origin is then
	// echoed (even with "*"), as browsers reject "*" with credentials.
	Credentials bool
	// Methods for preflight answers; nil means GET,HEAD,PUT,PATCH,POST,DELETE.
	Methods []string
	// AllowedHeaders for preflight answers; nil reflects Access-Control-Request-Headers.
	AllowedHeaders []string
	// MaxAge of a preflight answer; 0 omits the header.
	MaxAge time.Duration
}

// DefaultConfig returns the reference server's defaults plus this package's own.
func DefaultConfig() Config {
	return Config{
		Path:                     "/engine.io/",
		PingInterval:             25 * time.Second,
		PingTimeout:              20 * time.Second,
		UpgradeTimeout:           10 * time.Second,
		MaxHTTPBufferSize:        1e6,
		Transports:               []string{TransportPolling, TransportWebSocket},
		AllowUpgrades:            true,
		OutboxSize:               1024,
		LatestMaxUnsent:          0,
		WebSocketReadBufferSize:  4096,
		WebSocketWriteBufferSize: 4096,
	}
}

// Validate reports the first invalid field, wrapped in ErrInvalidConfig.
func (c *Config) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...)
	}
	switch {
	case !strings.HasPrefix(c.Path, "/"):
		return bad("Path %q must start with /", c.Path)
	case c.PingInterval <= 0:
		return bad("PingInterval must be positive")
	case c.PingTimeout <= 0:
		return bad("PingTimeout must be positive")
	case c.UpgradeTimeout <= 0:
		return bad("UpgradeTimeout must be positive")
	case c.MaxHTTPBufferSize <= 0:
		return bad("MaxHTTPBufferSize must be positive")
	case len(c.Transports) == 0:
		return bad("Transports is empty")
	case c.OutboxSize <= 0:
		return bad("OutboxSize must be positive")
	case c.WebSocketSendBuffer < 0:
		return bad("WebSocketSendBuffer must not be negative")
	case c.WebSocketReadBufferSize <= 0 || c.WebSocketWriteBufferSize <= 0:
		return bad("WebSocket buffer sizes must be positive")
	}
	for _, t := range c.Transports {
		if t != TransportPolling && t != TransportWebSocket {
			return bad("unknown transport %q", t)
		}
	}
	if c.CORS != nil && len(c.CORS.Origins) == 0 {
		return bad("CORS.Origins is empty")
	}
	return nil
}

func (c *Config) hasTransport(name string) bool {
	for _, t := range c.Transports {
		if t == name {
			return true
		}
	}
	return false
}

// pathPrefix normalises Path to end with exactly one slash, as the reference does.
func (c *Config) pathPrefix() string {
	return strings.TrimRight(c.Path, "/") + "/"
}
