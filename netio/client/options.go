package client

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Transport selects how a Manager reaches the server.
type Transport uint8

const (
	// TransportUpgrade opens over HTTP long-polling and upgrades to WebSocket when the server
	// offers it: the npm client's default.
	TransportUpgrade Transport = iota
	// TransportWebSocket opens over WebSocket directly.
	TransportWebSocket
	// TransportPolling stays on HTTP long-polling.
	TransportPolling
)

// String returns the transport's name.
func (t Transport) String() string {
	switch t {
	case TransportUpgrade:
		return "polling+websocket"
	case TransportWebSocket:
		return "websocket"
	case TransportPolling:
		return "polling"
	}
	return fmt.Sprintf("Transport(%d)", t)
}

// Parser selects the Socket.IO parser spoken on the wire. The server must use the same one.
type Parser uint8

const (
	// ParserMsgpack is socket.io-msgpack-parser: one binary frame per packet (the default).
	ParserMsgpack Parser = iota
	// ParserText is socket.io-parser, the npm default: JSON text plus binary attachments.
	ParserText
)

// String returns the parser's name.
func (p Parser) String() string {
	switch p {
	case ParserMsgpack:
		return "msgpack"
	case ParserText:
		return "text"
	}
	return fmt.Sprintf("Parser(%d)", p)
}

// Options configures a Manager. The zero value is not valid: start from DefaultOptions. A nil
// *Options means DefaultOptions().
type Options struct {
	// Path is the Engine.IO path on the server, with a trailing slash.
	Path string
	// Transport is how to connect (default TransportUpgrade, as the npm client).
	Transport Transport
	// Parser is the Socket.IO parser (default ParserMsgpack, tickroom's wire format).
	Parser Parser
	// Header is added to every HTTP request and the WebSocket handshake.
	Header http.Header
	// Query is added to the Engine.IO URL's query.
	Query url.Values
	// ConnectTimeout bounds one Engine.IO connection attempt (the handshake, not the
	// Socket.IO CONNECT; the npm client's `timeout`, 20 s).
	ConnectTimeout time.Duration
	// Reconnection makes the Manager reconnect after the connection is lost while some
	// socket still wants to be connected, and retry a failed first connection.
	Reconnection bool
	// ReconnectionAttempts bounds consecutive attempts; 0 means unlimited.
	ReconnectionAttempts int
	// ReconnectionDelay is the first backoff delay (npm default 1 s); it doubles per attempt.
	ReconnectionDelay time.Duration
	// ReconnectionDelayMax caps the backoff delay (npm default 5 s).
	ReconnectionDelayMax time.Duration
	// RandomizationFactor spreads each delay by up to ±factor of itself (npm default 0.5).
	RandomizationFactor float64
	// AckTimeout is the default timeout of EmitWithAck; 0 means acks wait until the socket
	// disconnects.
	AckTimeout time.Duration
	// QueueSize bounds the packets waiting for the writer of a connection, and the packets a
	// disconnected socket buffers for its next connection. Emit returns ErrQueueFull past it.
	QueueSize int
	// WebSocketReadBufferSize is the per-connection read buffer: the size the frame reader's
	// buffer starts at (it grows for a larger frame, and shrinks back past 64 KB), and
	// gorilla/websocket's during the handshake. Small keeps idle clients cheap; bigger frames
	// are still read whole.
	WebSocketReadBufferSize int
	// WebSocketWriteBufferSize is the size of gorilla/websocket's pooled write buffers, held
	// only while writing. The client writes its data, pong and close frames itself, not
	// through them: only the probe and upgrade packets of an upgrade from polling use them.
	WebSocketWriteBufferSize int
	// HTTPClient, when set, carries the polling requests. Nil gives each Manager its own
	// client, whose idle connections Close releases.
	HTTPClient *http.Client
	// Logger receives diagnostics; nil discards them.
	Logger *slog.Logger
}

// DefaultOptions returns the npm socket.io-client defaults, with the msgpack parser.
func DefaultOptions() Options {
	return Options{
		Path:                     "/socket.io/",
		Transport:                TransportUpgrade,
		Parser:                   ParserMsgpack,
		ConnectTimeout:           20 * time.Second,
		Reconnection:             true,
		ReconnectionDelay:        time.Second,
		ReconnectionDelayMax:     5 * time.Second,
		RandomizationFactor:      0.5,
		QueueSize:                1024,
		WebSocketReadBufferSize:  1024,
		WebSocketWriteBufferSize: 4096,
	}
}

// Validate reports the first invalid field, wrapped in ErrInvalidOptions.
func (o *Options) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidOptions}, args...)...)
	}
	switch {
	case !strings.HasPrefix(o.Path, "/"):
		return bad("Path %q must start with /", o.Path)
	case o.Transport > TransportPolling:
		return bad("unknown %v", o.Transport)
	case o.Parser > ParserText:
		return bad("unknown %v", o.Parser)
	case o.ConnectTimeout <= 0:
		return bad("ConnectTimeout must be positive")
	case o.ReconnectionAttempts < 0:
		return bad("ReconnectionAttempts must not be negative")
	case o.ReconnectionDelay <= 0 || o.ReconnectionDelayMax < o.ReconnectionDelay:
		return bad("need 0 < ReconnectionDelay <= ReconnectionDelayMax")
	case o.RandomizationFactor < 0 || o.RandomizationFactor > 1:
		return bad("RandomizationFactor must be in [0, 1]")
	case o.AckTimeout < 0:
		return bad("AckTimeout must not be negative")
	case o.QueueSize <= 0:
		return bad("QueueSize must be positive")
	case o.WebSocketReadBufferSize <= 0 || o.WebSocketWriteBufferSize <= 0:
		return bad("WebSocket buffer sizes must be positive")
	}
	return nil
}
