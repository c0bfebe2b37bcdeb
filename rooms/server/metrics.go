package server

import (
	"regexp"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/tickroom/tickroom/internal/metric"
)

// The one place the runtime's counters become Prometheus metrics
// (docs/operations.md has the table). game/, netio/ and rooms/ keep plain
// atomic counters and lock-free histograms; this collector reads them when
// /metrics is scraped and hands Prometheus constant metrics. Nothing is
// registered per room or per player, and no label value comes from a
// client: modes, phases, transports, reasons, request events and result
// codes are the server's own words.

// newRegistry is a server's own registry: its collector, the Go runtime's
// and the process'. The Go collector adds one runtime/metrics figure to its
// defaults: the live heap as of the last GC (go_gc_heap_live_bytes), the
// heap that is left once garbage is gone, which says whether memory came
// back after load; go_memstats_* count garbage not yet collected.
func newRegistry(s *Server) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(
			collectors.GoRuntimeMetricsRule{Matcher: regexp.MustCompile(`^/gc/heap/live:bytes$`)})),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		newCollector(s),
	)
	return reg
}

// metricDesc is one metric's name, help and label names; the collector
// makes its Desc.
type metricDesc struct {
	name, help string
	labels     []string
}

// The metrics, by the field of descs that holds each.
var metricDescs = struct {
	rooms, roomsStalled, players, conns, draining, ready                               metricDesc
	refused, disconnects, bytesSent, bytesRecv                                         metricDesc
	ticks, overruns, catchUp, tickDuration                                             metricDesc
	snapsSent, snapsOffered, snapsSkipped, snapsFull, snapBytes, encodes, baselineBugs metricDesc
	inputs, floods                                                                     metricDesc
	requests, requestsDropped, requestDuration, lobbyRefusals, panics                  metricDesc
}{
	rooms:        metricDesc{"tickroom_rooms", "Running rooms by mode and phase.", []string{"mode", "phase"}},
	roomsStalled: metricDesc{"tickroom_rooms_stalled", "Rooms that should tick and have not for the stall bound (Ops.StallAfter).", nil},
	players:      metricDesc{"tickroom_players", "Seated players by state: connected, or in the seat grace period after a disconnect.", []string{"state"}},
	conns:        metricDesc{"tickroom_connections", "Open connections by transport.", []string{"transport"}},
	draining:     metricDesc{"tickroom_draining", "1 while the server drains.", nil},
	ready:        metricDesc{"tickroom_ready", "1 while /readyz answers 200.", nil},

	refused:     metricDesc{"tickroom_connections_refused_total", "Connections refused by reason: per_ip (HTTP 429), node_cap (503), origin (403), bad_auth (handshake auth too large), connect_timeout (no namespace joined in time).", []string{"reason"}},
	disconnects: metricDesc{"tickroom_disconnects_total", "Closed connections by reason.", []string{"reason"}},
	bytesSent:   metricDesc{"tickroom_bytes_sent_total", "Engine.IO bytes sent to clients, by transport (without HTTP headers and WebSocket framing).", []string{"transport"}},
	bytesRecv:   metricDesc{"tickroom_bytes_received_total", "Engine.IO bytes received from clients, by transport.", []string{"transport"}},

	ticks:        metricDesc{"tickroom_ticks_total", "Simulation steps run, in every room.", nil},
	overruns:     metricDesc{"tickroom_tick_overruns_total", "Due steps dropped because a room fell further behind its schedule than it may catch up.", nil},
	catchUp:      metricDesc{"tickroom_tick_catchup_steps_total", "Steps run late, after a stall, beyond one per timer wake-up.", nil},
	tickDuration: metricDesc{"tickroom_tick_duration_seconds", "Tick work per timer wake-up of a room (steps and the snapshot).", nil},

	snapsSent:    metricDesc{"tickroom_snapshots_sent_total", "Snapshots written to players' connections.", nil},
	snapsOffered: metricDesc{"tickroom_snapshots_offered_total", "Snapshots handed to players' connections (sent, skipped or in flight).", nil},
	snapsSkipped: metricDesc{"tickroom_snapshots_skipped_total", "Snapshots not written: replaced by a newer one while the connection was busy (latest-wins), or dropped as a delta over a baseline the client no longer holds.", []string{"reason"}},
	snapsFull:    metricDesc{"tickroom_snapshots_full_total", "Full-state snapshots offered (joins, rejoins, resyncs, lost baselines).", nil},
	snapBytes:    metricDesc{"tickroom_snapshot_bytes_total", "Bytes of the snapshots offered.", nil},
	encodes:      metricDesc{"tickroom_snapshot_encodes_total", "Delta encodings: one per group of players sharing baseline and view.", nil},
	baselineBugs: metricDesc{"tickroom_snapshot_baseline_violations_total", "Deltas written over a baseline the client did not hold (a transport bug; should stay 0).", nil},

	inputs: metricDesc{"tickroom_inputs_total", "Player inputs by outcome: applied, late (seq below the last applied), duplicate, dropped (queue full), malformed, rate_limited.", []string{"outcome"}},
	floods: metricDesc{"tickroom_input_flood_disconnects_total", "Players disconnected for flooding inputs.", nil},

	requests:        metricDesc{"tickroom_requests_total", "Requests answered, by event and result code (OK or the error code).", []string{"event", "code"}},
	requestsDropped: metricDesc{"tickroom_requests_dropped_total", "Requests dropped for want of an ack callback, by event.", []string{"event"}},
	requestDuration: metricDesc{"tickroom_request_duration_seconds", "Time from a request to its answer, by event.", []string{"event"}},
	lobbyRefusals:   metricDesc{"tickroom_lobby_refusals_total", "Requests refused by a lobby limit, by reason.", []string{"reason"}},
	panics:          metricDesc{"tickroom_panics_recovered_total", "Panics recovered, by where: room (closed that room), lobby (a request handler or timer), socketio and engineio (closed that connection).", []string{"where"}},
}

