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
	slot, ok := srv.admit(w, r, true)
	if !ok {
		return
	}
	sess := srv.newSession(r, slot)
	if !srv.register(sess, 1) { // counts the reader
		srv.release(slot)
		srv.refuse(w, r, true, &RequestError{Code: CodeBadRequest, Message: "Server is shutting down", Status: http.StatusServiceUnavailable})
		return
	}
	conn, err := srv.upgrader.Upgrade(w, r, w.Header())
	if err != nil { // gorilla has answered
		srv.remove(sess)
		sess.freeSlot() // unless Server.Close has closed it meanwhile
		srv.wg.Done()
		srv.log.Debug("engineio: websocket handshake failed", "err", err, "remote", r.RemoteAddr)
		return
	}
	srv.tuneConn(conn)
	sess.mu.Lock()
	sess.ws = conn
	sess.out.push(srv.openPacket(sess.id, TransportWebSocket))
	if !sess.closed {
		sess.heartbeat.start(sess)
		sess.openTransportLocked(websocketIndex)
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
