package soak

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tickroom/tickroom/internal/testproc"
	"github.com/tickroom/tickroom/netio/client"
)

var (
	soakFor = flag.Duration("soak", 60*time.Second,
		"how long the abusers attack, at least 1m; the test takes about twice this plus 45 s (go test ./tests/soak -soak 10m -timeout 30m)")
	serverArgs = flag.String("soak-server-args", "",
		`more gameserver flags, space-separated: "-outbox-bytes -1" shows what the test catches without a limit`)
	abuseSeed = flag.Uint64("soak-seed", 1, "seed of the abusers' random choices")
	only      = flag.String("soak-abusers", "", "a regular expression: run only the abusers whose name it matches (^$: none, a control run)")
)

// The server and the bots are built without the race detector whatever the test binary is
// built with: the detector slows a Go program 2-20 times and multiplies its memory, and this
// test measures latency and resident memory. Races are the other tests' business.
var (
	gameserver = &testproc.Once{Pkg: "./cmd/gameserver"}
	gamebot    = &testproc.Once{Pkg: "./cmd/gamebot"}
)

func TestMain(m *testing.M) {
	code := m.Run()
	gameserver.Close()
	gamebot.Close()
	os.Exit(code)
}

// The bounds on the well-behaved players under attack, and on the server after it.
const (
	maxP99Ratio = 1.5 // p99 input-to-ack with the abusers, over the baseline's
	// maxCPURatio bounds the server's CPU in the baseline, after the attack, over the
	// warm-up's: a server the attack left busy (timers, goroutines, rooms that should be gone)
	// spends more on the same players. The CPU, not the p99: the latency of two runs on a
	// shared machine moves with what else runs, the CPU a process spends much less. The
	// baseline's first 50 s still carry the previous run's rooms (about +10 % measured).
	maxCPURatio = 1.5
	// maxHeapGrowth bounds the live heap after the abusers left, over before they came
	// (issue 13: back within 10 %), in bytes (go_gc_heap_live_bytes).
	maxHeapGrowth = 0.10
	// maxRSSRatio bounds the anonymous RSS after the abusers left, over before: not 1.1. The
	// attack's peak leaves the Go heap fragmented: spans that keep a few live objects each
	// cannot be returned to the system, so the RSS stays about 1.4 times up while the live
	// heap is back (measured with a copy of the server that reports runtime.MemStats: live
	// heap 4.12 -> 4.41 MB, goroutines 425 -> 425, heap in use 6.9 -> 11.6 MB, and
	// debug.FreeOSMemory took the RSS from 20.3 to 16.9 MiB only). Twice is a guard against
	// gross leaks; the live heap, the goroutines and the open files are the precise checks.
	maxRSSRatio = 2.0
	// fdSlack is how many more files the server may hold after the attack than before: the
	// HTTP keep-alive connections of /stats and /metrics readers.
	fdSlack = 8
	// goroutineSlack is how many more goroutines the server may run after the attack than
	// before, for the same 200 players in the same 20 rooms: the net/http goroutine of each
	// keep-alive connection of /stats and /metrics readers (fdSlack's), no more. What an
	// abuser could leave behind costs more: a connection the server kept takes a reader and
	// a writer goroutine at least, a room its own.
	goroutineSlack = fdSlack
)

// minWindow is the shortest soak window: the baseline's end, where the memory after the attack
// is read, must come after the server's longest timeout for what the attack left (a polling
// session's 45 s heartbeat and its 30 s wait for a last GET), less the baseline's join.
const minWindow = time.Minute

// abusers is the attack: every abuser once, except the floods that take a seat, which come
// several times (the showcase rooms they hold make every lobby:list answer big), as the
// -soak-abusers flag selects.
func abusers(t *testing.T) []*abuser {
	list := []*abuser{
		inputFlood(0), inputFlood(1), badInput(),
		guessCodes(), wrongPasswords(), bigPayloads(), bigAuth(),
		listNeverRead(0), listNeverRead(1), pollingNeverPolls(),
		garbageWS(), garbagePolling(), oversizedFrames(),
		halfOpenPolling(), halfOpenWS(), trickle(),
		churn("WebSocket churn", client.TransportWebSocket, 250*time.Millisecond),
		churn("polling churn", client.TransportPolling, 500*time.Millisecond),
	}
	for i := 0; i < showcaseOwners/3; i++ {
		list = append(list, seatFlood(3*i), chatFlood(3*i+1), messageFlood(3*i+2))
	}
	if *only == "" {
		return list
	}
	re, err := regexp.Compile(*only)
	if err != nil {
		t.Fatalf("-soak-abusers: %v", err)
	}
	var chosen []*abuser
	for _, a := range list {
		if re.MatchString(a.name) {
			chosen = append(chosen, a)
		}
	}
	return chosen
}

