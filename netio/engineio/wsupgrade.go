package engineio

import (
	"errors"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
)

// Upgrade from polling: a websocket opened for a polling session probes, then takes over.

// upgradeSession takes a websocket opened for an existing polling session and runs the probe
// exchange on it; the session switches to it when the client sends the upgrade packet.
func (srv *Server) upgradeSession(w http.ResponseWriter, r *http.Request, sess *Session) {
	if !srv.addGoroutine() {
		srv.refuse(w, r, true, &RequestError{Code: CodeBadRequest, Message: "Server is shutting down", Status: http.StatusServiceUnavailable})
		return
	}
	conn, err := srv.upgrader.Upgrade(w, r, w.Header())
	if err != nil {
		srv.wg.Done()
		return
	}
	srv.tuneConn(conn)
	rd := srv.newReader(sess, conn, readUpgrade)
	sess.mu.Lock()
	if sess.closed || sess.ws != nil || sess.upgradeConn != nil || !srv.cfg.AllowUpgrades {
		// Already upgraded or upgrading: the reference closes the newcomer at once.
		sess.mu.Unlock()
		go func() {
			rd.drain()
			rd.run()
		}()
		return
	}
	sess.upgradeConn = conn
	sess.upgradeTimer = time.AfterFunc(srv.cfg.UpgradeTimeout, func() { sess.upgradeTimedOut(conn) })
	sess.mu.Unlock()
	go rd.run()
}

func (s *Session) upgradeTimedOut(c *websocket.Conn) {
	s.mu.Lock()
	if s.upgradeConn == c {
		s.abandonUpgradeLocked()
		c.SetReadDeadline(time.Now()) // wakes the reader, which closes it
	}
	s.mu.Unlock()
}

func (s *Session) abandonUpgradeLocked() {
	s.upgradeConn = nil
	s.probed = false
	if s.upgradeTimer != nil {
		s.upgradeTimer.Stop()
		s.upgradeTimer = nil
	}
}

// upgradeMessage handles a message of the probing websocket c: "2probe" is answered with
// "3probe" and makes the pending poll return a noop so the client can pause polling; "5"
// completes the upgrade and the reader becomes the session's. Anything else closes this
// websocket only; the session continues on polling.
func (r *wsReader) upgradeMessage(binary bool, data []byte) {
	s, c := r.s, r.c
	var p Packet
	var err error
	if binary {
		err = errors.New("binary frame during upgrade")
	} else {
		p, err = DecodePacket(data)
	}
	probe := err == nil && p.Type == PacketPing && string(p.Data) == "probe"
	if probe {
		c.SetWriteDeadline(time.Now().Add(s.srv.cfg.PingTimeout))
		err = c.WriteMessage(websocket.TextMessage, []byte("3probe"))
	}
	s.mu.Lock()
	if s.upgradeConn != c || s.closed {
		s.mu.Unlock()
		r.drain()
		return
	}
	switch {
	case err == nil && probe:
		s.probed = true
		if s.pollActive {
			s.wakePollLocked() // answered with a noop
		}
		s.mu.Unlock()
		return
	case err == nil && p.Type == PacketUpgrade:
		s.abandonUpgradeLocked()
		s.ws = c
		s.openTransportLocked(websocketIndex)
		if s.pollActive {
			s.wakePollLocked()
		}
		s.flushLocked()
		s.mu.Unlock()
		s.srv.log.Debug("engineio: upgraded", "sid", s.id)
		r.mode = readSession // frames already buffered are the session's
		return
	}
	s.abandonUpgradeLocked()
	s.mu.Unlock()
	s.srv.log.Debug("engineio: upgrade failed", "sid", s.id, "err", err)
	r.drain()
}

// upgradeEnded abandons the upgrade attempt on c after its reader failed (or timed out).
func (s *Session) upgradeEnded(c *websocket.Conn, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.upgradeConn != c || s.closed {
		return
	}
	s.abandonUpgradeLocked()
	s.srv.log.Debug("engineio: upgrade failed", "sid", s.id, "err", err)
}
