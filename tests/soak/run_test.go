package soak

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tickroom/tickroom/internal/testscrape"
)

// One run: gamebot's 200 players join, then play for the run's window (during which the
// abusers attack, in the abuse run); the server's memory is sampled all along.

const (
	bots = 200
	// joinFor is the bots' time to join before the window opens (200 a second, and the
	// connects); the window opens at joinFor after gamebot's start, once they all have.
	joinFor = 4 * time.Second
	// measureSpan is the span of memory samples whose median is a run's end figure.
	measureSpan = 2 * time.Second
	// heapSpan is the span of /metrics scrapes, one a second, whose median is a run's end
	// live heap and goroutines. The live heap is as of the server's last GC, which runs about
	// every second under the players: ten scrapes see several collections, and their median
	// is robust to a scrape that lands just before one. The scrapes ask for the page
	// uncompressed (testscrape.Fetch): gzip would keep a compressor of about 1 MB in the
	// server's live heap, 20 % of it, at some collections and not at others.
	heapSpan = 10 * time.Second
)

// runResult is what one run measured.
type runResult struct {
	name                        string
	bot                         botReport
	botErr                      error // gamebot's exit: non-nil on a broken threshold
	botStderr                   string
	botCPU, serverCPU, abuseCPU time.Duration
	// otherCPU is what the rest of the machine used meanwhile: other processes (the machine
	// is shared) and the kernel's work outside the processes' accounts (softirqs of the
	// loopback traffic among them).
	otherCPU                time.Duration
	elapsed, window         time.Duration
	loadStart, loadEnd      string
	steal                   float64
	memEnd                  memKB     // median over the window's last measureSpan
	memPeak                 memKB     // the largest sample in the window
	goEnd                   goRuntime // median over the window's last heapSpan, each figure on its own
	liveLow                 float64   // the smallest live heap over the window's last heapSpan
	goPeak                  goRuntime // the largest scrape in the window, each figure on its own
	statsBefore, statsAfter serverStats
	connectedEnd            int    // seated and connected players at the window's end
	fdsEnd                  int    // the server's open files at the window's end
	timeline                string // RssAnon in MiB, one median per 5 s of the window
	heapTimeline            string // the live heap in MiB, one median per 5 s of the window
}

// botReport is the part of gamebot's --json report the test reads.
type botReport struct {
	Joined  uint64 `json:"bots_joined"`
	Latency struct {
		Count uint64  `json:"count"`
		Mean  float64 `json:"mean_ms"`
		P50   float64 `json:"p50_ms"`
		P90   float64 `json:"p90_ms"`
		P99   float64 `json:"p99_ms"`
		Max   float64 `json:"max_ms"`
	} `json:"input_to_ack"`
	SnapRate     float64  `json:"snapshots_per_s_per_bot"`
	InputRate    float64  `json:"inputs_per_s_per_bot"`
	Down         float64  `json:"down_bytes_per_s_per_bot"`
	Up           float64  `json:"up_bytes_per_s_per_bot"`
	Hashed       uint64   `json:"hashed_snapshots"`
	Desyncs      uint64   `json:"desyncs"`
	BadSnapshots uint64   `json:"bad_snapshots"`
	LongestGapMs float64  `json:"longest_snapshot_gap_ms"`
	ErrorsTotal  int      `json:"errors_total"`
	Errors       []any    `json:"errors"`
	Disconnects  []any    `json:"disconnects"`
	Broken       []string `json:"thresholds_broken"`
	Warnings     []string `json:"warnings"`
}

// serverStats is the server's /stats.
type serverStats struct {
	Rooms           int               `json:"rooms"`
	Seats           int               `json:"seats"`
	Connected       int               `json:"connected"`
	DroppedRequests uint64            `json:"droppedRequests"`
	Totals          map[string]uint64 `json:"totals"`
}

func readServerStats(ctx context.Context, url string) (serverStats, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var st serverStats
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"stats", nil)
	if err != nil {
		return st, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return st, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return st, fmt.Errorf("/stats: %s", res.Status)
	}
	return st, json.NewDecoder(res.Body).Decode(&st)
}

// goRuntime is what the server's Go runtime says of itself on its /metrics.
type goRuntime struct {
	live       float64 // go_gc_heap_live_bytes: the heap the last GC left live
	goroutines float64 // go_goroutines
}

