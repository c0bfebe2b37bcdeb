package clientinterop

import (
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/tickroom/tickroom/internal/testproc"
	"github.com/tickroom/tickroom/netio/client"
)

// TestReconnect kills the server, starts it again on the same port, and checks that the
// client reports its attempts, reconnects and rejoins every namespace it had; for each
// server, parser and transport.
func TestReconnect(t *testing.T) {
	for _, name := range []string{"go", "node"} {
		for _, parser := range parsers {
			for _, tr := range transports {
				t.Run(name+"-"+parser+"-"+tr, func(t *testing.T) {
					base := runtime.NumGoroutine()
					t.Cleanup(func() { checkGoroutines(t, base) })
					addr := freeAddr(t)
					start := func() *testproc.Server {
						if name == "go" {
							return startGoServer(t, addr)
						}
						return startNodeServer(t, parser, addr)
					}
					srv := start()
					reconnectScenario(t, env{tg: target{name: name, parser: parser, url: srv.URL}, transport: tr}, srv, start)
				})
			}
		}
	}
}

func reconnectScenario(t *testing.T, e env, srv *testproc.Server, start func() *testproc.Server) {
	m, err := client.NewManager(e.tg.url, e.options())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var mu sync.Mutex
	var attempts []int
	reconnected := make(chan int, 1)
	m.OnReconnectAttempt(func(n int) { mu.Lock(); attempts = append(attempts, n); mu.Unlock() })
	m.OnReconnect(func(n int) { reconnected <- n })

	names := []string{"/", "/custom"}
	socks := make([]*client.Socket, len(names))
	disc := make(chan string, 4)
	conn := make(chan string, 8)
	for i, n := range names {
		s := m.Socket(n, map[string]any{"who": n})
		s.OnDisconnect(func(r string) { disc <- r })
		s.OnConnect(func() { conn <- n })
		if err := s.Connect(ctxT(t, 15*time.Second)); err != nil {
			t.Fatalf("connect %s: %v", n, err)
		}
		<-conn
		socks[i] = s
	}
	oldIDs := []string{socks[0].ID(), socks[1].ID()}

	srv.Kill()
	for range names {
		select {
		case r := <-disc:
			if r != client.ReasonTransportClose && r != client.ReasonTransportError {
				t.Errorf("disconnect reason %q", r)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no disconnect after the server was killed")
		}
	}
	// Emits while down are buffered and delivered after the rejoin.
	echo := collect(t, socks[0], "echo-back")
	if err := socks[0].Emit("echo", "while down"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(700 * time.Millisecond) // let a few attempts fail
	start()

	select {
	case n := <-reconnected:
		if n < 1 {
			t.Errorf("reconnected after %d attempts", n)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no reconnection within 20s")
	}
	for range names {
		select {
		case <-conn:
		case <-time.After(10 * time.Second):
			t.Fatal("namespaces not rejoined")
		}
	}
	mu.Lock()
	if len(attempts) < 2 || attempts[0] != 1 {
		t.Errorf("attempts reported: %v", attempts)
	}
	mu.Unlock()
	for i, s := range socks {
		if !s.Connected() || s.ID() == oldIDs[i] {
			t.Errorf("%s: connected %v id %s (was %s)", names[i], s.Connected(), s.ID(), oldIDs[i])
		}
		w := whoami(t, s)
		if w["nsp"] != names[i] {
			t.Errorf("whoami %v", w)
		}
		sameValue(t, "auth after rejoin", w["auth"], map[string]any{"who": names[i]})
	}
	sameValue(t, "buffered emit", echo.next(t, "echo-back"), []any{"while down"})
}
