package bench

import (
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tickroom/tickroom/netio/socketio"
)

func cpuTime() time.Duration {
	u, s := cpuTimes()
	return u + s
}

// cpuTimes is the process's user and system CPU time so far.
func cpuTimes() (user, sys time.Duration) {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
}

func newServer(tb testing.TB) (*socketio.Server, string) {
	tb.Helper()
	srv, err := socketio.NewServer(nil)
	if err != nil {
		tb.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	tb.Cleanup(func() { srv.Close(); hs.Close() })
	return srv, "ws" + strings.TrimPrefix(hs.URL, "http") + "/socket.io/?EIO=4&transport=websocket"
}

func waitSockets(tb testing.TB, srv *socketio.Server, n int) {
	tb.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for srv.Of("/").Len() < n {
		if time.Now().After(deadline) {
			tb.Fatalf("%d of %d sockets connected", srv.Of("/").Len(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// BenchmarkBroadcast1000 broadcasts a 100-byte event (the whole msgpack
// Socket.IO packet) to 1,000 WebSocket connections over loopback. One op is
// one broadcast, that is 1,000 frames. It reports frames per wall second
// and server CPU per frame; the clients' CPU is not counted.
func BenchmarkBroadcast1000(b *testing.B) {
	const conns = 1000
	srv, url := newServer(b)
	cl := startClients(b, url, conns)
	waitSockets(b, srv, conns)
	payload := strings.Repeat("x", 77) // packet = 100 bytes: see TestBroadcastPacketSize
	const window = 200                 // broadcasts in flight, well under the outbox size
	b.ResetTimer()
	cpu0, t0 := cpuTime(), time.Now()
	for i := 0; i < b.N; i++ {
		for int64(i)-cl.received.Load() >= window {
			time.Sleep(100 * time.Microsecond)
		}
		if err := srv.Emit("e", payload); err != nil {
			b.Fatal(err)
		}
	}
	for cl.received.Load() < int64(b.N) {
		time.Sleep(100 * time.Microsecond)
	}
	wall, cpu := time.Since(t0), cpuTime()-cpu0
	b.StopTimer()
	frames := float64(b.N) * conns
	b.ReportMetric(frames/wall.Seconds(), "frames/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/frames, "server-cpu-ns/frame")
	b.ReportMetric(frames/cpu.Seconds(), "frames/server-cpu-s")
	b.ReportMetric(float64(runtime.NumCPU()), "cpus")
}

// BenchmarkIdleConnMemory opens 10,000 idle WebSocket connections and
// reports the growth of the server process's RSS per connection. Set
// BENCH_IDLE_CONNS to change the count.
func BenchmarkIdleConnMemory(b *testing.B) {
	n := 10000
	if v := os.Getenv("BENCH_IDLE_CONNS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	for i := 0; i < b.N; i++ {
		srv, url := newServer(b)
		settle()
		debug.FreeOSMemory()
		before := rss(b)
		startClients(b, url, n)
		waitSockets(b, srv, n)
		time.Sleep(3 * time.Second) // idle: past the readers' hand-over (one to two engineio idleHandoff)
		settle()
		after := rss(b)
		// The same after returning free pages to the OS: what the connections hold,
		// without the collector's slack (a long-idle server's scavenger gets there too).
		debug.FreeOSMemory()
		released := rss(b)
		b.ReportMetric(float64(after-before)/float64(n), "rss-bytes/conn")
		b.ReportMetric(float64(released-before)/float64(n), "rss-released-bytes/conn")
		if path := os.Getenv("BENCH_HEAPPROFILE"); path != "" {
			writeHeapProfile(b, path)
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapInuse)/float64(n), "heap-inuse-bytes/conn")
		b.ReportMetric(float64(ms.StackInuse)/float64(n), "stack-bytes/conn")
		b.ReportMetric(float64(runtime.NumGoroutine())/float64(n), "goroutines/conn")
	}
}

func writeHeapProfile(tb testing.TB, path string) {
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if err := pprof.WriteHeapProfile(f); err != nil {
		tb.Fatal(err)
	}
}

func settle() {
	for i := 0; i < 3; i++ {
		runtime.GC()
		time.Sleep(200 * time.Millisecond)
	}
}

// rss is the process's resident set in bytes, from /proc/self/statm.
func rss(tb testing.TB) int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		tb.Fatal(err)
	}
	f := strings.Fields(string(b))
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}
