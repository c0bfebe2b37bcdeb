package clientinterop

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/tickroom/tickroom/internal/testproc"
	"github.com/tickroom/tickroom/netio/client"
)

// connectMany connects n msgpack WebSocket clients to url's "/" with at most 128 dials in
// flight, and has each exchange one event (echo -> echo-back). It returns the sockets.
func connectMany(tb testing.TB, url string, n int) []*client.Socket {
	tb.Helper()
	o := client.DefaultOptions()
	o.Transport = client.TransportWebSocket
	socks := make([]*client.Socket, n)
	errs := make(chan error, n)
	sem := make(chan struct{}, 128)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			m, err := client.NewManager(url, &o)
			if err != nil {
				errs <- err
				return
			}
			s := m.Socket("/", map[string]any{"i": i})
			got := make(chan string, 1)
			s.On("echo-back", func(args client.Args, _ client.Ack) {
				v, _ := args.String(0)
				got <- v
			})
			if err := s.Connect(ctx); err != nil {
				errs <- fmt.Errorf("client %d: %w", i, err)
				m.Close()
				return
			}
			socks[i] = s
			want := fmt.Sprintf("hello %d", i)
			if err := s.Emit("echo", want); err != nil {
				errs <- fmt.Errorf("client %d: emit: %w", i, err)
				return
			}
			select {
			case v := <-got:
				if v != want {
					errs <- fmt.Errorf("client %d: echo %q", i, v)
				}
			case <-ctx.Done():
				errs <- fmt.Errorf("client %d: no echo", i)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		tb.Error(err)
	}
	return socks
}

func closeAll(socks []*client.Socket) {
	var wg sync.WaitGroup
	for _, s := range socks {
		if s != nil {
			wg.Add(1)
			go func() { defer wg.Done(); s.Manager().Close() }()
		}
	}
	wg.Wait()
}

// heapAndStacks is the memory a set of clients holds: live heap plus goroutine stacks.
func heapAndStacks() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc + ms.StackInuse
}

// TestManyClients connects 2,000 Go clients to the Go server from this one process; each
// exchanges one event. It also records what an idle client costs.
func TestManyClients(t *testing.T) {
	const n = 2000
	srv := startGoServer(t, "127.0.0.1:0")
	base := runtime.NumGoroutine()
	before := heapAndStacks()
	start := time.Now()
	socks := connectMany(t, srv.URL, n)
	elapsed := time.Since(start)
	time.Sleep(200 * time.Millisecond) // writers that just finished exit
	after := heapAndStacks()
	goroutines := runtime.NumGoroutine() - base
	t.Logf("%d clients connected and exchanged one event each in %v", n, elapsed.Round(time.Millisecond))
	t.Logf("idle client: %.1f KiB of heap+stack, %.2f goroutines (race detector: %v)",
		float64(after-before)/n/1024, float64(goroutines)/n, testproc.RaceEnabled)
	closeStart := time.Now()
	closeAll(socks)
	t.Logf("closed %d clients in %v", n, time.Since(closeStart).Round(time.Millisecond))
	checkGoroutines(t, base)
}

// BenchmarkIdleClient reports the memory and goroutines one idle, connected WebSocket client
// holds (b.N clients connected to the Go server at once).
func BenchmarkIdleClient(b *testing.B) {
	srv := startGoServer(b, "127.0.0.1:0").URL
	base := runtime.NumGoroutine()
	before := heapAndStacks()
	socks := connectMany(b, srv, b.N)
	time.Sleep(200 * time.Millisecond)
	after := heapAndStacks()
	b.ReportMetric(float64(after-before)/float64(b.N), "bytes/client")
	b.ReportMetric(float64(runtime.NumGoroutine()-base)/float64(b.N), "goroutines/client")
	b.StopTimer()
	closeAll(socks)
}
