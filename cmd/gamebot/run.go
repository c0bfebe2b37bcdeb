package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tickroom/tickroom/netio/sioparser"
)

// stats are the run's shared counters, written by every bot.
type stats struct {
	connected atomic.Int64 // gauge
	inRoom    atomic.Int64 // gauge

	snapshots, snapBytes, wireDown atomic.Uint64
	inputsSent, wireUp             atomic.Uint64
	hashed, desyncs, badSnapshots  atomic.Uint64
	iaSum, iaSumSq                 atomic.Uint64 // inter-arrival µs and µs²
	matchesEnded                   atomic.Uint64 // seats whose match ended
	reseatRetries                  atomic.Uint64 // re-seats answered ALREADY_IN_ROOM, tried again
	botsMoved                      atomic.Uint64 // bots that followed a seat to another node
	endGapMax                      atomic.Int64  // ns: the longest time since a seated bot's last snapshot at its stop

	// Per-bot spans, added when a bot stops: rates are intervals / span.
	snapIntervals, inputIntervals atomic.Uint64
	snapSpan, inputSpan           atomic.Int64 // ns

	latency, latencyNow, interArrival, connectTime, joinTime histogram
	moveTime                                                 histogram // from a Joined with url to the owner's Joined

	mu          sync.Mutex
	errors      map[failure]int    // guarded by mu
	opCodes     map[[2]string]bool // guarded by mu: the ops and codes in errors
	disconnects map[string]int     // guarded by mu
}

// maxReasons bounds the distinct errors (and disconnect reasons) kept. Beyond it an error
// whose op and code are there already is counted under them with the message otherMessages
// (a new op and code keeps its message: there are few), a reason under "other".
const maxReasons = 50

const otherMessages = "(other messages)"

func count(m map[string]int, reason string) {
	if _, ok := m[reason]; !ok && len(m) >= maxReasons {
		reason = "other"
	}
	m[reason]++
}

func (s *stats) addFailure(f failure) {
	s.mu.Lock()
	oc := [2]string{f.Op, f.Code}
	if _, ok := s.errors[f]; !ok && len(s.errors) >= maxReasons && s.opCodes[oc] {
		f.Message = otherMessages
	}
	s.errors[f]++
	s.opCodes[oc] = true
	s.mu.Unlock()
}

// endGap records the time since a seated bot's last snapshot when it stopped.
func (s *stats) endGap(d time.Duration) {
	for {
		old := s.endGapMax.Load()
		if int64(d) <= old || s.endGapMax.CompareAndSwap(old, int64(d)) {
			return
		}
	}
}

func (s *stats) addDisconnect(reason string) {
	s.mu.Lock()
	count(s.disconnects, reason)
	s.mu.Unlock()
}

// totals returns the error and disconnect counts.
func (s *stats) totals() (errs, discs int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.errors {
		errs += n
	}
	for _, n := range s.disconnects {
		discs += n
	}
	return errs, discs
}

// runner is one run of cfg.
type runner struct {
	cfg            Config
	urls           []string // cfg.urls(): bot i connects to urls[i % len(urls)]
	stats          stats
	snapOverhead   int // Socket.IO msgpack packet bytes around a snapshot argument
	packetOverhead int // Socket.IO msgpack packet bytes around an event's data array

	// atPeak, when set, runs once at nine tenths of the duration, while every
	// bot still plays (a heap profile).
	atPeak func()

	gmu    sync.Mutex
	groups map[int]*group // guarded by gmu

	server *ServerCounts // the server's counters over the run, when it has /stats

	clock *inputClock // sends the playing bots' inputs; nil when InputRate is 0

	newStrategy  newStrategy // the strategy of every seat
	strategyName string
}

func newRunner(cfg Config) (*runner, error) {
	r := &runner{cfg: cfg, urls: cfg.urls(), groups: map[int]*group{}}
	r.newStrategy, r.strategyName = cfg.strategyFor()
	r.stats.errors, r.stats.opCodes = map[failure]int{}, map[[2]string]bool{}
	r.stats.disconnects = map[string]int{}
	// The packet around an event: {type, data, nsp}. The data array is
	// counted by the caller; a snapshot's is ["snapshot", arg].
	data, err := sioparser.EncodeArgs("snapshot", []any{nil})
	if err != nil {
		return nil, err
	}
	pkt, err := sioparser.EncodeMsgpack(&sioparser.Packet{Type: sioparser.Event, Namespace: "/", Data: data})
	if err != nil {
		return nil, err
	}
	r.snapOverhead = len(pkt) - 1 // minus the nil argument
	r.packetOverhead = len(pkt) - len(data)
	return r, nil
}