// collector reads the server's counters at scrape time.
type collector struct {
	s *Server
	d map[string]*prometheus.Desc // by metric name, static
}

func newCollector(s *Server) *collector {
	c := &collector{s: s, d: map[string]*prometheus.Desc{}}
	for _, md := range allMetricDescs() {
		c.d[md.name] = prometheus.NewDesc(md.name, md.help, md.labels, nil)
	}
	return c
}

// allMetricDescs lists metricDescs' fields.
func allMetricDescs() []metricDesc {
	m := &metricDescs
	return []metricDesc{
		m.rooms, m.roomsStalled, m.players, m.conns, m.draining, m.ready,
		m.refused, m.disconnects, m.bytesSent, m.bytesRecv,
		m.ticks, m.overruns, m.catchUp, m.tickDuration,
		m.snapsSent, m.snapsOffered, m.snapsSkipped, m.snapsFull, m.snapBytes, m.encodes, m.baselineBugs,
		m.inputs, m.floods,
		m.requests, m.requestsDropped, m.requestDuration, m.lobbyRefusals, m.panics,
	}
}

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.d {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	m := &metricDescs
	s := c.s
	gauge := func(md metricDesc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(c.d[md.name], prometheus.GaugeValue, v, labels...)
	}
	count := func(md metricDesc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(c.d[md.name], prometheus.CounterValue, float64(v), labels...)
	}
	hist := func(md metricDesc, h metric.Snapshot, labels ...string) {
		ch <- prometheus.MustNewConstHistogram(c.d[md.name], h.Count(), h.Sum, cumulative(h), labels...)
	}
	flag := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}

	// Rooms and players now.
	host := s.host
	byModePhase := map[[2]string]int{}
	for _, mode := range s.cfg.Modes {
		for _, ph := range []string{"waiting", "playing", "ended"} {
			byModePhase[[2]string{mode.Name(), ph}] = 0 // every series exists, at 0 when empty
		}
	}
	for _, st := range host.RoomStatuses() {
		byModePhase[[2]string{st.Info.Mode, st.Info.Phase}]++
	}
	for k, n := range byModePhase {
		gauge(m.rooms, float64(n), k[0], k[1])
	}
	gauge(m.roomsStalled, float64(s.ops.mon.stalledRooms()))
	hs := host.Stats()
	gauge(m.players, float64(hs.Connected), "connected")
	gauge(m.players, float64(hs.Seats-hs.Connected), "grace")
	gauge(m.draining, flag(s.Draining()))
	ready, _ := s.ready()
	gauge(m.ready, flag(ready))

	// Connections.
	sst := s.sio.Stats()
	eng := sst.Engine
	gauge(m.conns, float64(eng.Open.Polling), "polling")
	gauge(m.conns, float64(eng.Open.WebSocket), "websocket")
	count(m.refused, eng.RefusedPerIP, "per_ip")
	count(m.refused, eng.RefusedNodeCap, "node_cap")
	count(m.refused, eng.RefusedOrigin, "origin")
	count(m.refused, sst.BadAuth, "bad_auth")
	count(m.refused, sst.ConnectTimeouts, "connect_timeout")
	for reason, n := range eng.Closes {
		count(m.disconnects, n, strings.ReplaceAll(reason, " ", "_"))
	}
	count(m.bytesSent, eng.BytesSent.Polling, "polling")
	count(m.bytesSent, eng.BytesSent.WebSocket, "websocket")
	count(m.bytesRecv, eng.BytesReceived.Polling, "polling")
	count(m.bytesRecv, eng.BytesReceived.WebSocket, "websocket")

	// Ticks, snapshots and inputs, over every room run.
	t := hs.Totals
	count(m.ticks, t.Ticks)
	count(m.overruns, t.Overruns)
	count(m.catchUp, t.CatchUpSteps)
	hist(m.tickDuration, host.TickTimes())
	count(m.snapsSent, t.SnapshotsWritten)
	count(m.snapsOffered, t.SnapshotsOffered)
	count(m.snapsSkipped, eng.LatestReplaced, "replaced")
	count(m.snapsSkipped, eng.LatestStale, "stale_baseline")
	count(m.snapsFull, t.FullSnapshots)
	count(m.snapBytes, t.SnapshotBytes)
	count(m.encodes, t.SectionEncodes)
	count(m.baselineBugs, t.BaselineViolations)
	count(m.inputs, t.InputsApplied, "applied")
	count(m.inputs, t.InputsStale, "late")
	count(m.inputs, t.InputsDuplicate, "duplicate")
	count(m.inputs, t.InputsQueueFull, "dropped")
	count(m.inputs, t.InputsMalformed, "malformed")
	count(m.inputs, t.InputsRateLimited, "rate_limited")
	count(m.floods, t.Floods)

	// Requests.
	for _, r := range host.Requests() {
		for code, n := range r.Results { // the codes seen so far
			count(m.requests, n, r.Event, code)
		}
		count(m.requestsDropped, r.Dropped, r.Event)
		hist(m.requestDuration, r.Latency, r.Event)
	}
	for reason, n := range host.Refused() {
		count(m.lobbyRefusals, n, reason.String())
	}
	count(m.panics, t.Panics, "room")
	count(m.panics, host.Panics(), "lobby")
	count(m.panics, sst.Panics, "socketio")
	count(m.panics, eng.Panics, "engineio")
}

// cumulative turns a snapshot's per-bucket counts into Prometheus'
// cumulative buckets by upper bound (the +Inf bucket is the count).
func cumulative(h metric.Snapshot) map[float64]uint64 {
	out := make(map[float64]uint64, len(h.Bounds))
	var n uint64
	for i, b := range h.Bounds {
		if i < len(h.Counts) {
			n += h.Counts[i]
		}
		out[b] = n
	}
	return out
}