func (g goRuntime) liveBytes() float64 { return g.live }
func (g goRuntime) count() float64     { return g.goroutines }

func readGoRuntime(metricsURL string) (goRuntime, error) {
	fams, err := testscrape.Fetch(metricsURL, "")
	if err != nil {
		return goRuntime{}, err
	}
	if !fams.Has("go_gc_heap_live_bytes") || !fams.Has("go_goroutines") {
		return goRuntime{}, errors.New("soak: /metrics without go_gc_heap_live_bytes or go_goroutines")
	}
	return goRuntime{live: fams.Sum("go_gc_heap_live_bytes"), goroutines: fams.Sum("go_goroutines")}, nil
}

// delta is what a /stats total counted between two readings.
func (st serverStats) delta(before serverStats, name string) uint64 {
	return st.Totals[name] - before.Totals[name]
}

// sampler reads a figure of the server every interval, from the run's start to its end.
type sampler[T any] struct {
	stop chan struct{}
	done chan struct{}

	mu      sync.Mutex
	samples []sampled[T] // guarded by mu
}

type sampled[T any] struct {
	at time.Time
	v  T
}

// sample starts a sampler; a read that fails is skipped, as a process may be between states.
func sample[T any](every time.Duration, read func() (T, error)) *sampler[T] {
	s := &sampler[T]{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		tk := time.NewTicker(every)
		defer tk.Stop()
		for {
			at := time.Now()
			if v, err := read(); err == nil {
				s.mu.Lock()
				s.samples = append(s.samples, sampled[T]{at, v})
				s.mu.Unlock()
			}
			select {
			case <-s.stop:
				return
			case <-tk.C:
			}
		}
	}()
	return s
}

func (s *sampler[T]) close() {
	close(s.stop)
	<-s.done
}

// within returns the samples taken in [from, to).
func (s *sampler[T]) within(from, to time.Time) []T {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []T
	for _, x := range s.samples {
		if !x.at.Before(from) && x.at.Before(to) {
			out = append(out, x.v)
		}
	}
	return out
}

// figure is one figure of each sample, sorted: the figure's median is at the middle, its
// largest value at the end.
func figure[T any, N int64 | float64](xs []T, of func(T) N) []N {
	out := make([]N, len(xs))
	for i, x := range xs {
		out[i] = of(x)
	}
	slices.Sort(out)
	return out
}

func median[N int64 | float64](sorted []N) N  { return sorted[len(sorted)/2] }
func largest[N int64 | float64](sorted []N) N { return sorted[len(sorted)-1] }

func smallest[N int64 | float64](sorted []N) N { return sorted[0] }

// summarizer is a sample that sums up several of its kind, each figure on its own: the
// median, or the largest when peak.
type summarizer[T any] interface {
	summarize(xs []T, peak bool) T
}

// over sums up the samples taken in [from, to); the zero T without one.
func over[T summarizer[T]](s *sampler[T], from, to time.Time, peak bool) T {
	var zero T
	xs := s.within(from, to)
	if len(xs) == 0 {
		return zero
	}
	return zero.summarize(xs, peak)
}

func (memKB) summarize(xs []memKB, peak bool) memKB {
	pick := median[int64]
	if peak {
		pick = largest[int64]
	}
	return memKB{anon: pick(figure(xs, memKB.anonKB)), all: pick(figure(xs, memKB.allKB))}
}

func (goRuntime) summarize(xs []goRuntime, peak bool) goRuntime {
	pick := median[float64]
	if peak {
		pick = largest[float64]
	}
	return goRuntime{live: pick(figure(xs, goRuntime.liveBytes)), goroutines: pick(figure(xs, goRuntime.count))}
}

// timeline is a figure from start to end, one median per step, over unit (the figure's
// MiB): how the memory came and went.
func timeline[T any, N int64 | float64](s *sampler[T], of func(T) N, unit float64, start, end time.Time, step time.Duration) string {
	var parts []string
	for from := start; from.Before(end); from = from.Add(step) {
		to := from.Add(step)
		if to.After(end) {
			to = end
		}
		if xs := s.within(from, to); len(xs) > 0 {
			parts = append(parts, fmt.Sprintf("%.1f", float64(median(figure(xs, of)))/unit))
		}
	}
	return strings.Join(parts, " ")
}

