package engineio

import (
	"net/http"
	"net/netip"
	"sync"

	"github.com/tickroom/tickroom/netio/internal/ratelog"
)

// The connection caps (Config.MaxConnsPerIP, MaxConns) and the counts of what the server
// refused or cut. Only handshakes and closes touch the caps: nothing here is on the path of
// a message.

// Stats counts, since the server started, what its limits refused or cut. Each refusal is
// also logged, at most one line per kind every 10 s.
type Stats struct {
	// Conns is the number of sessions holding a slot (what MaxConns counts).
	Conns int
	// RefusedPerIP counts handshakes refused with 429: the client address had
	// MaxConnsPerIP sessions.
	RefusedPerIP uint64
	// RefusedNodeCap counts handshakes refused with 503: the server had MaxConns sessions.
	RefusedNodeCap uint64
	// RefusedOrigin counts requests refused with 403: an Origin not in Config.Origins.
	RefusedOrigin uint64
	// PostTimeouts counts polling POST bodies that did not arrive within PostTimeout.
	PostTimeouts uint64
	// SlowClients counts sessions closed as "slow client": their outbox went past
	// OutboxSize packets or MaxOutboxBytes bytes.
	SlowClients uint64
	// Panics counts panics recovered in handler calls (SessionHandler, the connection
	// handler, SendLatest's callbacks); each closed its session.
	Panics uint64

	// Open is the number of open sessions on each transport now (a session moves from
	// Polling to WebSocket when it upgrades).
	Open ByTransport
	// BytesSent and BytesReceived count the Engine.IO bytes written to and read from the
	// clients: polling bodies (the open packet's included), WebSocket message payloads
	// with their packet type; not HTTP headers or WebSocket framing.
	BytesSent, BytesReceived ByTransport
	// Closes counts closed sessions by reason (the Reason* strings, ReasonOther for any
	// other string given to Session.Close).
	Closes map[string]uint64
	// LatestReplaced counts SendLatest groups replaced by a newer one before the writer
	// took them (a slow link skipping states); LatestStale counts taken groups dropped
	// because their valid func said no.
	LatestReplaced, LatestStale uint64
}

// counters are the server's ratelog counters, one per kind of Stats.
type counters struct {
	perIP, nodeCap, origin, postTimeout, slowClient, panics ratelog.Counter
}

// Stats returns the server's counts.
func (s *Server) Stats() Stats {
	s.conns.mu.Lock()
	n := s.conns.total
	s.conns.mu.Unlock()
	c, t := &s.counts, &s.traffic
	st := Stats{
		Conns:          n,
		RefusedPerIP:   c.perIP.Load(),
		RefusedNodeCap: c.nodeCap.Load(),
		RefusedOrigin:  c.origin.Load(),
		PostTimeouts:   c.postTimeout.Load(),
		SlowClients:    c.slowClient.Load(),
		Panics:         c.panics.Load(),
		Open: ByTransport{
			Polling:   uint64(max(t.open[pollingIndex].Load(), 0)),
			WebSocket: uint64(max(t.open[websocketIndex].Load(), 0)),
		},
		BytesSent:      t.byTransport(&t.sent),
		BytesReceived:  t.byTransport(&t.received),
		Closes:         make(map[string]uint64, len(closeReasons)),
		LatestReplaced: t.latestReplaced.Load(),
		LatestStale:    t.latestStale.Load(),
	}
	for i, r := range closeReasons {
		st.Closes[r] = t.closes[i].Load()
	}
	return st
}

// count counts one event of c and logs it as a warning unless c was logged in the last 10 s.
func (s *Server) count(c *ratelog.Counter, msg string, attrs ...any) {
	if log, unlogged := c.Add(); log {
		s.log.Warn(msg, append(attrs, "similar_since_last_line", unlogged)...)
	}
}

// clip shortens a client's string for a log line: a header may be as long as the HTTP
// server allows.
func clip(s string) string {
	const max = 200
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}

// connSlot is a session's place in the caps, freed when it closes.
type connSlot struct {
	addr  netip.Addr // the client address (Session.ClientAddr)
	held  bool       // counts in conns.total
	perIP bool       // counts in conns.perIP[addr]
}

// conns counts the sessions holding a slot, in all and per client address.
type conns struct {
	mu    sync.Mutex
	total int                // guarded by mu
	perIP map[netip.Addr]int // guarded by mu: exempt addresses are not in it
}

// admit takes a slot for a handshake, or answers the refusal (429, 503) and returns false.
// Nothing else has been allocated for the handshake yet.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, upgrade bool) (connSlot, bool) {
	addr := clientAddr(r.RemoteAddr, r.Header.Values("X-Forwarded-For"), s.cfg.TrustedProxies)
	perIP := s.cfg.MaxConnsPerIP > 0 && addr.IsValid() && (s.cfg.LimitLoopback || !addr.IsLoopback())
	c := &s.conns
	c.mu.Lock()
	switch {
	case s.cfg.MaxConns > 0 && c.total >= s.cfg.MaxConns:
		c.mu.Unlock()
		s.count(&s.counts.nodeCap, "engineio: handshake refused: server full", "max_conns", s.cfg.MaxConns, "client", addr, "remote", r.RemoteAddr)
		s.refuse(w, r, upgrade, limitError(http.StatusServiceUnavailable, "Server is full"))
		return connSlot{}, false
	case perIP && c.perIP[addr] >= s.cfg.MaxConnsPerIP:
		c.mu.Unlock()
		s.count(&s.counts.perIP, "engineio: handshake refused: too many connections from one address", "max_conns_per_ip", s.cfg.MaxConnsPerIP, "client", addr, "remote", r.RemoteAddr)
		s.refuse(w, r, upgrade, limitError(http.StatusTooManyRequests, "Too many connections from this address"))
		return connSlot{}, false
	}
	c.total++
	if perIP {
		if c.perIP == nil {
			c.perIP = make(map[netip.Addr]int)
		}
		c.perIP[addr]++
	}
	c.mu.Unlock()
	return connSlot{addr: addr, held: true, perIP: perIP}, true
}

// release frees a slot taken by admit; a zero slot is nothing to free.
func (s *Server) release(slot connSlot) {
	if !slot.held {
		return
	}
	c := &s.conns
	c.mu.Lock()
	c.total--
	if slot.perIP {
		if n := c.perIP[slot.addr] - 1; n > 0 {
			c.perIP[slot.addr] = n
		} else {
			delete(c.perIP, slot.addr)
		}
	}
	c.mu.Unlock()
}

// freeSlot frees the session's slot unless its close has.
func (s *Session) freeSlot() {
	s.mu.Lock()
	slot := s.slot
	s.slot = connSlot{}
	s.mu.Unlock()
	s.srv.release(slot)
}

// limitError is the refusal of a limit. Unlike the reference's own refusals it keeps its
// status on a WebSocket handshake too: the client must see 429, 503 or 403, not 400.
func limitError(status int, message string) *RequestError {
	code := CodeBadRequest
	if status == http.StatusForbidden {
		code = CodeForbidden
	}
	return &RequestError{Code: code, Message: message, Status: status, keepStatus: true}
}
