package engineio

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
)

// Sentinel errors.
var (
	// ErrClosed is returned by Send on a closed session.
	ErrClosed = errors.New("engineio: session closed")
	// ErrSlowClient is returned by the Send that found the outbox full; the session is closed
	// with reason "slow client" and OnClose gets this error.
	ErrSlowClient = errors.New("engineio: slow client")
	// ErrPingTimeout is the OnClose error for reason "ping timeout".
	ErrPingTimeout = errors.New("engineio: ping timeout")
	// ErrServerClosed is the OnClose error for reason "server shutting down".
	ErrServerClosed = errors.New("engineio: server closed")
	// ErrInvalidPacket wraps every packet decoding error; OnClose gets it with "parse error".
	ErrInvalidPacket = errors.New("engineio: invalid packet")
	// ErrInvalidConfig wraps every Config.Validate error.
	ErrInvalidConfig = errors.New("engineio: invalid config")
	// ErrProtocol is the OnClose error for protocol violations closed as "transport error":
	// a client ping, overlapping polls, a binary POST body, an oversized body, a malformed or
	// oversized WebSocket frame or message, invalid UTF-8 in a text frame.
	ErrProtocol = errors.New("engineio: protocol violation")
	// ErrHandlerPanic is the OnClose error for reason "server error": a handler call
	// panicked (the panic is logged with its stack and counted in Stats.Panics).
	ErrHandlerPanic = errors.New("engineio: handler panicked")
	// ErrPostTimeout is the OnClose error of a session whose polling POST body did not
	// arrive within Config.PostTimeout (reason "transport error").
	ErrPostTimeout = errors.New("engineio: POST body too slow")
)

// Close reasons passed to SessionHandler.OnClose; the strings are the reference server's.
const (
	ReasonTransportClose     = "transport close"
	ReasonTransportError     = "transport error"
	ReasonPingTimeout        = "ping timeout"
	ReasonParseError         = "parse error"
	ReasonForcedClose        = "forced close"
	ReasonServerShuttingDown = "server shutting down"
	// ReasonSlowClient is not a reference reason: the outbox went past OutboxSize packets or
	// MaxOutboxBytes bytes because the peer did not read.
	ReasonSlowClient = "slow client"
	// ReasonServerError is not a reference reason either: a handler panicked.
	ReasonServerError = "server error"
)

// ErrorCode is the "code" of the JSON body with which a request is refused.
type ErrorCode int

// Error codes of the reference server.
const (
	CodeUnknownTransport           ErrorCode = 0
	CodeUnknownSID                 ErrorCode = 1
	CodeBadHandshakeMethod         ErrorCode = 2
	CodeBadRequest                 ErrorCode = 3
	CodeForbidden                  ErrorCode = 4
	CodeUnsupportedProtocolVersion ErrorCode = 5
)

var codeMessages = [...]string{
	"Transport unknown",
	"Session ID unknown",
	"Bad handshake method",
	"Bad request",
	"Forbidden",
	"Unsupported protocol version",
}

// Message is the reference server's message for the code.
func (c ErrorCode) Message() string {
	if c >= 0 && int(c) < len(codeMessages) {
		return codeMessages[c]
	}
	return "Unknown error " + strconv.Itoa(int(c))
}

// RequestError is a refused request: the server answers it as JSON {"code","message"} with
// Status (400, or 403 for CodeForbidden). A client can decode the body into it.
type RequestError struct {
	Code    ErrorCode `json:"code"`
	Message string    `json:"message"`
	Status  int       `json:"-"`

	keepStatus bool // answered with Status and the JSON body on a WebSocket handshake too
}

// Error implements error.
func (e *RequestError) Error() string {
	return "engineio: request refused: " + strconv.Itoa(int(e.Code)) + " " + e.Message
}

func requestError(code ErrorCode) *RequestError {
	status := http.StatusBadRequest
	if code == CodeForbidden {
		status = http.StatusForbidden
	}
	return &RequestError{Code: code, Message: code.Message(), Status: status}
}

// writeJSON answers a plain HTTP request as the reference's abortRequest does.
func (e *RequestError) writeJSON(w http.ResponseWriter) {
	body, _ := json.Marshal(e) // cannot fail: an int and a string
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.Status)
	w.Write(body)
}

// writeUpgrade answers a refused WebSocket upgrade as the reference's abortUpgrade does:
// always 400, the message as a text/html body, connection closed.
func (e *RequestError) writeUpgrade(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Connection", "close")
	h.Set("Content-Type", "text/html")
	h.Set("Content-Length", strconv.Itoa(len(e.Message)))
	w.WriteHeader(http.StatusBadRequest)
	w.Write([]byte(e.Message))
}
