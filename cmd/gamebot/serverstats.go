package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// ServerCounts are the tickroom server's room counters (its /stats "totals") over a run:
// the difference between a reading before the first bot and one after the last, summed over
// the servers of --urls.
type ServerCounts struct {
	Ticks             uint64 `json:"ticks"`
	CatchUpSteps      uint64 `json:"catchUpSteps"`
	Overruns          uint64 `json:"overruns"`
	InputsApplied     uint64 `json:"inputsApplied"`
	InputsQueueFull   uint64 `json:"inputsQueueFull"`
	InputsRateLimited uint64 `json:"inputsRateLimited"`
	// InputsMalformed counts inputs the mode's DecodeInput rejected: for gamebot's own, a
	// mode whose declared inputs (the schema's) are not what it accepts.
	InputsMalformed  uint64 `json:"inputsMalformed"`
	SnapshotsOffered uint64 `json:"snapshotsOffered"`
	SnapshotsWritten uint64 `json:"snapshotsWritten"`
}

func (c ServerCounts) sub(o ServerCounts) ServerCounts {
	return c.zip(o, func(x, y uint64) uint64 { return x - y })
}

func (c ServerCounts) add(o ServerCounts) ServerCounts {
	return c.zip(o, func(x, y uint64) uint64 { return x + y })
}

// zip is f of each counter of c and o.
func (c ServerCounts) zip(o ServerCounts, f func(x, y uint64) uint64) ServerCounts {
	return ServerCounts{
		Ticks: f(c.Ticks, o.Ticks), CatchUpSteps: f(c.CatchUpSteps, o.CatchUpSteps), Overruns: f(c.Overruns, o.Overruns),
		InputsApplied: f(c.InputsApplied, o.InputsApplied), InputsQueueFull: f(c.InputsQueueFull, o.InputsQueueFull),
		InputsRateLimited: f(c.InputsRateLimited, o.InputsRateLimited), InputsMalformed: f(c.InputsMalformed, o.InputsMalformed),
		SnapshotsOffered: f(c.SnapshotsOffered, o.SnapshotsOffered), SnapshotsWritten: f(c.SnapshotsWritten, o.SnapshotsWritten),
	}
}

// readAllServerCounts sums the counters of every server of urls; one without /stats makes
// it an error.
func readAllServerCounts(ctx context.Context, urls []string) (ServerCounts, error) {
	var sum ServerCounts
	for _, u := range urls {
		c, err := readServerCounts(ctx, u)
		if err != nil {
			return ServerCounts{}, err
		}
		sum = sum.add(c)
	}
	return sum, nil
}

// readServerCounts reads the server's /stats; a server without one (not tickroom, or behind
// a proxy that hides it) gives an error, and the report goes without.
func readServerCounts(ctx context.Context, base string) (ServerCounts, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+"/stats", nil)
	if err != nil {
		return ServerCounts{}, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return ServerCounts{}, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return ServerCounts{}, fmt.Errorf("gamebot: %s/stats: %s", base, res.Status)
	}
	var st struct {
		Totals *ServerCounts `json:"totals"`
	}
	if err := json.NewDecoder(res.Body).Decode(&st); err != nil {
		return ServerCounts{}, err
	}
	if st.Totals == nil {
		return ServerCounts{}, fmt.Errorf("gamebot: %s/stats has no totals", base)
	}
	return *st.Totals, nil
}
