package engineio

import (
	"crypto/tls"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
)

// keptRequest is what a session keeps of its handshake request for its whole life. Not the
// request itself: its context pins net/http's per-connection state, its strings pin the
// request line, and its header is as large as the client made it (as large as the HTTP
// server's MaxHeaderBytes, 1 MB by default). These fields are copies, bounded by
// Config.RequestKeepBytes.
type keptRequest struct {
	method, host, path, rawQuery, remoteAddr, proto string
	header                                          http.Header
	tls                                             *tls.ConnectionState
	clientAddr                                      netip.Addr
}

// keepRequest copies what Request and socketio's Handshake need: the Host, path and query,
// then the headers in name order, each whole while the sum of their lengths fits in budget
// (negative: no bound), else left out. Copies, because a substring would pin the request line.
func keepRequest(r *http.Request, client netip.Addr, budget int) *keptRequest {
	fits := func(n int) bool {
		if budget < 0 {
			return true
		}
		if n > budget {
			return false
		}
		budget -= n
		return true
	}
	k := &keptRequest{
		method:     knownOrClone(r.Method, http.MethodGet),
		proto:      knownOrClone(r.Proto, "HTTP/1.1"),
		remoteAddr: strings.Clone(r.RemoteAddr), // net/http's, from the socket: short
		tls:        r.TLS,
		clientAddr: client,
	}
	if fits(len(r.Host)) {
		k.host = strings.Clone(r.Host)
	}
	if fits(len(r.URL.Path)) {
		k.path = strings.Clone(r.URL.Path)
	}
	if fits(len(r.URL.RawQuery)) {
		k.rawQuery = strings.Clone(r.URL.RawQuery)
	}
	names := make([]string, 0, len(r.Header))
	for name := range r.Header {
		if !isHandshakeOnly(name) {
			names = append(names, name)
		}
	}
	slices.Sort(names) // the same request keeps the same headers, whatever the map's order
	k.header = make(http.Header, len(names))
	for _, name := range names {
		vs := r.Header[name]
		n := len(name)
		for _, v := range vs {
			n += len(v)
		}
		if !fits(n) {
			continue
		}
		kept := make([]string, len(vs))
		for i, v := range vs {
			kept[i] = strings.Clone(v)
		}
		k.header[strings.Clone(name)] = kept
	}
	return k
}

// knownOrClone returns known when s equals it, without pinning s, else a copy of s.
func knownOrClone(s, known string) string {
	if s == known {
		return known
	}
	return strings.Clone(s)
}

// isHandshakeOnly reports request headers that mean nothing once the session is open (the
// WebSocket handshake's, hop-by-hop ones): they would weigh on every idle session's memory.
func isHandshakeOnly(key string) bool {
	switch key {
	case "Connection", "Upgrade", "Sec-Websocket-Key", "Sec-Websocket-Version", "Sec-Websocket-Extensions":
		return true
	}
	return false
}

// Request returns the handshake request (method, URL path and query, Host, header,
// RemoteAddr, TLS), rebuilt on each call from what the session keeps. Its body is empty and
// its context is context.Background(). The header omits what only the WebSocket handshake
// needed (Upgrade, Connection, Sec-WebSocket-*) and what did not fit in
// Config.RequestKeepBytes.
func (s *Session) Request() *http.Request {
	k := s.req
	r := &http.Request{
		Method:     k.method,
		URL:        &url.URL{Path: k.path, RawQuery: k.rawQuery},
		Proto:      k.proto,
		Header:     k.header,
		Body:       http.NoBody,
		Host:       k.host,
		RemoteAddr: k.remoteAddr,
		RequestURI: k.path,
		TLS:        k.tls,
	}
	if k.rawQuery != "" {
		r.RequestURI += "?" + k.rawQuery
	}
	return r
}

// ClientAddr returns the address the session is counted under in Config.MaxConnsPerIP: the
// peer's, or, behind a trusted proxy, the client's as X-Forwarded-For gives it. It is the
// zero Addr when the peer has no IP address (a Unix socket).
func (s *Session) ClientAddr() netip.Addr { return s.req.clientAddr }
