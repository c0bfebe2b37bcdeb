package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fatalf lets the child process use the test's helpers that take a testing.TB.
type childTB struct{ testing.TB }

func (childTB) Helper() {}
func (childTB) Fatal(args ...any) {
	fmt.Fprintln(os.Stderr, args...)
	os.Exit(1)
}
func (childTB) Fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}
func (childTB) Cleanup(func()) {}

// runArenaPlayers is the child process of BenchmarkArenaLoad: rooms arena
// rooms of 10 raw players each, every player steering at random with 20
// inputs a second. It prints "ready" once every room is playing and runs
// until stdin closes.
func runArenaPlayers(url string, nRooms int) error {
	tb := childTB{}
	all := make([]*rawPlayer, nRooms*10)
	var setup sync.WaitGroup
	sem := make(chan struct{}, 20) // rooms filled at once
	for r := 0; r < nRooms; r++ {
		setup.Add(1)
		sem <- struct{}{}
		go func(r int) {
			defer setup.Done()
			defer func() { <-sem }()
			host := dialPlayer(tb, url)
			joined := host.request(tb, "room:create", map[string]any{"mode": "arena"})
			code := joined["room"].(map[string]any)["code"].(string)
			all[r*10] = host
			for j := 1; j < 10; j++ {
				p := dialPlayer(tb, url)
				p.request(tb, "room:join", map[string]any{"code": code})
				all[r*10+j] = p
			}
			host.request(tb, "room:start", map[string]any{})
		}(r)
	}
	setup.Wait()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i, p := range all {
		wg.Add(1)
		go func() { defer wg.Done(); p.steer(tb, uint64(i), stop) }()
	}
	fmt.Println("ready")
	// Every line on stdin asks for the snapshots received so far; EOF stops.
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		var snaps int64
		for _, p := range all {
			snaps += p.snaps.Load()
		}
		fmt.Println(snaps)
	}
	close(stop)
	wg.Wait()
	return nil
}

// BenchmarkArenaLoad runs 200 arena rooms x 10 players (2,000 WebSocket
// players in a child process, 20 inputs a second each) against the
// in-process server for 10 s and reports the server's CPU per player per
// tick: the whole path, input frames read and decoded, ticks, snapshot
// encoding and frame writes; and the process's RSS at the end. BENCH_ROOMS
// changes the room count.
func BenchmarkArenaLoad(b *testing.B) { arenaLoad(b, newGameServer) }