// TestSoak: 200 well-behaved players on one gameserver: a warm-up, then the soak window with
// every abuser attacking, then the soak window alone, the baseline (doc.go).
//
// The baseline runs after the attack, not before, because it is also where the memory after
// the attack is measured. That figure needs the players playing (their traffic runs the
// collector, which nothing else can ask the server for) and needs the server to have let go
// of what the abusers left by its own timeouts: a dropped seat's grace (20 s) then an empty
// room's idle timeout (30 s), the heartbeat (pingInterval + pingTimeout, 45 s), a closed
// polling session's wait for its last GET (30 s). The same holds for the previous run's
// players, whose 20 rooms weigh about 5 MiB until then. The live heap and the goroutines are
// read over the baseline's last 10 s (heapSpan), which begin 55 s after the abusers stopped
// (a minute's window; more with a longer -soak) and 54 s after the previous players left
// (gamebot stops 1 s after its window); the warm-up's last 10 s are the same state before the
// attack (200 players, and nothing left of a previous run). The warm-up's server CPU also
// checks that the server came out of the attack as it went in.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("a soak of three runs, two of them a minute long")
	}
	window := *soakFor
	if window < minWindow {
		t.Fatalf("-soak %v: at least %v, so that the baseline ends after the server's timeouts let go of the attack", window, minWindow)
	}
	need := 3*joinFor + 3*window + time.Minute
	if dl, ok := t.Deadline(); ok && time.Until(dl) < need {
		t.Fatalf("-soak %v needs about %v; the test's -timeout leaves %v", window, need, time.Until(dl).Round(time.Second))
	}
	built := time.Now()
	srvBin, botBin := gameserver.Binary(t), gamebot.Binary(t)
	t.Logf("built gameserver and gamebot in %v (race detector off)", time.Since(built).Round(time.Millisecond))
	args := append([]string{"-addr", "127.0.0.1:0", "-admin-addr", "127.0.0.1:0", "-hash-every", "10", "-log-level", "warn"},
		strings.Fields(*serverArgs)...)
	srv := testproc.Start(t, srvBin, args...)
	pid, err := childPID(srvBin)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	admin := srv.Printed("ADMIN ")
	if admin == "" {
		t.Fatal("the gameserver printed no ADMIN line")
	}
	tg := &target{url: srv.URL, addr: u.Host, pid: pid, gamebot: botBin, metrics: strings.TrimSuffix(admin, "/") + "/metrics"}
	if _, err := readGoRuntime(tg.metrics); err != nil {
		t.Fatal(err)
	}
	list := abusers(t)
	t.Logf("gameserver %s (pid %d) %s; soak window %v, %d abusers, seed %d; load average %s",
		srv.URL, pid, strings.Join(args, " "), window, len(list), *abuseSeed, loadAvg())

	// The warm-up: the players alone on the fresh server, the memory before the attack read at
	// its end, its p99 the reference the baseline's is held to. It is as long as the baseline,
	// because a room's memory grows with its age for the first minutes of a match (an arena
	// respawns orbs with new entity ids, and the world's pages of ids fill until the oldest
	// orbs are eaten): the warm-up's rooms and the baseline's must be the same age where their
	// memory is compared (20 arena rooms of players steering at random grow by about 100 KB
	// from 35 s to 65 s; seeking players eat faster; the live heap is ~5 MiB).
	warm := tg.run(t, "warm-up", window, nil)
	alive(t, srv, pid, "after the warm-up")
	if warm.botErr != nil {
		t.Fatalf("the warm-up broke gamebot's thresholds (%v): %q; the machine or the server is broken before any abuse\n%s",
			warm.botErr, warm.bot.Broken, testproc.Tail(warm.botStderr, 3000))
	}
	e := &env{url: srv.URL, addr: u.Host, seed: *abuseSeed}
	abused := tg.run(t, "abusers", window, func(ctx context.Context) { attack(ctx, e, list) })
	alive(t, srv, pid, "after the abusers")
	base := tg.run(t, "baseline", window, nil)
	alive(t, srv, pid, "after the baseline")

	t.Log("\n" + runTable(warm, abused, base) + "\n" + abuserTable(list, abused.window) + "\n" + serverLog(srv.Stderr()))

	// The well-behaved players, under attack and after it.
	for _, r := range []*runResult{abused, base} {
		b := r.bot
		if r.botErr != nil || b.ErrorsTotal != 0 || b.Desyncs != 0 || b.BadSnapshots != 0 {
			t.Errorf("%s: the players: gamebot %v, broken %q, %d errors %v, disconnects %v, %d desyncs, %d bad snapshots\n%s",
				r.name, r.botErr, b.Broken, b.ErrorsTotal, b.Errors, b.Disconnects, b.Desyncs, b.BadSnapshots, testproc.Tail(r.botStderr, 3000))
		}
		if b.Joined < bots || r.connectedEnd < bots {
			t.Errorf("%s: %d players joined, %d connected at the window's end; want %d", r.name, b.Joined, r.connectedEnd, bots)
		}
	}
	if limit := maxP99Ratio * base.bot.Latency.P99; abused.bot.Latency.P99 > limit {
		t.Errorf("p99 input-to-ack %.1f ms under attack, over %.1fx the baseline's %.1f ms (the rest of the machine used %.2f and %.2f cores)",
			abused.bot.Latency.P99, maxP99Ratio, base.bot.Latency.P99, cores(abused.otherCPU, abused.elapsed), cores(base.otherCPU, base.elapsed))
	}
	if limit := maxCPURatio * cores(warm.serverCPU, warm.elapsed); cores(base.serverCPU, base.elapsed) > limit {
		t.Errorf("the server used %.2f cores for the players after the attack (the baseline), over %.1fx the %.2f of the warm-up: the attack left it busy",
			cores(base.serverCPU, base.elapsed), maxCPURatio, cores(warm.serverCPU, warm.elapsed))
	}
	// The server's memory and files, after the attack (the baseline's end) against before it
	// (the warm-up's end).
	// The live heap after is the smallest of the baseline's last scrapes: what leaked is in
	// every one, while the previous run's rooms, let go by their timeouts about 55 s into the
	// baseline, can still be in the first (7.9 then 5.6 MiB in one run: a median of 7.87).
	// Before is the warm-up's median.
	before, after := warm.goEnd, base.goEnd
	after.live = base.liveLow
	if before.live <= 0 || after.live <= 0 {
		t.Errorf("no live heap from /metrics: %.0f bytes before, %.0f after", before.live, after.live)
	} else if limit := before.live * (1 + maxHeapGrowth); after.live > limit {
		t.Errorf("live heap %s after the abusers left (the smallest of the last %v), %s before they came: up %.1f %%, more than %.0f %%",
			mibBytes(after.live), heapSpan, mibBytes(before.live), 100*(after.live/before.live-1), 100*maxHeapGrowth)
	}
	if before.goroutines <= 0 || after.goroutines > before.goroutines+goroutineSlack {
		t.Errorf("the server runs %.0f goroutines after the abusers left, %.0f before they came (%d more allowed)",
			after.goroutines, before.goroutines, goroutineSlack)
	}
	if base.fdsEnd > warm.fdsEnd+fdSlack {
		t.Errorf("the server holds %d files after the abusers left, %d before they came", base.fdsEnd, warm.fdsEnd)
	}
	if before, after := warm.memEnd.anon, base.memEnd.anon; float64(after) > maxRSSRatio*float64(before) {
		t.Errorf("anonymous RSS %s after the abusers left, over %.1f times the %s before they came", mib(after), maxRSSRatio, mib(before))
	}
	if p := abused.statsAfter.delta(abused.statsBefore, "panics"); p != 0 {
		t.Errorf("%d panics recovered in the server during the attack", p)
	}
	// What each abuser got.
	for _, a := range list {
		for _, msg := range a.check(&a.tally, abused.window) {
			t.Error(msg)
		}
	}
}

