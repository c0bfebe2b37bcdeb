package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is what a run measured; --json prints it as is.
type Report struct {
	Config struct {
		URL         string   `json:"url"`
		URLs        []string `json:"urls,omitempty"` // --urls: the servers the bots were spread over
		Bots        int      `json:"bots"`
		Mode        string   `json:"mode"`
		Rooms       string   `json:"rooms"`
		RoomSize    int      `json:"room_size"`
		Behaviour   string   `json:"behaviour"`
		Strategy    string   `json:"strategy"` // what steered the bots: a mode's strategy (its name), wander or idle
		InputRate   int      `json:"input_rate"`
		Transport   string   `json:"transport"`
		Parser      string   `json:"parser"`
		Ramp        float64  `json:"ramp"`
		DurationS   float64  `json:"duration_s"`
		MaxP99Ms    float64  `json:"max_p99_ms,omitempty"`
		MaxDesyncs  int      `json:"max_desyncs"`
		MaxBadSnaps int      `json:"max_bad_snapshots"`
		MaxErrors   int      `json:"max_errors"`
		MaxGapMs    float64  `json:"max_snapshot_gap_ms,omitempty"`
		MaxOverruns int      `json:"max_overruns"`
	} `json:"config"`
	Start     time.Time `json:"start"`
	ElapsedS  float64   `json:"elapsed_s"`
	Started   int       `json:"bots_started"`
	Connected uint64    `json:"bots_connected"` // connects that succeeded
	Joined    uint64    `json:"bots_joined"`    // joins that succeeded
	ConnectMs summary   `json:"connect_time"`
	JoinMs    summary   `json:"join_time"` // the request's, a move included
	// Moved counts the bots that followed a seat to another node of a cluster (a Joined with
	// url) at least once; MoveMs is each move's time, from that Joined to the owner's.
	Moved      uint64  `json:"bots_moved"`
	MoveMs     summary `json:"move_time"`
	LatencyMs  summary `json:"input_to_ack"`
	Snapshots  uint64  `json:"snapshots"`
	SnapRate   float64 `json:"snapshots_per_s_per_bot"`
	ArrivalMs  summary `json:"snapshot_interarrival"`
	JitterMs   float64 `json:"snapshot_jitter_ms"` // standard deviation of the inter-arrival time
	Inputs     uint64  `json:"inputs"`
	InputRate  float64 `json:"inputs_per_s_per_bot"`
	SnapBytes  uint64  `json:"snapshot_arg_bytes"`
	DownBytes  uint64  `json:"down_bytes"` // snapshots with Socket.IO and WebSocket framing (computed)
	UpBytes    uint64  `json:"up_bytes"`   // inputs with framing (computed)
	DownPerBot float64 `json:"down_bytes_per_s_per_bot"`
	UpPerBot   float64 `json:"up_bytes_per_s_per_bot"`
	AvgSnap    float64 `json:"snapshot_arg_bytes_avg"`
	Hashed     uint64  `json:"hashed_snapshots"`
	Desyncs    uint64  `json:"desyncs"`
	// BadSnapshots are the snapshots that did not decode, came out of order or did not apply
	// to the mirror; each is among Errors too.
	BadSnapshots uint64 `json:"bad_snapshots"`
	// LongestGapMs is the longest a seated bot went without a snapshot: the longest
	// inter-arrival time, or at the end of the run the time since a bot's last snapshot.
	LongestGapMs float64       `json:"longest_snapshot_gap_ms"`
	MatchesEnded uint64        `json:"matches_ended"` // seats whose match ended (phase ended, or room:closed "ended")
	Errors       []ErrorCount  `json:"errors"`
	Disconnects  []ReasonCount `json:"disconnects"`
	ErrorsTotal  int           `json:"errors_total"` // errors plus unexpected disconnects
	// Server is what the server's /stats counted during the run; nil when it has none.
	Server   *ServerCounts `json:"server,omitempty"`
	Broken   []string      `json:"thresholds_broken"`
	Warnings []string      `json:"warnings"`
}

