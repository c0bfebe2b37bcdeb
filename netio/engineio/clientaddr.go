package engineio

import (
	"net/netip"
	"strings"
)

// The client address a handshake is counted under (Config.MaxConnsPerIP). Both inputs are
// untrusted bytes: RemoteAddr is net/http's, but X-Forwarded-For is whatever the client and
// the proxies in front of us wrote, so the parser takes any string and never allocates.

// clientAddr returns the address of the client behind a request: the peer's address, or,
// when the peer is a trusted proxy, the first X-Forwarded-For entry read from the right that
// is not a trusted proxy. Each proxy appends the address it saw, so everything right of that
// entry was written by proxies we trust and the entry itself is the last hop they saw; what
// lies left of it is the client's to invent. When every entry is a trusted proxy the
// leftmost one is the client; an entry that is not an address stops the scan at the
// trusted hop right of it. The zero Addr means the peer is not an IP address (a Unix
// socket).
func clientAddr(remoteAddr string, xff []string, trusted []netip.Prefix) netip.Addr {
	peer, ok := parseHostAddr(remoteAddr)
	if !ok {
		return netip.Addr{}
	}
	client := peer
	if !isTrusted(peer, trusted) {
		return client
	}
	// Several header lines are one list, in order: scan the last line first.
	for i := len(xff) - 1; i >= 0; i-- {
		rest := xff[i]
		for rest != "" {
			var entry string
			if j := strings.LastIndexByte(rest, ','); j >= 0 {
				rest, entry = rest[:j], rest[j+1:]
			} else {
				rest, entry = "", rest
			}
			entry = strings.TrimSpace(entry)
			if entry == "" {
				continue
			}
			a, ok := parseHostAddr(entry)
			if !ok {
				return client
			}
			client = a
			if !isTrusted(a, trusted) {
				return client
			}
		}
	}
	return client
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseHostAddr reads an IP address as net/http's RemoteAddr and proxies write it: bare
// ("203.0.113.7", "2001:db8::1"), with a port ("203.0.113.7:443", "[2001:db8::1]:443") or
// bracketed ("[2001:db8::1]"). An IPv4-mapped IPv6 address is its IPv4 address and a zone is
// dropped, so one host has one key.
func parseHostAddr(s string) (netip.Addr, bool) {
	// The form is told apart before parsing: a failed parse allocates its error.
	var a netip.Addr
	var err error
	switch {
	case len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']':
		a, err = netip.ParseAddr(s[1 : len(s)-1])
	case strings.HasPrefix(s, "[") || strings.Count(s, ":") == 1:
		var ap netip.AddrPort
		ap, err = netip.ParseAddrPort(s)
		a = ap.Addr()
	default:
		a, err = netip.ParseAddr(s)
	}
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}
