package bench

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/tickroom/tickroom/netio/sioparser"
)

const roleEnv = "TICKROOM_BENCH_ROLE"

func TestMain(m *testing.M) {
	if os.Getenv(roleEnv) == "arena-players" {
		if err := runArenaPlayers(os.Getenv("BENCH_URL"), atoi(os.Getenv("BENCH_ROOMS"))); err != nil {
			fmt.Fprintln(os.Stderr, "arena players:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if os.Getenv(roleEnv) == "floor-peers" {
		if err := runFloorPeers(os.Getenv("BENCH_URL"), atoi(os.Getenv("BENCH_N"))); err != nil {
			fmt.Fprintln(os.Stderr, "floor peers:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if os.Getenv(roleEnv) == "clients" {
		if err := runClients(os.Getenv("BENCH_URL"), atoi(os.Getenv("BENCH_N"))); err != nil {
			fmt.Fprintln(os.Stderr, "clients:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// childCommand is the command of a benchmark's child process (its clients or players): this
// binary again. With BENCH_CHILD_CPUS set (a taskset CPU list) the child runs on those CPUs;
// started as `taskset -c 0 bench.test ...` with BENCH_CHILD_CPUS=1, the server and its clients
// then run on different cores.
func childCommand() *exec.Cmd {
	if cpus := os.Getenv("BENCH_CHILD_CPUS"); cpus != "" {
		return exec.Command("taskset", "-c", cpus, os.Args[0], "-test.run=^$")
	}
	return exec.Command(os.Args[0], "-test.run=^$")
}

// runClients is the child process: it opens n msgpack Socket.IO connections
// over WebSocket, prints "ready", then every 5 ms prints the smallest number
// of events any connection has received, until stdin closes.
func runClients(url string, n int) error {
	counts := make([]atomic.Int64, n)
	connect, _ := sioparser.EncodeMsgpack(&sioparser.Packet{Type: sioparser.Connect, Namespace: "/"})
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	errs := make(chan error, n)
	conns := make([]*websocket.Conn, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			d := websocket.Dialer{ReadBufferSize: 1024, WriteBufferSize: 1024, HandshakeTimeout: 30 * time.Second}
			ws, _, err := d.Dial(url, nil)
			if err != nil {
				errs <- err
				return
			}
			if _, _, err := ws.ReadMessage(); err != nil {
				errs <- err
				return
			}
			if err := ws.WriteMessage(websocket.BinaryMessage, connect); err != nil {
				errs <- err
				return
			}
			if _, _, err := ws.ReadMessage(); err != nil {
				errs <- err
				return
			}
			conns[i] = ws
		}(i)
	}
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	for i, ws := range conns {
		go func(i int, ws *websocket.Conn) {
			for {
				mt, b, err := ws.ReadMessage()
				if err != nil {
					return
				}
				if mt == websocket.TextMessage {
					if len(b) == 1 && b[0] == '2' {
						ws.WriteMessage(websocket.TextMessage, []byte("3"))
					}
					continue
				}
				counts[i].Add(1)
			}
		}(i, ws)
	}
	out := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(out, "ready")
	out.Flush()
	done := make(chan struct{})
	go func() { bufio.NewReader(os.Stdin).ReadString('\n'); close(done) }()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return nil
		case <-tick.C:
			min := int64(-1)
			for i := range counts {
				if c := counts[i].Load(); min < 0 || c < min {
					min = c
				}
			}
			fmt.Fprintln(out, min)
			out.Flush()
		}
	}
}

// clients is the parent's handle on the child process.
type clients struct {
	cmd      *exec.Cmd
	stdin    interface{ Close() error }
	received atomic.Int64 // smallest per-connection count the child reported
}

func startClients(tb testing.TB, wsURL string, n int) *clients {
	tb.Helper()
	cmd := childCommand()
	cmd.Env = append(os.Environ(), roleEnv+"=clients", "BENCH_URL="+wsURL, "BENCH_N="+strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	c := &clients{cmd: cmd, stdin: stdin}
	tb.Cleanup(func() { stdin.Close(); cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() || sc.Text() != "ready" {
		tb.Fatalf("clients did not get ready: %q", sc.Text())
	}
	go func() {
		for sc.Scan() {
			if v, err := strconv.ParseInt(strings.TrimSpace(sc.Text()), 10, 64); err == nil {
				c.received.Store(v)
			}
		}
	}()
	return c
}
