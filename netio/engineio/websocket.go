package engineio

import (
	"errors"
	"io"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

// WebSocket transport. Per connection there is one reader goroutine at a time (wsread.go) and a
// writer goroutine only while the outbox has packets: an idle connection costs one goroutine
// parked on a minimal stack and no read or write buffer (those are pooled).

// closeGrace bounds the closing handshake: sending our close frame and waiting for the peer's.
const closeGrace = time.Second

// typeDigits holds the text form of each packet type, sliced without allocating.
const typeDigits = "0123456"

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
		s.ws, s.wsUnsent = c, newUnsentProbe(c.NetConn())
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

// writerLinger is how long a writer goroutine waits for more to write before it ends. A
// player's connection gets a snapshot every tick, so its writer stays, with the stack it grew
// writing; a fresh goroutine per snapshot cost a stack growth and a goroutine start on every
// write (a tenth of the server's CPU at 500 players). Only a busy connection lingers: one
// whose writers started lingerStreak times in a row, each less than writerLinger after the
// previous one ended. A quiet one (a lobby, pings every 25 s) keeps no writer and allocates
// nothing for one. Lingering from the second write (the Socket.IO connect right after the
// Engine.IO open) left 10,000 idle connections 850 B of heap each bigger: every one had a
// grown writer stack, a timer and a channel for a second, all freed at once.
const writerLinger = time.Second

// lingerStreak is how many quick writer starts in a row make a connection busy.
const lingerStreak = 2

// startWriterLocked starts the writer goroutine unless one is running, and wakes it if it is
// parked.
func (s *Session) startWriterLocked() {
	if s.ws == nil {
		return
	}
	if s.writing {
		s.wakeWriterLocked()
		return
	}
	s.writing = true
	if s.writerEnd != 0 && time.Since(s.srv.epoch)-s.writerEnd < writerLinger {
		s.writerStreak = min(s.writerStreak+1, lingerStreak)
	} else {
		s.writerStreak = 0
	}
	if s.writerStreak >= lingerStreak {
		s.wake = make(chan struct{}, 1) // busy: this writer lingers
	}
	s.srv.wg.Add(1) // a reader of this connection is counted, so the counter is not zero
	go s.writeLoop(s.ws, s.wake)
}

// writerEndedLocked records that the writer goroutine ends.
func (s *Session) writerEndedLocked() {
	s.writing, s.parked, s.wake = false, false, nil
	s.writerEnd = time.Since(s.srv.epoch)
}

// busyWriterLocked reports a writer goroutine that is writing (not parked).
func (s *Session) busyWriterLocked() bool { return s.writing && !s.parked }

// wakeWriterLocked wakes a parked writer.
func (s *Session) wakeWriterLocked() {
	if !s.parked {
		return
	}
	s.parked = false
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// wsWriter is the writer goroutine's own state.
type wsWriter struct {
	c        *websocket.Conn
	deadline time.Time // the write deadline last set on c
}

// writeLoop writes the outbox and the latest slot; with nothing to write it parks for up to
// writerLinger when it has a wake channel, then ends. After a graceful close it ends with the
// close frame.
func (s *Session) writeLoop(c *websocket.Conn, wake chan struct{}) {
	defer s.srv.wg.Done()
	w := &wsWriter{c: c}
	var linger *time.Timer
	for {
		s.mu.Lock()
		if s.closed && !s.wsCloseFrame { // aborted: the connection is being dropped
			s.writerEndedLocked()
			s.mu.Unlock()
			return
		}
		batch := s.out.take()
		if len(batch) == 0 && s.latest != nil {
			s.out.recycle(batch)
			if s.latestBlockedLocked() {
				// The link is backed up: wait, and let newer states replace this one.
				s.mu.Unlock()
				time.Sleep(latestPoll)
				continue
			}
			l := s.takeLatestLocked()
			s.mu.Unlock()
			if err := s.writeLatest(w, l); err != nil {
				s.mu.Lock()
				s.writeFailedLocked(c, err)
				return
			}
			continue
		}
		if len(batch) == 0 {
			s.out.recycle(batch)
			if s.closed && s.wsCloseFrame {
				s.writerEndedLocked()
				s.wsCloseFrame = false
				s.mu.Unlock()
				c.WriteControl(websocket.CloseMessage, nil, time.Now().Add(closeGrace))
				c.SetReadDeadline(time.Now().Add(closeGrace)) // the reader ends the connection
				return
			}
			if s.parked || wake == nil { // parked and nothing came, or a quiet connection's writer
				s.writerEndedLocked()
				s.mu.Unlock()
				if linger != nil {
					linger.Stop()
				}
				return
			}
			s.parked = true
			s.mu.Unlock()
			if linger == nil {
				linger = time.NewTimer(writerLinger)
			} else {
				linger.Reset(writerLinger)
			}
			select {
			case <-wake: // startWriterLocked cleared parked
			case <-linger.C: // parked is still set: the next round ends the writer
			}
			continue
		}
		s.mu.Unlock()
		var err error
		for _, p := range batch {
			if err = s.writePacket(w, p); err != nil {
				break
			}
		}
		s.mu.Lock()
		s.out.recycle(batch)
		if err != nil {
			s.writeFailedLocked(c, err)
			return
		}
		s.mu.Unlock()
	}
}

// writeLatest writes a slot group unless it is no longer valid, then reports it written.
func (s *Session) writeLatest(w *wsWriter, l *latestSlot) error {
	if l.valid != nil && !l.valid() {
		return nil
	}
	for _, m := range l.msgs {
		if err := s.writePacket(w, Packet{Type: PacketMessage, Binary: m.Binary, Data: m.Data}); err != nil {
			return err
		}
	}
	if l.written != nil {
		l.written()
	}
	return nil
}

// writePacket writes one packet as one frame. p.Data is only read: gorilla does not mask
// server frames, and text frames are assembled in a pooled buffer. A write may block for at
// most about PingInterval + PingTimeout; the deadline is moved only when a quarter of that
// has passed since it was set, not on every frame (setting it costs more than the check).
func (s *Session) writePacket(ww *wsWriter, p Packet) error {
	c := ww.c
	limit := s.srv.cfg.PingInterval + s.srv.cfg.PingTimeout
	if now := time.Now(); ww.deadline.Sub(now) < limit-limit/4 {
		ww.deadline = now.Add(limit)
		c.SetWriteDeadline(ww.deadline)
	}
	if p.Binary {
		return c.WriteMessage(websocket.BinaryMessage, p.Data)
	}
	w, err := c.NextWriter(websocket.TextMessage)
	if err != nil {
		return err
	}
	io.WriteString(w, typeDigits[p.Type:p.Type+1])
	w.Write(p.Data)
	return w.Close()
}

// runOnConnection calls the server's onConnection as a handler call: a close that happens
// meanwhile delivers OnClose to the handler set inside it, after it returns.
func (s *Session) runOnConnection() {
	s.dmu.Lock()
	defer s.dmu.Unlock()
	s.mu.Lock()
	s.inHandler = true
	s.mu.Unlock()
	s.srv.onConnection(s)
	s.mu.Lock()
	s.inHandler = false
	notify := s.notifyPending
	s.notifyPending = false
	h, reason, err := s.handler, s.closeReason, s.closeErr
	s.mu.Unlock()
	if notify {
		h.OnClose(reason, err)
	}
}

// isHandshakeOnly reports request headers that mean nothing once the WebSocket is open. A
// session keeps its handshake request for its whole life, so they are not kept (about 400 B
// of an idle connection's memory).
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

// writeFailedLocked ends the writer after a failed write: the session closes and the
// connection is cut. s.mu is held on entry and released.
func (s *Session) writeFailedLocked(c *websocket.Conn, err error) {
	s.writerEndedLocked()
	s.wsCloseFrame = false
	after := s.closeLocked(writeFailureReason(err), err, closeAbort)
	s.mu.Unlock()
	after()
	c.NetConn().Close()
}

// writeFailureReason names a failed write. A peer that has gone away (its connection reset,
// or closed under a write racing its close frame, which the reader reports as "transport
// close") is "transport close" too; a write that timed out on a stuck peer is "transport
// error".
func writeFailureReason(err error) string {
	if errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed) {
		return ReasonTransportClose
	}
	return ReasonTransportError
}
