package engineio

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
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

	// Limits for a server on the open internet. In each, zero means the default the field
	// names (DefaultConfig sets the same values) and a negative value turns the limit off.
	// Refusals are counted (Server.Stats) and logged at most once per reason every 10 s.

	// MaxConnsPerIP is the most sessions one client address may hold; a handshake beyond it
	// is answered 429 before anything is allocated for it. The client address is the peer's,
	// or, when the peer is in TrustedProxies, the first address of X-Forwarded-For, read from
	// the right, that is not a trusted proxy (Session.ClientAddr). Loopback clients are exempt
	// unless LimitLoopback is set. Zero means DefaultMaxConnsPerIP (256).
	MaxConnsPerIP int
	// MaxConns is the most sessions the server holds, both transports together; a handshake
	// beyond it is answered 503. A session's slot (here and in MaxConnsPerIP) is freed when
	// it closes. Zero means DefaultMaxConns (100,000).
	MaxConns int
	// TrustedProxies are the networks of the reverse proxies whose X-Forwarded-For is
	// believed (IPv4 as a.b.c.d/n). Empty: the header is ignored and every peer is the
	// client.
	TrustedProxies []netip.Prefix
	// LimitLoopback applies MaxConnsPerIP to loopback clients too. By default they are
	// exempt, so local bots and a proxy on the same host (not in TrustedProxies) are not
	// limited; tests turn it on.
	LimitLoopback bool
	// Origins, when not empty, lists the origins ("https://example.com", scheme://host[:port])
	// browsers may connect from: a request whose Origin header is not in it (the polling
	// handshake and requests, the WebSocket handshake and upgrade, CORS preflights) is
	// refused with 403 {"code":4,"message":"Forbidden"}. "*" allows any. A request without
	// an Origin header (a bot, a same-origin GET) is not checked. When CORS is nil, polling
	// CORS headers are sent for these origins. Empty: any origin is accepted, as the
	// reference server does.
	Origins []string
	// MaxOutboxBytes bounds the bytes of messages waiting for one session's transport (the
	// outbox, a batch the writer holds, the SendLatest slot); past it, or past OutboxSize
	// packets, the session closes as "slow client". Zero means DefaultMaxOutboxBytes (4 MB).
	MaxOutboxBytes int
	// PostTimeout is how long a polling POST body may take to arrive; a slower one (a body
	// trickled a byte at a time) is answered 408 and its session closes with "transport
	// error". Zero means PingTimeout.
	PostTimeout time.Duration
	// RequestKeepBytes bounds what a session keeps of its handshake request for
	// Session.Request (socketio's Handshake): the Host, the query, then the headers in name
	// order, each kept whole while the sum of lengths fits, else left out. Zero means
	// DefaultRequestKeepBytes (4 KB).
	RequestKeepBytes int

	// Logger receives debug and warning records. Nil discards them.
	Logger *slog.Logger
}

// The defaults of the limits, for flags and documentation.
const (
	DefaultMaxConnsPerIP    = 256
	DefaultMaxConns         = 100_000
	DefaultMaxOutboxBytes   = 4 << 20
	DefaultRequestKeepBytes = 4 << 10
)

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
		MaxConnsPerIP:            DefaultMaxConnsPerIP,
		MaxConns:                 DefaultMaxConns,
		MaxOutboxBytes:           DefaultMaxOutboxBytes,
		RequestKeepBytes:         DefaultRequestKeepBytes,
	}
}

// withLimitDefaults returns c with its zero limits set to their defaults.
func (c Config) withLimitDefaults() Config {
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	def(&c.MaxConnsPerIP, DefaultMaxConnsPerIP)
	def(&c.MaxConns, DefaultMaxConns)
	def(&c.MaxOutboxBytes, DefaultMaxOutboxBytes)
	def(&c.RequestKeepBytes, DefaultRequestKeepBytes)
	if c.PostTimeout == 0 {
		c.PostTimeout = c.PingTimeout
	}
	return c
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
	for _, p := range c.TrustedProxies {
		if !p.IsValid() {
			return bad("TrustedProxies holds an invalid prefix")
		}
	}
	for _, o := range c.Origins {
		if o != "*" && o != "null" && !strings.Contains(o, "://") {
			return bad("Origins: %q is not scheme://host[:port], \"*\" or \"null\"", o)
		}
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
