package bench

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The floor of BenchmarkArenaLoad: the same connections, frames and rates
// with no protocol and no game, so what it costs is the kernel's loopback
// path and the Go runtime's goroutines alone.
const (
	floorInputBytes    = 40  // an arena input frame, WebSocket header included
	floorSnapshotBytes = 100 // a 10-player arena snapshot frame, ~2,000 B/s at 20 Hz
)

// runFloorPeers is the child process of BenchmarkLoopbackFloor: n TCP
// connections, each writing a floorInputBytes message 20 times a second at
// a random phase and reading whatever arrives. Every line on stdin asks for
// the messages received so far; EOF stops.
func runFloorPeers(addr string, n int) error {
	conns := make([]net.Conn, n)
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return err
		}
		conns[i] = c
	}
	var got atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(2)
		go func() {
			defer wg.Done()
			buf := make([]byte, 4096)
			var pending int
			for {
				k, err := c.Read(buf)
				if err != nil {
					return
				}
				pending += k
				got.Add(int64(pending / floorSnapshotBytes))
				pending %= floorSnapshotBytes
			}
		}()
		go func() {
			defer wg.Done()
			msg := make([]byte, floorInputBytes)
			time.Sleep(time.Duration(rand.N(50)) * time.Millisecond)
			tick := time.NewTicker(50 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				if _, err := c.Write(msg); err != nil {
					return
				}
			}
		}()
	}
	fmt.Println("ready")
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		fmt.Println(got.Load())
	}
	close(stop)
	for _, c := range conns {
		c.Close()
	}
	wg.Wait()
	return nil
}

// floorConn is one server side connection shaped like tickroom's: a reader
// goroutine and a writer goroutine fed by the room.
type floorConn struct {
	c    net.Conn
	out  chan []byte
	read atomic.Int64
}

func (fc *floorConn) readLoop() {
	buf := make([]byte, 512)
	for {
		k, err := fc.c.Read(buf)
		if err != nil {
			return
		}
		fc.read.Add(int64(k))
	}
}

func (fc *floorConn) writeLoop() {
	for b := range fc.out {
		if _, err := fc.c.Write(b); err != nil {
			return
		}
	}
}

// BenchmarkLoopbackFloor measures the server CPU per player per tick of a
// server that does only what BenchmarkArenaLoad's server cannot avoid:
// per connection one reader goroutine taking 20 input messages a second,
// and per room of 10 one goroutine ticking at 20 Hz that gives each player
// a snapshot-sized message. In "writers" each connection's writer goroutine
// writes it (tickroom's shape until its rooms wrote to idle sockets themselves); in
// "room-writes" the room goroutine writes it itself (tickroom's shape since), the cheapest a Go
// server can be. No WebSocket, Socket.IO, game or encoding: what is left is
// the kernel's loopback path and the Go runtime's goroutines, the part of
// the 20 us budget no protocol or game work can get back. BENCH_ROOMS
// changes the room count (default 50, as BenchmarkArenaLoad is run).
func BenchmarkLoopbackFloor(b *testing.B) {
	nRooms := 50
	if v := os.Getenv("BENCH_ROOMS"); v != "" {
		nRooms, _ = strconv.Atoi(v)
	}
	b.Run("writers", func(b *testing.B) { benchFloor(b, nRooms, false) })
	b.Run("room-writes", func(b *testing.B) { benchFloor(b, nRooms, true) })
}

func benchFloor(b *testing.B, nRooms int, direct bool) {
	n := nRooms * 10
	const seconds = 10
	for i := 0; i < b.N; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		cmd := childCommand()
		cmd.Env = append(os.Environ(), roleEnv+"=floor-peers", "BENCH_URL="+ln.Addr().String(), "BENCH_N="+strconv.Itoa(n))
		cmd.Stderr = os.Stderr
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		conns := make([]*floorConn, n)
		for k := range conns {
			c, err := ln.Accept()
			if err != nil {
				b.Fatal(err)
			}
			conns[k] = &floorConn{c: c, out: make(chan []byte, 1)}
			go conns[k].readLoop()
			go conns[k].writeLoop()
		}
		sc := bufio.NewScanner(stdout)
		if !sc.Scan() || sc.Text() != "ready" {
			b.Fatalf("peers did not get ready: %q", sc.Text())
		}
		stopRooms := make(chan struct{})
		var rooms sync.WaitGroup
		for r := 0; r < nRooms; r++ {
			rooms.Add(1)
			go func(players []*floorConn) {
				defer rooms.Done()
				time.Sleep(time.Duration(rand.N(50)) * time.Millisecond)
				tick := time.NewTicker(50 * time.Millisecond)
				defer tick.Stop()
				for {
					select {
					case <-stopRooms:
						return
					case <-tick.C:
					}
					for _, p := range players {
						msg := make([]byte, floorSnapshotBytes)
						if direct {
							p.c.Write(msg)
							continue
						}
						select {
						case p.out <- msg: // latest wins: a full slot skips
						default:
						}
					}
				}
			}(conns[r*10 : r*10+10])
		}
		time.Sleep(time.Second)
		received := func() int64 { return askCount(b, stdin, sc, "peers") }
		snaps0, t0 := received(), time.Now()
		user0, sys0 := cpuTimes()
		time.Sleep(seconds * time.Second)
		user1, sys1 := cpuTimes()
		wall, snaps := time.Since(t0), received()-snaps0
		cpu := user1 - user0 + sys1 - sys0
		close(stopRooms)
		rooms.Wait()
		stdin.Close()
		for sc.Scan() {
		}
		for _, c := range conns {
			c.c.Close()
			close(c.out)
		}
		cmd.Wait()
		ln.Close()
		var in int64
		for _, c := range conns {
			in += c.read.Load()
		}
		_, rate := reportPerPlayerTick(b, n, wall, cpu, sys1-sys0, snaps)
		if rate < 18 {
			b.Fatalf("peers received %.1f messages/s of 20: the peers process could not keep up", rate)
		}
		if in == 0 {
			b.Fatal("the server read no input")
		}
	}
}
