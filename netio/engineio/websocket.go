package engineio

import (
	"net/http"
	"time"

	"github.com/gorilla/websocket"
)

// WebSocket transport. Per connection there is one reader goroutine at a time (wsread.go) and a
// writer goroutine only while the outbox has packets (wswrite.go): an idle connection costs one
// goroutine parked on a minimal stack and no read or write buffer (those are pooled). A polling
// session moves to a websocket as wsupgrade.go says. Here: the handshake of a session opened
// on a websocket, and what it keeps of the request.

// closeGrace bounds the closing handshake: sending our close frame and waiting for the peer's.
const closeGrace = time.Second

// handshakeWebSocket opens a session on a websocket: it sends the open packet, runs
// onConnection, then starts the session's reader.
func (srv *Server) handshakeWebSocket(w http.ResponseWriter, r *http.Request) {
	sess := srv.newSession(r)
	if !srv.register(sess, 1) { // counts the reader
		srv.refuse(w, r, true, &RequestError{Code: CodeBadRequest, Message: "Server is shutting down", Status: http.StatusServiceUnavailable})
		return
	}
	conn, err := srv.upgrader.Upgrade(w, r, w.Header())
	if err != nil { // gorilla has answered
		srv.remove(sess)
		srv.wg.Done()
		srv.log.Debug("engineio: websocket handshake failed", "err", err, "remote", r.RemoteAddr)
		return
	}
	sess.req.header = keptHeaders(sess.req.header)
	srv.tuneConn(conn)
	sess.mu.Lock()
	sess.ws, sess.wsUnsent = conn, newUnsentProbe(conn.NetConn())
	sess.out.push(srv.openPacket(sess.id, TransportWebSocket))
	if !sess.closed {
		sess.heartbeat.start(sess)
	}
	sess.mu.Unlock()
	sess.runOnConnection()
	sess.mu.Lock()
	if sess.closed && !sess.wsCloseFrame && !sess.writing {
		conn.NetConn().Close() // closed during onConnection: nothing more to say
	} else {
		sess.flushLocked()
	}
	sess.mu.Unlock()
	go srv.newReader(sess, conn, readSession).run()
}

// tuneConn applies the kernel socket options of the configuration.
func (srv *Server) tuneConn(c *websocket.Conn) {
	if srv.cfg.WebSocketSendBuffer <= 0 {
		return
	}
	if tc, ok := c.NetConn().(interface{ SetWriteBuffer(int) error }); ok {
		if err := tc.SetWriteBuffer(srv.cfg.WebSocketSendBuffer); err != nil {
			srv.log.Debug("engineio: SO_SNDBUF", "err", err)
		}
	}
}

// isHandshakeOnly reports request headers that mean nothing once the WebSocket is open. A
// session keeps its handshake request for its whole life, so they are not kept: they would
// weigh on every idle connection's memory.
func isHandshakeOnly(key string) bool {
	switch key {
	case "Connection", "Upgrade", "Sec-Websocket-Key", "Sec-Websocket-Version", "Sec-Websocket-Extensions":
		return true
	}
	return false
}

// keptHeaders returns a right-sized copy of h without the handshake-only headers.
func keptHeaders(h http.Header) http.Header {
	n := 0
	for k := range h {
		if !isHandshakeOnly(k) {
			n++
		}
	}
	out := make(http.Header, n)
	for k, v := range h {
		if !isHandshakeOnly(k) {
			out[k] = v
		}
	}
	return out
}
