package socketio

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/tickroom/tickroom/netio/engineio"
	"github.com/tickroom/tickroom/netio/internal/ratelog"
)

// Stats counts, since the server started, what its limits refused and what it survived.
type Stats struct {
	// Engine is the Engine.IO layer's: connection caps, origins, slow clients, POST
	// timeouts, panics that escaped this layer.
	Engine engineio.Stats
	// BadAuth counts CONNECTs refused with "bad auth": auth over MaxAuthBytes.
	BadAuth uint64
	// Panics counts panics recovered in handlers: middleware, connection, event and OnAny
	// handlers, disconnect handlers, ack callbacks, OfFunc matchers. Each closed its
	// connection with reason "server error".
	Panics uint64
	// ConnectTimeouts counts connections closed for joining no namespace within
	// ConnectTimeout (a handshake never followed by a CONNECT).
	ConnectTimeouts uint64
}

// counters are the server's ratelog counters, one per kind of Stats.
type counters struct {
	badAuth, panics, connectTimeouts ratelog.Counter
}

// Stats returns the server's counts.
func (s *Server) Stats() Stats {
	return Stats{
		Engine:          s.eio.Stats(),
		BadAuth:         s.counts.badAuth.Load(),
		Panics:          s.counts.panics.Load(),
		ConnectTimeouts: s.counts.connectTimeouts.Load(),
	}
}

// count counts one event of c and logs it at level unless c was logged in the last 10 s.
func (s *Server) count(c *ratelog.Counter, level slog.Level, msg string, attrs ...any) {
	if log, unlogged := c.Add(); log {
		s.log.Log(context.Background(), level, msg, append(attrs, "similar_since_last_line", unlogged)...)
	}
}

// Panic isolation: every call into a user's handler runs under recover. A panic closes that
// one connection with reason "server error", is counted in Stats.Panics and logged with its
// stack (at most one line every 10 s); the process and every other connection go on. The
// handlers run on websocket readers and timers, where nothing else would catch it.

// recoverHandler is deferred around calls into handlers: it recovers a panic (recover works
// only when called by the deferred function itself), counts and logs it, and closes the
// connection. in and name say which handler.
func (c *client) recoverHandler(in, name string) {
	v := recover()
	if v == nil {
		return
	}
	c.srv.count(&c.srv.counts.panics, slog.LevelError, "socketio: panic in handler", "sid", c.sess.ID(),
		"in", in, "name", name, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
	c.sess.Close(ReasonServerError)
}

// safely runs one handler call of a sequence that must go on past it (disconnect handlers,
// failed acks).
func (c *client) safely(in, name string, fn func()) {
	defer c.recoverHandler(in, name)
	fn()
}