func (r *runner) group(i int) *group {
	r.gmu.Lock()
	defer r.gmu.Unlock()
	k := i / r.cfg.RoomSize
	g := r.groups[k]
	if g == nil {
		g = newGroup(min(r.cfg.RoomSize, r.cfg.Bots-k*r.cfg.RoomSize) - 1)
		r.groups[k] = g
	}
	return g
}

// run starts the bots at the ramp rate, stops them all at cfg.Duration
// after the start (or when ctx is done), and returns the report. The
// status line goes to status once per cfg.StatusEvery.
func (r *runner) run(ctx context.Context, status io.Writer) *Report {
	before, statsErr := readAllServerCounts(ctx, r.urls)
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Duration)
	defer cancel()
	var wg sync.WaitGroup
	stopStatus := make(chan struct{})
	var statusDone sync.WaitGroup
	if r.cfg.StatusEvery > 0 && status != nil {
		statusDone.Add(1)
		go func() {
			defer statusDone.Done()
			r.statusLoop(start, stopStatus, status)
		}()
	}
	if r.atPeak != nil {
		peak := time.AfterFunc(r.cfg.Duration*9/10, r.atPeak)
		defer peak.Stop()
	}
	if r.cfg.InputRate > 0 {
		r.clock = newInputClock(r.cfg.InputRate)
		defer r.clock.close()
	}
	gap := time.Duration(float64(time.Second) / r.cfg.Ramp)
	started := 0
launch:
	for i := 0; i < r.cfg.Bots; i++ {
		if d := time.Until(start.Add(time.Duration(i) * gap)); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				break launch
			case <-t.C:
			}
		}
		b := newBot(r, i)
		started++
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.run(ctx)
		}()
	}
	<-ctx.Done()
	wg.Wait()
	elapsed := time.Since(start)
	close(stopStatus)
	statusDone.Wait()
	if statsErr == nil {
		if after, err := readAllServerCounts(context.WithoutCancel(ctx), r.urls); err == nil {
			d := after.sub(before)
			r.server = &d
		}
	}
	return r.report(start, elapsed, started)
}

func (r *runner) statusLoop(start time.Time, stop <-chan struct{}, w io.Writer) {
	tick := time.NewTicker(r.cfg.StatusEvery)
	defer tick.Stop()
	last, lastAt := r.stats.snapshots.Load(), time.Now()
	for {
		select {
		case <-stop:
			return
		case now := <-tick.C:
			n := r.stats.snapshots.Load()
			rate := float64(n-last) / now.Sub(lastAt).Seconds()
			last, lastAt = n, now
			lat := r.stats.latencyNow.summarize(true)
			errs, discs := r.stats.totals()
			fmt.Fprintf(w, "gamebot %4.0fs  connected %d/%d  in rooms %d  snapshots/s %.0f  p99 %.1f ms  desyncs %d  bad snapshots %d  errors %d  disconnects %d\n",
				now.Sub(start).Seconds(), r.stats.connected.Load(), r.cfg.Bots, r.stats.inRoom.Load(), rate,
				lat.P99, r.stats.desyncs.Load(), r.stats.badSnapshots.Load(), errs, discs)
		}
	}
}

func sortedCounts(m map[string]int) []ReasonCount {
	out := make([]ReasonCount, 0, len(m))
	for k, v := range m {
		out = append(out, ReasonCount{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Reason < out[j].Reason
	})
	return out
}

func sortedErrors(m map[failure]int) []ErrorCount {
	out := make([]ErrorCount, 0, len(m))
	for f, n := range m {
		out = append(out, ErrorCount{Op: f.Op, Code: f.Code, Message: f.Message, Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		if a.Op != b.Op {
			return a.Op < b.Op
		}
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		return a.Message < b.Message
	})
	return out
}
