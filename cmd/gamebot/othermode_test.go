package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tickroom/tickroom/game"
)

// runGamebot runs gamebot's main with args and returns its exit code and stdout; a run's
// stderr goes to the test log when it fails.
func runGamebot(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := runMain(context.Background(), append([]string{"--status-every", "0"}, args...), &stdout, &stderr)
	t.Cleanup(func() {
		if t.Failed() && stderr.Len() > 0 {
			t.Logf("stderr:\n%s", stderr.String())
		}
	})
	return code, stdout.String()
}

func decodeReport(t *testing.T, out string) *Report {
	t.Helper()
	var rep Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	return &rep
}

// checkClean fails the test unless rep is a clean run of joined bots: every snapshot applied
// and hashed ones matched, inputs made and acknowledged, no error, no input the mode refused.
func checkClean(t *testing.T, rep *Report, joined uint64) {
	t.Helper()
	if rep.Joined != joined || rep.Connected != uint64(rep.Config.Bots) {
		t.Errorf("connected %d, joined %d; want %d bots joined %d times", rep.Connected, rep.Joined, rep.Config.Bots, joined)
	}
	if rep.Desyncs != 0 || rep.BadSnapshots != 0 || rep.Snapshots == 0 || rep.Hashed < rep.Snapshots*9/10 {
		t.Errorf("%d desyncs, %d bad snapshots, %d of %d snapshots hashed", rep.Desyncs, rep.BadSnapshots, rep.Hashed, rep.Snapshots)
	}
	if rep.ErrorsTotal != 0 || len(rep.Broken) != 0 {
		t.Errorf("errors %+v, disconnects %+v, broken %q", rep.Errors, rep.Disconnects, rep.Broken)
	}
	if rep.Inputs == 0 || rep.LatencyMs.Count == 0 {
		t.Errorf("%d inputs, %d acknowledged", rep.Inputs, rep.LatencyMs.Count)
	}
	if sv := rep.Server; sv == nil || sv.InputsMalformed != 0 || sv.InputsApplied < rep.Inputs*9/10 {
		t.Errorf("server counters %+v for %d inputs sent", sv, rep.Inputs)
	}
}

// TestOtherModeQuickjoin: bots play a mode gamebot knows nothing of, from its Joined schema
// and declared inputs (wander: no strategy is registered for it), in quickjoin rooms that
// start when their second player is seated; a clean run exits 0.
func TestOtherModeQuickjoin(t *testing.T) {
	d := newDuel()
	url := startTickroom(t, d)
	code, out := runGamebot(t, "--url", url, "--mode", duelName, "--bots", "6", "--duration", "3s", "--json")
	if code != exitOK {
		t.Errorf("exit %d, want %d\n%s", code, exitOK, out)
	}
	rep := decodeReport(t, out)
	checkClean(t, rep, 6)
	if rep.Config.Strategy != string(BehaviourWander) {
		t.Errorf("strategy %q, want wander", rep.Config.Strategy)
	}
	if n := d.started.Load(); n != 3 {
		t.Errorf("%d matches started, want 3 (rooms of 2)", n)
	}
	near(t, "snapshot rate", rep.SnapRate, 20, 0.15)
}

// duelChase is a strategy a Go developer would register for the duel: it finds its own ship
// by pid, reads the other's heading and shield (a bool) and the leader (a string global), and
// turns toward the other's heading at full thrust, shielded when the other is not.
type duelChase struct {
	ship, pid, heading, shield int
	turn, thrust, shieldIn     int
	calls, sawSelf, sawLeader  *atomic.Int64
}

func (c *duelChase) next(v *botView, in *input) {
	c.calls.Add(1)
	m := v.mirror
	var self, other game.EntityID
	for e := range m.All() {
		switch {
		case e.Kind() != c.ship:
		case e.Int(c.pid) == v.player:
			self = e.ID()
		default:
			other = e.ID()
		}
	}
	if self == 0 {
		return
	}
	c.sawSelf.Add(1)
	if m.GlobalString(globalLeader) != "" {
		c.sawLeader.Add(1)
	}
	in.set(c.thrust, 3)
	if other != 0 {
		in.set(c.turn, math.Max(-1, math.Min(1, m.Float(other, c.heading)-m.Float(self, c.heading))))
		in.setBool(c.shieldIn, !m.Bool(other, c.shield))
	}
}