// alive fails the test unless the server process is the one started, still running.
func alive(t *testing.T, srv *testproc.Server, pid int, when string) {
	t.Helper()
	if !srv.Alive() {
		t.Fatalf("the gameserver exited %s:\n%s", when, testproc.Tail(srv.Stderr(), 4000))
	}
	if st, err := readStat(pid); err != nil || st.ppid != os.Getpid() {
		t.Fatalf("the gameserver (pid %d) is gone %s: %v", pid, when, err)
	}
}

func mib(kb int64) string { return fmt.Sprintf("%.1f MiB", float64(kb)/1024) }

// mibBytes is a byte count in MiB, with the precision the 10 % bound on the live heap needs.
func mibBytes(b float64) string { return fmt.Sprintf("%.2f MiB", b/(1<<20)) }

// cores is d of CPU time over the span of, in cores.
func cores(d, of time.Duration) float64 {
	if of <= 0 {
		return 0
	}
	return d.Seconds() / of.Seconds()
}

// runTable is the runs in the form of docs/benchmarks.md.
func runTable(runs ...*runResult) string {
	var sb strings.Builder
	sb.WriteString("| run | load avg start / end | steal | input to ack p50 / p90 / p99 / max (ms) | snapshots/s per bot | down / up B/s per bot | desyncs (hashed) | errors | longest gap | server cores | server live heap end / peak | server goroutines end / peak | server RssAnon end / peak (VmRSS end) | server open files end | gamebot cores | abusers' cores | other cores |\n")
	sb.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range runs {
		b := r.bot
		abuse := "-"
		if r.abuseCPU > 0 {
			abuse = fmt.Sprintf("%.2f", cores(r.abuseCPU, r.window))
		}
		fmt.Fprintf(&sb, "| %s | %s / %s | %.1f %% | %.0f / %.0f / %.1f / %.0f | %.2f | %.0f / %.0f | %d (%d) | %d | %.0f ms | %.2f | %s / %s | %.0f / %.0f | %s / %s (%s) | %d | %.2f | %s | %.2f |\n",
			r.name, r.loadStart, r.loadEnd, 100*r.steal, b.Latency.P50, b.Latency.P90, b.Latency.P99, b.Latency.Max, b.SnapRate,
			b.Down, b.Up, b.Desyncs, b.Hashed, b.ErrorsTotal, b.LongestGapMs, cores(r.serverCPU, r.elapsed),
			mibBytes(r.goEnd.live), mibBytes(r.goPeak.live), r.goEnd.goroutines, r.goPeak.goroutines, mib(r.memEnd.anon), mib(r.memPeak.anon), mib(r.memEnd.all), r.fdsEnd, cores(r.botCPU, r.elapsed), abuse,
			cores(r.otherCPU, r.elapsed))
	}
	for _, r := range runs {
		fmt.Fprintf(&sb, "%s: gamebot ran %v, window %v; server /stats over the run: %s\n", r.name,
			r.elapsed.Round(100*time.Millisecond), r.window.Round(100*time.Millisecond), statsLine(r))
		fmt.Fprintf(&sb, "%s: server RssAnon (MiB) every 5 s of the window: %s\n", r.name, r.timeline)
		fmt.Fprintf(&sb, "%s: server live heap (MiB) every 5 s of the window: %s\n", r.name, r.heapTimeline)
	}
	return sb.String()
}

