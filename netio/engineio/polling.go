package engineio

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// HTTP long-polling: a GET waits for queued packets and takes them all as one payload; a
// POST carries a payload from the client. At most one of each may be in flight per session;
// the GET goroutine is the session's only writer while the transport is polling.

func (srv *Server) handshakePolling(w http.ResponseWriter, r *http.Request) {
	slot, ok := srv.admit(w, r, false)
	if !ok {
		return
	}
	sess := srv.newSession(r, slot)
	if !srv.register(sess, 0) {
		srv.release(slot)
		srv.refuse(w, r, false, &RequestError{Code: CodeBadRequest, Message: "Server is shutting down", Status: http.StatusServiceUnavailable})
		return
	}
	open := srv.openPacket(sess.id, TransportPolling)
	sess.mu.Lock()
	if !sess.closed {
		sess.heartbeat.start(sess)
		sess.openTransportLocked(pollingIndex)
	}
	sess.mu.Unlock()
	sess.runOnConnection()
	// Only the open packet: what onConnection sent waits for the next GET, as in the reference.
	body := AppendPacket(nil, open)
	srv.traffic.sent[pollingIndex].Add(uint64(len(body)))
	writePollResponse(w, r, body)
}

func (s *Session) servePolling(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		s.servePost(w, r)
		return
	}
	s.servePoll(w, r)
}

// pollReadyLocked reports whether a GET can be answered now.
func (s *Session) pollReadyLocked() bool {
	return s.out.len() > 0 || s.hasLatestLocked() || s.closed || s.pollClose || s.probed || s.ws != nil
}

func (s *Session) wakePollLocked() {
	select {
	case s.pollWake <- struct{}{}:
	default: // already signalled
	}
}