// arenaLoad is BenchmarkArenaLoad against the server newServer starts (it returns the
// players' WebSocket URL).
func arenaLoad(b *testing.B, newServer func(testing.TB) string) {
	nRooms := 200
	if v := os.Getenv("BENCH_ROOMS"); v != "" {
		nRooms, _ = strconv.Atoi(v)
	}
	const seconds = 10
	for i := 0; i < b.N; i++ {
		url := newServer(b)
		cmd := childCommand()
		cmd.Env = append(os.Environ(), roleEnv+"=arena-players", "BENCH_URL="+url, "BENCH_ROOMS="+strconv.Itoa(nRooms))
		cmd.Stderr = os.Stderr
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		sc := bufio.NewScanner(stdout)
		if !sc.Scan() || sc.Text() != "ready" {
			b.Fatalf("players did not get ready: %q", sc.Text())
		}
		time.Sleep(time.Second) // past the joins' full states
		if path := os.Getenv("BENCH_CPUPROFILE"); path != "" {
			f, err := os.Create(path)
			if err != nil {
				b.Fatal(err)
			}
			pprof.StartCPUProfile(f)
			defer f.Close()
		}
		received := func() int64 { return askCount(b, stdin, sc, "players") }
		// The window's allocations alone: go tool pprof -base $BENCH_MEMPROFILE.base $BENCH_MEMPROFILE.
		writeAllocsProfile(os.Getenv("BENCH_MEMPROFILE"), ".base")
		snaps0, t0 := received(), time.Now()
		var ms0, ms1 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		user0, sys0 := cpuTimes()
		players0, playersSys0, playersOK0 := procCPU(cmd.Process.Pid)
		time.Sleep(seconds * time.Second)
		user1, sys1 := cpuTimes()
		players1, playersSys1, playersOK1 := procCPU(cmd.Process.Pid)
		runtime.ReadMemStats(&ms1)
		rssEnd := rss(b)
		wall, snaps := time.Since(t0), received()-snaps0
		cpu := user1 - user0 + sys1 - sys0
		pprof.StopCPUProfile()
		writeAllocsProfile(os.Getenv("BENCH_MEMPROFILE"), "")
		stdin.Close()
		for sc.Scan() {
		}
		cmd.Wait()
		playerTicks, rate := reportPerPlayerTick(b, nRooms*10, wall, cpu, sys1-sys0, snaps)
		// Allocations are counted, not timed: a number that does not move with the machine.
		b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/playerTicks, "allocs/player-tick")
		b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/playerTicks, "B/player-tick")
		// The whole process at the end of the window (the players are another process): run
		// BenchmarkArenaLoad alone for the server's own.
		b.ReportMetric(float64(rssEnd)/(1<<20), "server-rss-MB")
		// The players process is a plain client: it reads every frame (through gorilla, with
		// its allocations), decodes the Socket.IO packet, counts snapshots and sends inputs,
		// and does nothing with the state. What it spends per player tick is what a simple
		// bot costs on this machine, next to the server's cost in the same run (gamebot adds
		// a mirror, hash checks and a strategy, and reads with fewer syscalls).
		if playersOK0 && playersOK1 && cpu > 0 {
			pc := players1 - players0
			b.ReportMetric(float64(pc.Nanoseconds())/playerTicks, "players-cpu-ns/player-tick")
			b.ReportMetric(float64(pc)/float64(cpu), "players/server")
			if pc > 0 {
				b.ReportMetric(float64(playersSys1-playersSys0)/float64(pc), "players-kernel-share")
			}
		}
		// A players process short of CPU reads late, the server skips snapshots for
		// it (latest wins), and the server's cost per tick looks smaller than it is.
		if rate < 18 {
			b.Fatalf("players received %.1f snapshots/s of 20: the players process could not keep up, so the server's CPU per tick is not measured", rate)
		}
	}
}

// procCPU is the CPU time process pid has used so far, and of it in the kernel (utime + stime
// and stime from /proc/pid/stat, in clock ticks of 10 ms); false where there is no /proc.
func procCPU(pid int) (cpu, sys time.Duration, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, false
	}
	// The command name (field 2) may hold spaces: count from its closing parenthesis, after
	// which field 3 (state) comes first and utime, stime are fields 14 and 15.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, 0, false
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	const tick = time.Second / 100 // /proc's clock tick (USER_HZ is 100 on Linux)
	return time.Duration(utime+stime) * tick, time.Duration(stime) * tick, true
}

// writeAllocsProfile writes the allocs profile to path+suffix, when path is set.
func writeAllocsProfile(path, suffix string) {
	if path == "" {
		return
	}
	if f, err := os.Create(path + suffix); err == nil {
		pprof.Lookup("allocs").WriteTo(f, 0)
		f.Close()
	}
}

// askCount asks a child process for its running count: a line on its stdin, a number back.
func askCount(b *testing.B, stdin io.Writer, sc *bufio.Scanner, who string) int64 {
	b.Helper()
	fmt.Fprintln(stdin)
	if !sc.Scan() {
		b.Fatalf("the %s process stopped", who)
	}
	n, err := strconv.ParseInt(sc.Text(), 10, 64)
	if err != nil {
		b.Fatalf("%s: %q", who, sc.Text())
	}
	return n
}

// reportPerPlayerTick reports the server's CPU (cpu, of which sys in the kernel) over wall,
// in which players at 20 Hz received snaps snapshots, and returns the player ticks and the
// snapshots received per second per player.
func reportPerPlayerTick(b *testing.B, players int, wall, cpu, sys time.Duration, snaps int64) (playerTicks, rate float64) {
	playerTicks = float64(players) * wall.Seconds() * 20
	rate = float64(snaps) / float64(players) / wall.Seconds()
	b.ReportMetric(float64(cpu.Nanoseconds())/playerTicks, "server-cpu-ns/player-tick")
	b.ReportMetric(cpu.Seconds()/wall.Seconds(), "server-cpus")
	b.ReportMetric(rate, "snapshots/s/player")
	// On loopback the kernel work of a write includes the receiving side's TCP, which a
	// real network would put on the other machine.
	b.ReportMetric(float64(sys)/float64(cpu), "kernel-share")
	return playerTicks, rate
}