// target is the server under test.
type target struct {
	url     string // http://127.0.0.1:port/
	addr    string
	metrics string // the admin listener's /metrics
	pid     int
	gamebot string // gamebot's binary
}

// run plays one run: gamebot's players join, then play for window; attack, when not nil,
// runs the abusers over the window and returns when they have all stopped.
func (tg *target) run(t *testing.T, name string, window time.Duration, attack func(ctx context.Context)) *runResult {
	t.Helper()
	ctx := context.Background()
	r := &runResult{name: name, loadStart: loadAvg()}
	cpu0, self0 := readCPUTimes(), selfCPU()
	srv0, err := readStat(tg.pid)
	if err != nil {
		t.Fatalf("%s: the server process: %v", name, err)
	}
	if r.statsBefore, err = readServerStats(ctx, tg.url); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	total := joinFor + window + time.Second
	cmd := exec.Command(tg.gamebot, "--url", tg.url, "--bots", strconv.Itoa(bots), "--duration", total.String(),
		"--json", "--status-every", "10s", "--seed", "1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	mem := sample(250*time.Millisecond, func() (memKB, error) { return readMem(tg.pid) })
	defer mem.close()
	gort := sample(time.Second, func() (goRuntime, error) { return readGoRuntime(tg.metrics) })
	defer gort.close()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: gamebot: %v", name, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for {
		st, err := readServerStats(ctx, tg.url)
		if err == nil && st.Connected >= bots {
			break
		}
		if time.Since(start) > joinFor {
			_ = cmd.Process.Kill()
			<-exited
			t.Fatalf("%s: %d of %d bots seated after %v; gamebot:\n%s", name, st.Connected, bots, time.Since(start), stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Until(start.Add(joinFor)))
	opened := time.Now()
	if attack != nil {
		abuse0 := selfCPU()
		actx, cancel := context.WithTimeout(ctx, window)
		attack(actx)
		<-actx.Done() // with no abuser chosen, the window lasts all the same
		cancel()
		r.abuseCPU = selfCPU() - abuse0
	} else {
		time.Sleep(window)
	}
	closed := time.Now()
	r.window = closed.Sub(opened)
	r.memEnd, r.memPeak = over(mem, closed.Add(-measureSpan), closed, false), over(mem, opened, closed, true)
	r.goEnd, r.goPeak = over(gort, closed.Add(-heapSpan), closed, false), over(gort, opened, closed, true)
	if xs := gort.within(closed.Add(-heapSpan), closed); len(xs) > 0 {
		r.liveLow = smallest(figure(xs, goRuntime.liveBytes))
	}
	r.fdsEnd = openFDs(tg.pid)
	r.timeline = timeline(mem, memKB.anonKB, 1024, opened, closed, 5*time.Second)
	r.heapTimeline = timeline(gort, goRuntime.liveBytes, 1<<20, opened, closed, 5*time.Second)
	if st, err := readServerStats(ctx, tg.url); err == nil {
		r.connectedEnd = st.Connected
	}
	select {
	case r.botErr = <-exited:
	case <-time.After(total + time.Minute):
		_ = cmd.Process.Kill()
		r.botErr = <-exited
		t.Errorf("%s: gamebot ran past %v", name, total)
	}
	r.elapsed = time.Since(start)
	r.botStderr = stderr.String()
	if cmd.ProcessState != nil {
		r.botCPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	if err := json.Unmarshal(stdout.Bytes(), &r.bot); err != nil {
		t.Fatalf("%s: gamebot's report: %v (exit %v)\nstdout:\n%s\nstderr:\n%s", name, err, r.botErr, stdout.String(), stderr.String())
	}
	if srv1, err := readStat(tg.pid); err == nil {
		r.serverCPU = srv1.cpu - srv0.cpu
	}
	r.statsAfter, _ = readServerStats(ctx, tg.url)
	r.loadEnd = loadAvg()
	cpu1 := readCPUTimes()
	r.steal = stealShare(cpu0, cpu1)
	r.otherCPU = busy(cpu0, cpu1) - r.serverCPU - r.botCPU - (selfCPU() - self0)
	return r
}