// statsLine is what the server's counters say of a run.
func statsLine(r *runResult) string {
	names := []string{"ticks", "overruns", "catchUpSteps", "inputsApplied", "inputsRateLimited", "inputsQueueFull",
		"inputsMalformed", "floods", "snapshotsWritten", "panics"}
	parts := make([]string, 0, len(names)+1)
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s %d", n, r.statsAfter.delta(r.statsBefore, n)))
	}
	parts = append(parts, fmt.Sprintf("requests dropped (no ack) %d", r.statsAfter.DroppedRequests-r.statsBefore.DroppedRequests))
	return strings.Join(parts, ", ")
}

// abuserTable lists what each abuser did and got over the window.
func abuserTable(list []*abuser, window time.Duration) string {
	var sb strings.Builder
	sb.WriteString("| abuser | what it does | written | what it did and got |\n|---|---|---|---|\n")
	var total int64
	for _, a := range list {
		a.tally.mu.Lock()
		wrote := a.tally.bytes
		a.tally.mu.Unlock()
		total += wrote
		fmt.Fprintf(&sb, "| %s | %s | %s | %s |\n", a.name, a.desc, kib(wrote), a.tally.String())
	}
	fmt.Fprintf(&sb, "abusers wrote %s in %v (%s/s), payloads and frames counted where sized\n", kib(total),
		window.Round(100*time.Millisecond), kib(int64(float64(total)/max(window.Seconds(), 1))))
	return sb.String()
}

func kib(n int64) string {
	if n >= 10<<20 {
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f KiB", float64(n)/1024)
}

// logLine matches a warning of the server's log: its message and how many similar ones it
// left out (the limits log one line per kind every 10 s).
var (
	logMsg     = regexp.MustCompile(`msg="([^"]*)"|msg=(\S+)`)
	logSimilar = regexp.MustCompile(`similar_since_last_line=(\d+)`)
)

// serverLog counts the server's log lines by message, with what they say they left out.
func serverLog(log string) string {
	counts := map[string]int{}
	for _, line := range strings.Split(log, "\n") {
		m := logMsg.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		msg := m[1] + m[2]
		n := 1
		if s := logSimilar.FindStringSubmatch(line); s != nil {
			k, _ := strconv.Atoi(s[1])
			n += k
		}
		counts[msg] += n
	}
	msgs := make([]string, 0, len(counts))
	for m := range counts {
		msgs = append(msgs, m)
	}
	sort.Strings(msgs)
	var sb strings.Builder
	sb.WriteString("server log (warnings and errors, with the similar lines each says it left out):\n")
	for _, m := range msgs {
		fmt.Fprintf(&sb, "  %6d  %s\n", counts[m], m)
	}
	return sb.String()
}
