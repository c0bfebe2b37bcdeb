package engineio

import (
	"net/netip"
	"strings"
	"testing"
)

func TestClientAddr(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("::1/128")}
	cases := []struct {
		name, remote string
		xff          []string
		want         string // "" is the zero Addr
	}{
		{"untrusted peer ignores the header", "203.0.113.9:5000", []string{"198.51.100.1"}, "203.0.113.9"},
		{"trusted peer without header", "127.0.0.1:5000", nil, "127.0.0.1"},
		{"trusted peer, one hop", "127.0.0.1:5000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"forged entries left of the real one", "127.0.0.1:1", []string{"6.6.6.6, 7.7.7.7, 198.51.100.1"}, "198.51.100.1"},
		{"trusted hops skipped from the right", "10.0.0.2:1", []string{"198.51.100.1, 10.0.0.1, 127.0.0.1"}, "198.51.100.1"},
		{"several header lines are one list", "127.0.0.1:1", []string{"6.6.6.6, 198.51.100.1", "10.0.0.9"}, "198.51.100.1"},
		{"every hop trusted: the leftmost", "127.0.0.1:1", []string{"10.0.0.5, 10.0.0.6"}, "10.0.0.5"},
		{"garbage stops at the trusted hop right of it", "127.0.0.1:1", []string{"198.51.100.1, bogus, 10.0.0.7"}, "10.0.0.7"},
		{"garbage right after the peer", "127.0.0.1:1", []string{"bogus"}, "127.0.0.1"},
		{"empty entries and spaces", "127.0.0.1:1", []string{" , 198.51.100.1 ,, "}, "198.51.100.1"},
		{"entry with a port", "127.0.0.1:1", []string{"198.51.100.1:4431"}, "198.51.100.1"},
		{"IPv6 entry, bracketed with a port", "[::1]:1", []string{"[2001:db8::7]:443"}, "2001:db8::7"},
		{"IPv6 entry, bracketed", "[::1]:1", []string{"[2001:db8::7]"}, "2001:db8::7"},
		{"IPv6 entry, bare", "[::1]:1", []string{"2001:db8::7"}, "2001:db8::7"},
		{"IPv4-mapped is IPv4", "127.0.0.1:1", []string{"::ffff:198.51.100.1"}, "198.51.100.1"},
		{"IPv4-mapped peer is trusted as IPv4", "[::ffff:127.0.0.1]:1", []string{"198.51.100.1"}, "198.51.100.1"},
		{"zone dropped", "[fe80::1%eth0]:1", nil, "fe80::1"},
		{"no IP peer (a Unix socket)", "@", []string{"198.51.100.1"}, ""},
		{"empty peer", "", nil, ""},
	}
	for _, c := range cases {
		got := clientAddr(c.remote, c.xff, trusted)
		want := netip.Addr{}
		if c.want != "" {
			want = netip.MustParseAddr(c.want)
		}
		if got != want {
			t.Errorf("%s: clientAddr(%q, %q) = %v, want %v", c.name, c.remote, c.xff, got, want)
		}
	}
	if got := clientAddr("127.0.0.1:1", []string{"198.51.100.1"}, nil); got != netip.MustParseAddr("127.0.0.1") {
		t.Errorf("no trusted proxies: %v, want the peer", got)
	}
}

func TestClientAddrAllocatesNothing(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	xff := []string{"6.6.6.6, 198.51.100.1, 127.0.0.2"}
	if n := testing.AllocsPerRun(100, func() { clientAddr("127.0.0.1:80", xff, trusted) }); n != 0 {
		t.Fatalf("%v allocations per call", n)
	}
}

// FuzzClientAddr feeds the parser what a client or a proxy may write. The answer is always
// the peer (when it is not trusted, or nothing in the header qualifies) or an address that
// appears in the header, and never one further left than the first untrusted entry from
// the right.
func FuzzClientAddr(f *testing.F) {
	for _, seed := range [][2]string{
		{"127.0.0.1:1", "198.51.100.1"},
		{"127.0.0.1:1", "6.6.6.6, 10.0.0.1"},
		{"[::1]:1", "[2001:db8::7]:443, ::ffff:1.2.3.4"},
		{"10.1.2.3:9", ",,, ,"},
		{"203.0.113.9:5000", "1.1.1.1"},
		{"@", "1.1.1.1"},
		{"127.0.0.1:1", "[fe80::1%25eth0], [::1"},
	} {
		f.Add(seed[0], seed[1])
	}
	trusted := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("::1/128")}
	f.Fuzz(func(t *testing.T, remote, xff string) {
		got := clientAddr(remote, []string{xff}, trusted)
		peer, ok := parseHostAddr(remote)
		if !ok {
			if got.IsValid() {
				t.Fatalf("peer %q is no address, got %v", remote, got)
			}
			return
		}
		if got.Zone() != "" || got.Is4In6() {
			t.Fatalf("%v is not normalised", got)
		}
		if got == peer {
			return
		}
		if !isTrusted(peer, trusted) {
			t.Fatalf("untrusted peer %v, header believed: %v", peer, got)
		}
		// Walk the header from the right as a proxy chain would be read: got must be the
		// first untrusted entry, or a trusted one where the walk had to stop.
		entries := strings.Split(xff, ",")
		for i := len(entries) - 1; i >= 0; i-- {
			e := strings.TrimSpace(entries[i])
			if e == "" {
				continue
			}
			a, ok := parseHostAddr(e)
			if !ok {
				t.Fatalf("walk stopped at %q but got %v", e, got)
			}
			if a == got {
				return
			}
			if !isTrusted(a, trusted) {
				t.Fatalf("first untrusted entry is %v, got %v", a, got)
			}
		}
		t.Fatalf("%v is neither the peer nor in %q", got, xff)
	})
}