// TestOtherModePrivate: private rooms of a two-player mode start once both bots are seated,
// and play with a strategy registered for the mode.
func TestOtherModePrivate(t *testing.T) {
	d := newDuel()
	url := startTickroom(t, d)
	var calls, sawSelf, sawLeader atomic.Int64
	cfg := DefaultConfig()
	cfg.URL, cfg.Mode, cfg.Bots, cfg.Duration, cfg.StatusEvery = url, duelName, 4, 3*time.Second, 0
	cfg.Rooms, cfg.RoomSize = RoomsPrivate, 2
	cfg.Strategies = map[string]newStrategy{duelName: func(s *game.Schema) (strategy, error) {
		c := &duelChase{calls: &calls, sawSelf: &sawSelf, sawLeader: &sawLeader}
		var errs [7]error
		c.ship, errs[0] = kindIndex(s, "ship")
		c.pid, errs[1] = fieldIndex(s, c.ship, "pid", game.KindInt)
		c.heading, errs[2] = fieldIndex(s, c.ship, "heading", game.KindFloat)
		c.shield, errs[3] = fieldIndex(s, c.ship, "shield", game.KindBool)
		c.turn, errs[4] = inputIndex(s, "turn", game.KindFloat)
		c.thrust, errs[5] = inputIndex(s, "thrust", game.KindInt)
		c.shieldIn, errs[6] = inputIndex(s, "shield", game.KindBool)
		return c, errors.Join(errs[:]...)
	}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	r, err := newRunner(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rep := r.run(context.Background(), nil)
	checkClean(t, rep, 4)
	if rep.Config.Strategy != duelName {
		t.Errorf("strategy %q, want the duel's", rep.Config.Strategy)
	}
	if n := d.started.Load(); n != 2 {
		t.Errorf("%d matches started, want 2", n)
	}
	if d.inputs.Load() == 0 || calls.Load() == 0 || sawSelf.Load() < calls.Load()/2 || sawLeader.Load() == 0 {
		t.Errorf("inputs applied in play %d; the strategy ran %d times, saw its ship %d times and a leader %d times",
			d.inputs.Load(), calls.Load(), sawSelf.Load(), sawLeader.Load())
	}
}

// TestPrivateGroupTooSmall: a private room with fewer bots than its mode's minimum does not
// start, and the server's answer is in the report with its code and message; the run fails.
func TestPrivateGroupTooSmall(t *testing.T) {
	d := newDuel()
	url := startTickroom(t, d)
	// Groups of 3: bots 0-2, then bot 3 alone.
	code, out := runGamebot(t, "--url", url, "--mode", duelName, "--bots", "4", "--rooms", "private", "--room-size", "3",
		"--duration", "2s")
	if code != exitBroken {
		t.Errorf("exit %d, want %d", code, exitBroken)
	}
	if !strings.Contains(out, "start: BAD_REQUEST: fewer players than the mode's minimum") || !strings.Contains(out, "BROKEN") {
		t.Errorf("table:\n%s", out)
	}
	if n := d.started.Load(); n != 1 {
		t.Errorf("%d matches started, want 1", n)
	}
}

// TestBrokenServers: against a server that lies about its schema, has none, does not know
// the mode, or stops sending snapshots, gamebot exits 1 and says why.
func TestBrokenServers(t *testing.T) {
	hang := newDuel()
	hang.hangAfter = 10
	for _, tc := range []struct {
		name string
		url  func(t *testing.T) string
		args []string
		want []string
		not  []string
	}{
		{
			name: "schema with a global too many",
			url: func(t *testing.T) string {
				return lyingProxy(t, startTickroom(t, newDuel()), func(j map[string]any) {
					s := j["schema"].(map[string]any)
					s["globals"] = append(s["globals"].([]any), map[string]any{"name": "lie", "type": "int"})
				})
			},
			want: []string{"snapshot: APPLY: ", "full state without every global", "bad snapshots"},
		},
		{
			name: "no schema",
			url: func(t *testing.T) string {
				return lyingProxy(t, startTickroom(t, newDuel()), func(j map[string]any) { delete(j, "schema") })
			},
			want: []string{"quickjoin: BAD_SCHEMA: the Joined carries no schema", "no bot joined"},
			not:  []string{"snapshot:"}, // the snapshots of a seat the bot refused are none of its business
		},
		{
			name: "seat on a node that cannot be reached",
			url: func(t *testing.T) string {
				return lyingProxy(t, startTickroom(t, newDuel()), func(j map[string]any) { j["url"] = "http://127.0.0.1:1" })
			},
			// One error per bot: the disconnect and the snapshots of the connection it left are
			// none of its business.
			want: []string{"2 x move: NETWORK: to http://127.0.0.1:1: ", "no bot joined", "errors 2 > --max-errors 0"},
			not:  []string{"snapshot:"},
		},
		{
			name: "unknown mode",
			url:  func(t *testing.T) string { return startTickroom(t, newDuel()) },
			args: []string{"--mode", "nosuchmode"},
			want: []string{"quickjoin: UNKNOWN_MODE: ", "no bot joined"},
		},
		{
			name: "room hangs",
			url: func(t *testing.T) string {
				u := startTickroom(t, hang)
				t.Cleanup(func() { close(hang.release) }) // before the server's shutdown
				return u
			},
			args: []string{"--max-snapshot-gap", "1s"},
			want: []string{"longest snapshot gap"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"--url", tc.url(t), "--mode", duelName, "--bots", "2", "--duration", "2500ms"}, tc.args...)
			code, out := runGamebot(t, args...)
			if code != exitBroken {
				t.Errorf("exit %d, want %d", code, exitBroken)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("no %q in the table:\n%s", w, out)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(out, w) {
					t.Errorf("%q in the table:\n%s", w, out)
				}
			}
		})
	}
}

// TestMatchesEnd: matches of a second end, and quickjoin bots leave at the results, take
// seats again and play on; the end of a match is no error.
func TestMatchesEnd(t *testing.T) {
	d := newDuel()
	d.matchTicks = 20
	url := startTickroom(t, d)
	code, out := runGamebot(t, "--url", url, "--mode", duelName, "--bots", "4", "--duration", "3500ms", "--json")
	if code != exitOK {
		t.Errorf("exit %d, want %d\n%s", code, exitOK, out)
	}
	rep := decodeReport(t, out)
	if rep.MatchesEnded < 4 || rep.Joined < 8 {
		t.Errorf("%d matches ended, %d joins", rep.MatchesEnded, rep.Joined)
	}
	checkClean(t, rep, rep.Joined)
}