// ErrorCount is one kind of error: what the bots were doing, the code (the server's, or
// gamebot's own for what the bot saw itself) and the message, and how often.
type ErrorCount struct {
	Op      string `json:"op"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Count   int    `json:"count"`
}

// ReasonCount is one line of disconnects by reason.
type ReasonCount struct {
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

func (r *runner) report(start time.Time, elapsed time.Duration, started int) *Report {
	st := &r.stats
	rep := &Report{Start: start, ElapsedS: elapsed.Seconds(), Started: started}
	c := &rep.Config
	c.URL, c.URLs, c.Bots, c.Mode, c.Rooms, c.RoomSize = r.urls[0], r.cfg.URLs, r.cfg.Bots, r.cfg.Mode, string(r.cfg.Rooms), r.cfg.RoomSize
	c.Behaviour, c.Strategy, c.InputRate, c.Ramp = string(r.cfg.Behaviour), r.strategyName, r.cfg.InputRate, r.cfg.Ramp
	c.Transport, c.Parser, c.DurationS = r.cfg.Transport.String(), r.cfg.Parser.String(), r.cfg.Duration.Seconds()
	c.MaxP99Ms, c.MaxDesyncs, c.MaxBadSnaps, c.MaxErrors = ms(r.cfg.MaxP99), r.cfg.MaxDesyncs, r.cfg.MaxBadSnapshots, r.cfg.MaxErrors
	c.MaxGapMs, c.MaxOverruns = ms(r.cfg.MaxSnapshotGap), r.cfg.MaxOverruns
	rep.Server = r.server
	rep.ConnectMs = st.connectTime.summarize(false)
	rep.JoinMs = st.joinTime.summarize(false)
	rep.Connected, rep.Joined = rep.ConnectMs.Count, rep.JoinMs.Count
	rep.Moved, rep.MoveMs = st.botsMoved.Load(), st.moveTime.summarize(false)
	rep.LatencyMs = st.latency.summarize(false)
	rep.ArrivalMs = st.interArrival.summarize(false)
	rep.Snapshots, rep.Inputs = st.snapshots.Load(), st.inputsSent.Load()
	if span := time.Duration(st.snapSpan.Load()); span > 0 {
		rep.SnapRate = float64(st.snapIntervals.Load()) / span.Seconds()
		rep.DownPerBot = float64(st.wireDown.Load()) / span.Seconds()
	}
	if span := time.Duration(st.inputSpan.Load()); span > 0 {
		rep.InputRate = float64(st.inputIntervals.Load()) / span.Seconds()
		rep.UpPerBot = float64(st.wireUp.Load()) / span.Seconds()
	}
	if n := rep.ArrivalMs.Count; n > 1 {
		mean := float64(st.iaSum.Load()) / float64(n)
		v := float64(st.iaSumSq.Load())/float64(n) - mean*mean
		rep.JitterMs = math.Sqrt(max(v, 0)) / 1e3
	}
	rep.SnapBytes, rep.DownBytes, rep.UpBytes = st.snapBytes.Load(), st.wireDown.Load(), st.wireUp.Load()
	if rep.Snapshots > 0 {
		rep.AvgSnap = float64(rep.SnapBytes) / float64(rep.Snapshots)
	}
	rep.Hashed, rep.Desyncs, rep.BadSnapshots = st.hashed.Load(), st.desyncs.Load(), st.badSnapshots.Load()
	rep.LongestGapMs = max(rep.ArrivalMs.Max, ms(time.Duration(st.endGapMax.Load())))
	rep.MatchesEnded = st.matchesEnded.Load()
	st.mu.Lock()
	rep.Errors, rep.Disconnects = sortedErrors(st.errors), sortedCounts(st.disconnects)
	st.mu.Unlock()
	errs, discs := st.totals()
	rep.ErrorsTotal = errs + discs
	rep.Broken = r.cfg.check(rep)
	rep.Warnings = []string{}
	if want := float64(r.cfg.InputRate); rep.Inputs > 0 && rep.InputRate < 0.9*want {
		// The input loop's ticker drops ticks it cannot keep up with.
		rep.Warnings = append(rep.Warnings, fmt.Sprintf(
			"bots sent %.1f inputs/s of %d configured: the bot process is short of CPU, so its latency numbers include its own delays",
			rep.InputRate, r.cfg.InputRate))
	}
	if sv := rep.Server; sv != nil && sv.InputsMalformed > 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf(
			"the server rejected %d inputs as malformed: if they were the bots', the mode accepts other inputs than its schema declares",
			sv.InputsMalformed))
	}
	if n := st.reseatRetries.Load(); n > 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf(
			"%d seat requests after the end of a match were answered ALREADY_IN_ROOM, and tried again a second later", n))
	}
	if rep.MatchesEnded > 0 && r.cfg.Rooms == RoomsPrivate {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf(
			"%d bots' matches ended before the run did, and their bots stopped: private rooms are made once", rep.MatchesEnded))
	}
	return rep
}

// check returns the thresholds rep breaks. A run in which no bot joined is
// broken whatever the thresholds.
func (c *Config) check(rep *Report) []string {
	broken := []string{}
	if rep.Joined == 0 {
		broken = append(broken, "no bot joined a room")
	}
	if c.MaxP99 > 0 && rep.LatencyMs.P99 > ms(c.MaxP99) {
		broken = append(broken, fmt.Sprintf("input-to-ack p99 %.2f ms > --max-p99 %v", rep.LatencyMs.P99, c.MaxP99))
	}
	if c.MaxDesyncs >= 0 && rep.Desyncs > uint64(c.MaxDesyncs) {
		broken = append(broken, fmt.Sprintf("desyncs %d > --max-desyncs %d", rep.Desyncs, c.MaxDesyncs))
	}
	if c.MaxBadSnapshots >= 0 && rep.BadSnapshots > uint64(c.MaxBadSnapshots) {
		broken = append(broken, fmt.Sprintf("bad snapshots %d > --max-bad-snapshots %d", rep.BadSnapshots, c.MaxBadSnapshots))
	}
	if c.MaxErrors >= 0 && rep.ErrorsTotal > c.MaxErrors {
		broken = append(broken, fmt.Sprintf("errors %d > --max-errors %d", rep.ErrorsTotal, c.MaxErrors))
	}
	if c.MaxSnapshotGap > 0 && rep.LongestGapMs > ms(c.MaxSnapshotGap) {
		broken = append(broken, fmt.Sprintf("longest snapshot gap %.0f ms > --max-snapshot-gap %v", rep.LongestGapMs, c.MaxSnapshotGap))
	}
	if c.MaxOverruns >= 0 {
		switch {
		case rep.Server == nil:
			broken = append(broken, "--max-overruns: the server's /stats could not be read")
		case rep.Server.Overruns > uint64(c.MaxOverruns):
			broken = append(broken, fmt.Sprintf("server tick overruns %d > --max-overruns %d", rep.Server.Overruns, c.MaxOverruns))
		}
	}
	return broken
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// writeJSON prints the report as indented JSON.
func (rep *Report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// writeTable prints the summary table.
func (rep *Report) writeTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	c := rep.Config
	rooms := c.Rooms + " rooms"
	if c.Rooms == string(RoomsPrivate) {
		rooms += fmt.Sprintf(" of %d", c.RoomSize)
	}
	servers := c.URL
	if len(c.URLs) > 0 {
		servers = strings.Join(c.URLs, ", ")
	}
	fmt.Fprintf(tw, "gamebot: %d bots on %s, %s, %s, %s (%s), %d inputs/s, %s/%s, %.0f s (ran %.1f s)\n",
		c.Bots, servers, c.Mode, rooms, c.Behaviour, c.Strategy, c.InputRate, c.Transport, c.Parser, c.DurationS, rep.ElapsedS)
	fmt.Fprintln(tw, "metric\tcount\tmean\tp50\tp90\tp99\tmax")
	row := func(name string, s summary) {
		fmt.Fprintf(tw, "%s\t%d\t%.2f ms\t%.2f ms\t%.2f ms\t%.2f ms\t%.2f ms\n", name, s.Count, s.Mean, s.P50, s.P90, s.P99, s.Max)
	}
	row("input to ack", rep.LatencyMs)
	row("snapshot inter-arrival", rep.ArrivalMs)
	row("connect", rep.ConnectMs)
	row("join", rep.JoinMs)
	if rep.MoveMs.Count > 0 {
		row("move to the seat's node", rep.MoveMs)
	}
	fmt.Fprintf(tw, "bots\tstarted %d, connected %d, joined %d, moved %d\n", rep.Started, rep.Connected, rep.Joined, rep.Moved)
	fmt.Fprintf(tw, "snapshots\t%d, %.2f/s per bot, jitter (sd) %.2f ms, %.0f B avg argument\n", rep.Snapshots, rep.SnapRate, rep.JitterMs, rep.AvgSnap)
	fmt.Fprintf(tw, "inputs\t%d, %.2f/s per bot\n", rep.Inputs, rep.InputRate)
	fmt.Fprintf(tw, "bandwidth per bot\tdown %.0f B/s, up %.0f B/s (framing computed)\n", rep.DownPerBot, rep.UpPerBot)
	fmt.Fprintf(tw, "desyncs\t%d of %d hashed snapshots\n", rep.Desyncs, rep.Hashed)
	fmt.Fprintf(tw, "bad snapshots\t%d (not decoded, out of order or not applied)\n", rep.BadSnapshots)
	fmt.Fprintf(tw, "longest snapshot gap\t%.0f ms\n", rep.LongestGapMs)
	if rep.MatchesEnded > 0 {
		fmt.Fprintf(tw, "matches ended\t%d\n", rep.MatchesEnded)
	}
	errs := 0
	for _, e := range rep.Errors {
		errs += e.Count
	}
	fmt.Fprintf(tw, "errors\t%d\n", errs)
	for _, e := range rep.Errors {
		fmt.Fprintf(tw, "\t%d x %s\n", e.Count, failure{Op: e.Op, Code: e.Code, Message: e.Message})
	}
	fmt.Fprintf(tw, "disconnects\t%d%s\n", sum(rep.Disconnects), reasons(rep.Disconnects))
	if s := rep.Server; s != nil {
		fmt.Fprintf(tw, "server (/stats)\t%d ticks, %d late (catch-up) steps, %d overruns; %d of %d snapshots written; %d inputs applied, %d pushed out of a full queue, %d over the rate limit, %d malformed\n",
			s.Ticks, s.CatchUpSteps, s.Overruns, s.SnapshotsWritten, s.SnapshotsOffered, s.InputsApplied, s.InputsQueueFull, s.InputsRateLimited, s.InputsMalformed)
	} else {
		fmt.Fprintln(tw, "server (/stats)\tnot available")
	}
	for _, w := range rep.Warnings {
		fmt.Fprintf(tw, "warning\t%s\n", w)
	}
	if len(rep.Broken) == 0 {
		fmt.Fprintln(tw, "thresholds\tall met")
	} else {
		fmt.Fprintf(tw, "thresholds\tBROKEN: %s\n", strings.Join(rep.Broken, "; "))
	}
	return tw.Flush()
}

func sum(rc []ReasonCount) int {
	n := 0
	for _, r := range rc {
		n += r.Count
	}
	return n
}

func reasons(rc []ReasonCount) string {
	if len(rc) == 0 {
		return ""
	}
	parts := make([]string, len(rc))
	for i, r := range rc {
		parts[i] = fmt.Sprintf("%s: %d", r.Reason, r.Count)
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
