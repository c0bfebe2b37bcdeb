package testhost

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tickroom/tickroom/netio/client"
)

const (
	// DialTimeout bounds Dial and DialN.
	DialTimeout = 30 * time.Second
	// AckTimeout bounds Ask.
	AckTimeout = 20 * time.Second
)

// Options are a test client's: client.DefaultOptions over WebSocket only and without
// reconnection, so that a client the server drops fails the test rather than retries.
func Options() *client.Options {
	o := client.DefaultOptions()
	o.Transport = client.TransportWebSocket
	o.Reconnection = false
	return &o
}

// Dial connects one client to url with auth (the handshake auth, nil for none) and Options;
// the connection closes when the test ends.
func Dial(tb testing.TB, url string, auth any) *client.Socket {
	tb.Helper()
	return DialN(tb, url, 1, auth)[0]
}

// DialN connects n clients to url at once, each with auth and Options; they close when the
// test ends.
func DialN(tb testing.TB, url string, n int, auth any) []*client.Socket {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), DialTimeout)
	defer cancel()
	socks := make([]*client.Socket, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range socks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := client.Dial(ctx, url, auth, Options())
			if err != nil {
				errs <- err
				return
			}
			socks[i] = s
		}()
	}
	wg.Wait()
	close(errs)
	tb.Cleanup(func() {
		for _, s := range socks {
			if s != nil {
				_ = s.Manager().Close()
			}
		}
	})
	for err := range errs {
		tb.Fatalf("testhost: dial %s: %v", url, err)
	}
	return socks
}

// Ask sends event with payload as its one argument, waits at most AckTimeout for the ack and
// decodes the ack's first argument into out. A failure fails tb with Error, so that Ask may run
// on any goroutine, and returns false; a caller on the test's goroutine that cannot go on
// calls tb.FailNow.
func Ask(tb testing.TB, s *client.Socket, event string, payload, out any) bool {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), AckTimeout)
	defer cancel()
	args, err := s.EmitWithAckContext(ctx, event, payload)
	if err != nil {
		tb.Errorf("%s: %v", event, err)
		return false
	}
	if err := args.Decode(0, out); err != nil {
		tb.Errorf("%s: decode ack: %v", event, err)
		return false
	}
	return true
}
