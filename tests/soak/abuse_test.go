package soak

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"time"
)

// The abusers' frame: each abuser is one kind of attack with its own goroutines, paced so that
// all of them together take a small share of a core (two cores serve the server, 200 bots and
// them: an abuser that took a whole core would measure CPU starvation, not the server's
// defences). Each counts what it did and what it got in a tally; its check holds the tally to
// what the contract answers such a client.

// abuser is one kind of attack.
type abuser struct {
	name string
	// desc says what it does and at what pace, for the report.
	desc string
	// run attacks until ctx ends, counting in t. It returns once every goroutine it started
	// has ended and every connection it opened is closed.
	run func(ctx context.Context, e *env, t *tally)
	// check returns what in t breaks the contract, after a window of the given length.
	check func(t *tally, window time.Duration) []string
	tally tally
}

// env is what the abusers share: the server's address and the rooms the owners made.
type env struct {
	url  string // http://127.0.0.1:port/
	addr string // 127.0.0.1:port
	seed uint64

	mu    sync.Mutex
	codes []string // join codes of the showcase rooms (password rooms with the largest meta)
}

// rng is a generator of its own for the abuser named name: a run is reproducible from the
// seed the log prints, up to the scheduling.
func (e *env) rng(name string) *rand.Rand {
	var h uint64 = 14695981039346656037
	for i := 0; i < len(name); i++ {
		h = (h ^ uint64(name[i])) * 1099511628211
	}
	return rand.New(rand.NewPCG(e.seed, h))
}

func (e *env) addCode(code string) {
	e.mu.Lock()
	e.codes = append(e.codes, code)
	e.mu.Unlock()
}

// code returns the i-th showcase code, round robin, or "" while there is none.
func (e *env) code(i int) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.codes) == 0 {
		return ""
	}
	return e.codes[i%len(e.codes)]
}

// tally counts one abuser's actions and the answers it got, by name.
type tally struct {
	mu     sync.Mutex
	counts map[string]int64 // guarded by mu
	maxes  map[string]int64 // guarded by mu: the largest value seen of each
	bytes  int64            // guarded by mu: what the abuser wrote, payloads and frames
}

func (t *tally) add(what string) { t.addN(what, 1) }

func (t *tally) addN(what string, n int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.counts == nil {
		t.counts = map[string]int64{}
	}
	t.counts[what] += n
}

// max records v of what when it is the largest seen.
func (t *tally) max(what string, v int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.maxes == nil {
		t.maxes = map[string]int64{}
	}
	if v > t.maxes[what] {
		t.maxes[what] = v
	}
}

func (t *tally) wrote(n int) {
	t.mu.Lock()
	t.bytes += int64(n)
	t.mu.Unlock()
}

func (t *tally) get(what string) int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.counts[what]
}

func (t *tally) getMax(what string) int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.maxes[what]
}

// sumPrefix sums the counts whose name starts with prefix.
func (t *tally) sumPrefix(prefix string) int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	var n int64
	for k, v := range t.counts {
		if strings.HasPrefix(k, prefix) {
			n += v
		}
	}
	return n
}

// String lists the counts, largest first, then the maxima.
func (t *tally) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	type kv struct {
		k string
		v int64
	}
	var all []kv
	for k, v := range t.counts {
		all = append(all, kv{k, v})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].v != all[j].v {
			return all[i].v > all[j].v
		}
		return all[i].k < all[j].k
	})
	parts := make([]string, 0, len(all)+len(t.maxes))
	for _, p := range all {
		parts = append(parts, fmt.Sprintf("%s %d", p.k, p.v))
	}
	keys := make([]string, 0, len(t.maxes))
	for k := range t.maxes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, t.maxes[k]))
	}
	return strings.Join(parts, ", ")
}

// every calls fn at most once per period until ctx ends or fn returns false. A call that takes
// longer than the period lowers the rate: the pace is an upper bound.
func every(ctx context.Context, period time.Duration, fn func() bool) {
	tk := time.NewTicker(period)
	defer tk.Stop()
	for ctx.Err() == nil && fn() {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
	}
}

// sleepCtx waits d or until ctx ends, and reports whether it waited d.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// group runs goroutines and waits for them all.
type group struct{ wg sync.WaitGroup }

func (g *group) spawn(fn func()) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		fn()
	}()
}

func (g *group) wait() { g.wg.Wait() }

// attack runs every abuser until ctx ends and returns once all have stopped.
func attack(ctx context.Context, e *env, abusers []*abuser) {
	var g group
	for _, a := range abusers {
		g.spawn(func() { a.run(ctx, e, &a.tally) })
	}
	g.wait()
}

// expect is a check's helper: it collects the failures of one abuser.
type expect struct {
	name string
	errs []string
}

func (x *expect) that(ok bool, format string, args ...any) {
	if !ok {
		x.errs = append(x.errs, x.name+": "+fmt.Sprintf(format, args...))
	}
}

// perConn is the most a token bucket admits over window to conns connections each starting
// full: a burst each, and the rate for the window's length on each connection alive at a
// time (alive of them), with 10 % for the clocks.
func perConn(conns, alive int64, burst, rate float64, window time.Duration) int64 {
	return int64(float64(conns)*burst + 1.1*rate*window.Seconds()*float64(alive) + 1)
}
