package soak

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
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
	memEnd                  memKB // median over the window's last measureSpan
	memPeak                 memKB // the largest sample in the window
	statsBefore, statsAfter serverStats
	connectedEnd            int       // seated and connected players at the window's end
	fdsEnd                  int       // the server's open files at the window's end
	timeline                string    // RssAnon in MiB, one median per 5 s of the window
	opened, closed          time.Time // the window
	liveEnd, livePeak       int       // the live heap after GC (MB, the GC trace): median of the window's last 15 s, and the largest
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

// delta is what a /stats total counted between two readings.
func (st serverStats) delta(before serverStats, name string) uint64 {
	return st.Totals[name] - before.Totals[name]
}

// sampler reads a process's memory every 250 ms.
type sampler struct {
	pid  int
	stop chan struct{}
	done chan struct{}

	mu      sync.Mutex
	samples []memSample // guarded by mu
}

type memSample struct {
	at time.Time
	memKB
}

func sampleMem(pid int) *sampler {
	s := &sampler{pid: pid, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		tk := time.NewTicker(250 * time.Millisecond)
		defer tk.Stop()
		for {
			if m, err := readMem(pid); err == nil {
				s.mu.Lock()
				s.samples = append(s.samples, memSample{time.Now(), m})
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

func (s *sampler) close() {
	close(s.stop)
	<-s.done
}

// within returns the samples taken in [from, to), each part sorted.
func (s *sampler) within(from, to time.Time) (anon, all []int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range s.samples {
		if !x.at.Before(from) && x.at.Before(to) {
			anon, all = append(anon, x.anon), append(all, x.all)
		}
	}
	slices.Sort(anon)
	slices.Sort(all)
	return anon, all
}

// median is the median of the samples of the measureSpan before end.
func (s *sampler) median(end time.Time) memKB {
	anon, all := s.within(end.Add(-measureSpan), end)
	if len(anon) == 0 {
		return memKB{}
	}
	return memKB{anon: anon[len(anon)/2], all: all[len(all)/2]}
}

func (s *sampler) peak(from, to time.Time) memKB {
	anon, all := s.within(from, to)
	if len(anon) == 0 {
		return memKB{}
	}
	return memKB{anon: anon[len(anon)-1], all: all[len(all)-1]}
}

// timeline is RssAnon from start to end, one median per step, in MiB: how the memory came
// and went.
func (s *sampler) timeline(start, end time.Time, step time.Duration) string {
	var parts []string
	for from := start; from.Before(end); from = from.Add(step) {
		to := from.Add(step)
		if to.After(end) {
			to = end
		}
		anon, _ := s.within(from, to)
		if len(anon) > 0 {
			parts = append(parts, fmt.Sprintf("%.1f", float64(anon[len(anon)/2])/1024))
		}
	}
	return strings.Join(parts, " ")
}

// target is the server under test.
type target struct {
	url     string // http://127.0.0.1:port/
	addr    string
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
	samples := sampleMem(tg.pid)
	defer samples.close()
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
	r.memEnd, r.memPeak = samples.median(closed), samples.peak(opened, closed)
	r.opened, r.closed = opened, closed
	r.fdsEnd = openFDs(tg.pid)
	r.timeline = samples.timeline(opened, closed, 5*time.Second)
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
