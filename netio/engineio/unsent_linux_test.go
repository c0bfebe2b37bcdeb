//go:build linux

package engineio

import (
	"net"
	"testing"
	"time"
)

func tcpPair(t testing.TB) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// TestUnsentProbe: a connection whose peer reads shows nothing unsent; one
// whose peer stopped reading shows what the kernel could not send.
func TestUnsentProbe(t *testing.T) {
	client, server := tcpPair(t)
	p := newUnsentProbe(server)
	if _, err := server.Write(make([]byte, 1000)); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Read(make([]byte, 4096)); err != nil {
		t.Fatal(err)
	}
	if n, ok := p.unsent(); !ok || n != 0 {
		t.Fatalf("healthy link: %d unsent (%v), want 0", n, ok)
	}
	// The peer stops reading: its window closes and writes pile up unsent.
	server.SetWriteDeadline(time.Now().Add(300 * time.Millisecond))
	chunk := make([]byte, 64<<10)
	for {
		if _, err := server.Write(chunk); err != nil {
			break // the send buffer is full too
		}
	}
	if n, ok := p.unsent(); !ok || n == 0 {
		t.Fatalf("stalled peer: %d unsent (%v), want > 0", n, ok)
	}
	server.Close()
	if n, ok := p.unsent(); ok {
		t.Fatalf("closed connection: %d unsent reported", n)
	}
	if n, ok := (*unsentProbe)(nil).unsent(); ok {
		t.Fatalf("no probe: %d unsent reported", n)
	}
}

// BenchmarkUnsentProbe is the check the writer makes before every snapshot.
func BenchmarkUnsentProbe(b *testing.B) {
	_, server := tcpPair(b)
	p := newUnsentProbe(server)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := p.unsent(); !ok {
			b.Fatal("no answer")
		}
	}
}

// TestLatestCheckSkips: after a check that found the link empty the writer skips the next
// skipsAfterEmpty checks, so a link that then backs up is held back at most
// skipsAfterEmpty snapshots late; while it stays backed up every snapshot is checked.
func TestLatestCheckSkips(t *testing.T) {
	_, server := tcpPair(t) // the client end never reads
	s := &Session{srv: &Server{cfg: Config{LatestMaxUnsent: 0}}, lat: &latestState{unsent: newUnsentProbe(server), unsentMade: true}}
	if s.latestBlockedLocked() {
		t.Fatal("an empty link held back")
	}
	// The link backs up: the peer's window closes and bytes stay unsent.
	server.SetWriteDeadline(time.Now().Add(300 * time.Millisecond))
	chunk := make([]byte, 64<<10)
	for {
		if _, err := server.Write(chunk); err != nil {
			break
		}
	}
	late := 0
	for !s.latestBlockedLocked() {
		late++
		if late > 10 {
			t.Fatal("a backed-up link never held back")
		}
	}
	if late != skipsAfterEmpty {
		t.Fatalf("held back after %d unchecked snapshots, want %d", late, skipsAfterEmpty)
	}
	for i := 0; i < 5; i++ {
		if !s.latestBlockedLocked() {
			t.Fatalf("check %d after the link backed up let a snapshot through", i)
		}
	}
}