func (s *Session) servePoll(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.pollActive {
		// Overlapping polls: the reference treats it as a transport error. The pending GET
		// gets the close packet; this one a bare 400.
		after := s.closeLocked(ReasonTransportError, fmt.Errorf("%w: overlapping poll requests", ErrProtocol), closeError)
		s.mu.Unlock()
		after()
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if s.closed && !s.lingering {
		s.mu.Unlock()
		requestError(CodeUnknownSID).writeJSON(w)
		return
	}
	if !s.pollReadyLocked() {
		if s.pollWake == nil {
			s.pollWake = make(chan struct{}, 1)
		}
		wake := s.pollWake
		select {
		case <-wake: // stale signal from an earlier poll
		default:
		}
		s.pollActive = true
		for !s.pollReadyLocked() {
			s.mu.Unlock()
			select {
			case <-wake:
			case <-r.Context().Done():
				s.mu.Lock()
				s.pollActive = false
				after := s.closeLocked(ReasonTransportError, fmt.Errorf("engineio: poll connection closed prematurely: %w", r.Context().Err()), closeError)
				s.mu.Unlock()
				after()
				return
			}
			s.mu.Lock()
		}
		s.pollActive = false
	}
	packets := s.out.take()
	var written latestSlot
	panicked := false
	if l, ok := s.takeLatestLocked(); ok && !s.closed {
		if ok, panicked = s.latestValid(l.hooks, l.tag); ok {
			var one [1]Message
			for _, m := range l.messages(&one) { // after the queued packets, as over WebSocket
				packets = append(packets, Packet{Type: PacketMessage, Binary: m.Binary, Data: m.Data})
			}
			written = l
		}
	}
	switch {
	case s.pollClose && len(packets) == 0:
		packets = append(packets, Packet{Type: PacketClose})
		s.pollClose = false
	case s.pollClose:
		// Queued packets go first, and "1" only in the next poll, as the reference does:
		// socket.io-client handles decoded packets a tick later, so a close in the same
		// payload would overtake them (a server DISCONNECT would read as "transport close").
	case len(packets) == 0:
		packets = append(packets, Packet{Type: PacketNoop}) // upgrade, or client close
	}
	body := AppendPayload(make([]byte, 0, payloadSize(packets)), packets)
	s.out.recycle(packets)
	ended := s.lingering && !s.pollClose
	if ended {
		s.lingering = false
		s.lingerTimer.Stop()
	}
	s.mu.Unlock()
	if ended {
		s.srv.remove(s)
	}
	s.srv.traffic.sent[pollingIndex].Add(uint64(len(body)))
	writePollResponse(w, r, body)
	if s.latestWritten(written.hooks, written.tag) || panicked {
		s.closePanicked()
	}
}

func payloadSize(packets []Packet) int {
	n := 0
	for _, p := range packets {
		if p.Binary {
			n += 2 + (len(p.Data)+2)/3*4
		} else {
			n += 2 + len(p.Data)
		}
	}
	return n
}

func writePollResponse(w http.ResponseWriter, r *http.Request, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=UTF-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	noCacheHeaders(h, r)
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// noCacheHeaders adds what the reference's Polling.headers adds.
func noCacheHeaders(h http.Header, r *http.Request) {
	if ua := r.Header.Get("User-Agent"); strings.Contains(ua, ";MSIE") || strings.Contains(ua, "Trident/") {
		h.Set("X-XSS-Protection", "0")
	}
	h.Set("Cache-Control", "no-store")
}

func (s *Session) servePost(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.postActive {
		after := s.closeLocked(ReasonTransportError, fmt.Errorf("%w: overlapping data requests", ErrProtocol), closeError)
		s.mu.Unlock()
		after()
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	wasClosed := s.closed
	s.postActive = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.postActive = false
		s.mu.Unlock()
	}()

	if r.Header.Get("Content-Type") == "application/octet-stream" {
		// v4 payloads are text; the reference refuses binary bodies as "invalid content".
		s.close(ReasonTransportError, fmt.Errorf("%w: binary POST body", ErrProtocol), closeError)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	max := s.srv.cfg.MaxHTTPBufferSize
	if r.ContentLength > max {
		s.tooLarge(w)
		return
	}
	body, err := s.readPostBody(w, r, max)
	if errors.Is(err, ErrPostTimeout) {
		s.srv.count(&s.srv.counts.postTimeout, "engineio: polling POST body too slow", "sid", s.id, "client", s.req.clientAddr,
			"post_timeout", s.srv.cfg.PostTimeout)
		s.close(ReasonTransportError, err, closeError)
		w.Header().Set("Connection", "close")
		w.WriteHeader(http.StatusRequestTimeout)
		return
	}
	if err != nil {
		s.close(ReasonTransportError, fmt.Errorf("engineio: data request failed: %w", err), closeError)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if int64(len(body)) > max {
		s.tooLarge(w)
		return
	}
	s.srv.traffic.received[pollingIndex].Add(uint64(len(body)))
	packets, perr := DecodePayload(nil, body)
	for _, p := range packets {
		if p.Type == PacketClose {
			s.close(ReasonTransportClose, nil, closePeer) // later packets are ignored
			break
		}
		s.onPacket(p, false)
	}
	if perr != nil {
		s.close(ReasonParseError, perr, closeError)
	}
	s.mu.Lock()
	// A graceful Close during the request (a handler disconnecting its socket) still answers
	// "ok", so the client goes on to collect the queued packets and the close packet.
	aborted := !wasClosed && s.closed && s.closeErr != nil
	s.mu.Unlock()
	if aborted {
		// The reference destroys the data request when the session fails under it.
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html") // text/html avoids download dialogs (reference GH-43)
	h.Set("Content-Length", "2")
	noCacheHeaders(h, r)
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, "ok")
}

func (s *Session) tooLarge(w http.ResponseWriter) {
	s.close(ReasonTransportError, fmt.Errorf("%w: POST body larger than MaxHTTPBufferSize", ErrProtocol), closeError)
	w.Header().Set("Connection", "close")
	w.WriteHeader(http.StatusRequestEntityTooLarge)
}

// readPostBody reads the body within Config.PostTimeout (negative: no bound). The read
// deadline stops a body that stalls; the clock checked after each read stops one trickled a
// byte at a time where the connection has no deadline to set (HTTP/2 without support).
func (s *Session) readPostBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	timeout := s.srv.cfg.PostTimeout
	if timeout < 0 {
		return readBody(r, max, time.Time{})
	}
	deadline := time.Now().Add(timeout)
	rc := http.NewResponseController(w)
	if rc.SetReadDeadline(deadline) == nil {
		// Cleared once the body is in, before the handler's work and the answer: net/http
		// sets its own deadlines for the connection's next request.
		defer rc.SetReadDeadline(time.Time{})
	}
	body, err := readBody(r, max, deadline)
	if err != nil && (errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, ErrPostTimeout)) {
		return nil, fmt.Errorf("%w: not received within %v", ErrPostTimeout, timeout)
	}
	return body, err
}

// readBody reads at most max+1 bytes, so a result longer than max means "too large". Past
// deadline (unless zero) it fails with ErrPostTimeout.
func readBody(r *http.Request, max int64, deadline time.Time) ([]byte, error) {
	n := r.ContentLength
	if n < 0 || n > max {
		n = 512
	}
	buf := make([]byte, 0, n+1)
	lr := io.LimitReader(r.Body, max+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		m, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
		if !deadline.IsZero() && time.Now().After(deadline) {
			return nil, ErrPostTimeout
		}
	}
}
