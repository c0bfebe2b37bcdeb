package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/tickroom/tickroom/internal/testproc"
)

// The gameserver and gamebot binaries, built once for the package's tests (with -race when
// this test has it).
var (
	serverBin  = &testproc.Once{Pkg: "./cmd/gameserver", Race: testproc.RaceEnabled}
	gamebotBin = &testproc.Once{Pkg: "./cmd/gamebot", Race: testproc.RaceEnabled}
)

func TestMain(m *testing.M) {
	code := m.Run()
	serverBin.Close()
	gamebotBin.Close()
	os.Exit(code)
}

// startServer starts a fresh gameserver with a hash on every snapshot and returns its URL.
func startServer(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs a real server for seconds")
	}
	opts := testproc.Options{StopTimeout: 15 * time.Second}
	srv := testproc.StartWith(t, opts, serverBin.Binary(t), "-addr", "127.0.0.1:0", "-hash-every", "1", "-log-level", "warn")
	return strings.TrimSuffix(srv.URL, "/")
}

func near(t *testing.T, name string, got, want, tol float64) {
	t.Helper()
	if got < want*(1-tol) || got > want*(1+tol) {
		t.Errorf("%s = %.2f, want %.2f ± %.0f%%", name, got, want, tol*100)
	}
}

func checkSummary(t *testing.T, name string, s summary) {
	t.Helper()
	if s.Count == 0 || !(s.P50 > 0 && s.P50 <= s.P90 && s.P90 <= s.P99 && s.P99 <= s.Max) {
		t.Errorf("%s: not positive and ordered: %+v", name, s)
	}
}

// TestShortRun runs 20 bots for 5 s in process, once per room policy, and
// checks the report against what the server is configured to do.
func TestShortRun(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rooms RoomPolicy
		size  int
		rate  int
	}{
		{"quickjoin", RoomsQuickjoin, 10, 20},
		{"private", RoomsPrivate, 5, 15},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := startServer(t)
			cfg := DefaultConfig()
			cfg.URL, cfg.Bots, cfg.Duration = url, 20, 5*time.Second
			cfg.Rooms, cfg.RoomSize, cfg.InputRate = tc.rooms, tc.size, tc.rate
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			r, err := newRunner(cfg)
			if err != nil {
				t.Fatal(err)
			}
			var status bytes.Buffer
			start := time.Now()
			rep := r.run(context.Background(), &status)
			if d := time.Since(start); d > cfg.Duration+3*time.Second {
				t.Errorf("the run took %v for a duration of %v", d, cfg.Duration)
			}
			if rep.Started != 20 || rep.Joined != 20 || rep.Connected != 20 {
				t.Errorf("started %d, connected %d, joined %d; want 20", rep.Started, rep.Connected, rep.Joined)
			}
			checkSummary(t, "input to ack", rep.LatencyMs)
			checkSummary(t, "inter-arrival", rep.ArrivalMs)
			checkSummary(t, "connect", rep.ConnectMs)
			checkSummary(t, "join", rep.JoinMs)
			// 15 %: the machine is shared, and a late ticker drops ticks.
			near(t, "snapshot rate", rep.SnapRate, 20, 0.15)
			near(t, "input rate", rep.InputRate, float64(tc.rate), 0.15)
			near(t, "inter-arrival mean", rep.ArrivalMs.Mean, 50, 0.15)
			if rep.Desyncs != 0 || rep.Hashed < rep.Snapshots*9/10 {
				t.Errorf("%d desyncs, %d of %d snapshots hashed", rep.Desyncs, rep.Hashed, rep.Snapshots)
			}
			if rep.ErrorsTotal != 0 || len(rep.Broken) != 0 {
				t.Errorf("errors %v, disconnects %v, broken %v", rep.Errors, rep.Disconnects, rep.Broken)
			}
			if rep.DownBytes <= rep.SnapBytes || rep.UpPerBot <= 0 || rep.DownPerBot <= 0 {
				t.Errorf("bytes: snapshot args %d, down %d, up/s %.0f", rep.SnapBytes, rep.DownBytes, rep.UpPerBot)
			}
			// The server's own counters over the run, read from its /stats.
			if sv := rep.Server; sv == nil {
				t.Error("no server counters in the report")
			} else {
				// 2 or 4 rooms, 20 ticks a second, for most of the 5 s.
				if sv.Ticks < 2*20*3 || sv.SnapshotsWritten < rep.Snapshots || sv.InputsApplied < rep.Inputs*9/10 || sv.InputsApplied > rep.Inputs {
					t.Errorf("server counters %+v against %d snapshots received and %d inputs sent", *sv, rep.Snapshots, rep.Inputs)
				}
			}
			if lines := strings.Count(status.String(), "\n"); lines < 3 || !strings.Contains(status.String(), "in rooms 20") {
				t.Errorf("status lines:\n%s", status.String())
			}
			var table bytes.Buffer
			if err := rep.writeTable(&table); err != nil || !strings.Contains(table.String(), "all met") {
				t.Errorf("table (%v):\n%s", err, table.String())
			}
			t.Logf("input to ack %+v, %.0f B/s down per bot", rep.LatencyMs, rep.DownPerBot)
		})
	}
}

// TestBinaryThresholds runs the gamebot binary: a p99 limit of 1 ns must
// make it exit 1 with the broken threshold in its JSON report, on time; no
// limits must make it exit 0.
func TestBinaryThresholds(t *testing.T) {
	url := startServer(t)
	bin := gamebotBin.Binary(t)
	for _, tc := range []struct {
		name  string
		extra []string
		code  int
	}{
		{"broken", []string{"--max-p99", "1ns"}, 1},
		{"met", []string{"--max-p99", "10s", "--max-errors", "0"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"--url", url, "--bots", "10", "--duration", "3s", "--json",
				"--behaviour", "wander"}, tc.extra...)
			cmd := exec.Command(bin, args...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			start := time.Now()
			err := cmd.Run()
			elapsed := time.Since(start)
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.code {
				t.Errorf("exit code %d, want %d\nstderr:\n%s", code, tc.code, stderr.String())
			}
			if elapsed > 6*time.Second {
				t.Errorf("a 3 s run took %v", elapsed)
			}
			var rep Report
			if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
				t.Fatalf("report: %v\n%s", err, stdout.String())
			}
			if (len(rep.Broken) > 0) != (tc.code != 0) || rep.Joined != 10 {
				t.Errorf("broken %q, joined %d", rep.Broken, rep.Joined)
			}
			if !strings.Contains(stderr.String(), "connected 10/10") {
				t.Errorf("no status line on stderr:\n%s", stderr.String())
			}
		})
	}
}

// TestBinaryUsage checks that bad flags exit 2 at once.
func TestBinaryUsage(t *testing.T) {
	for _, args := range [][]string{
		{"--bots", "0"},
		{"--behaviour", "dance"},
		{"--transport", "carrier-pigeon"},
		{"--rooms", "quickjoin", "--room-size", "5"},
		{"--url", "localhost"},
		{"--urls", "http://a:1,localhost"},
		{"--urls", "http://a:1,,http://b:1"},
		{"--url", "http://a:1", "--urls", "http://b:1"},
		{"extra"},
	} {
		var stderr bytes.Buffer
		if code := runMain(context.Background(), args, &bytes.Buffer{}, &stderr); code != exitUsage {
			t.Errorf("%q: exit %d, want %d (%s)", args, code, exitUsage, stderr.String())
		}
	}
}

// TestNoServerBreaks runs bots against a closed port: the run must end on
// time and break ("no bot joined"), with the connect errors in the table,
// for private rooms too (whose joiners wait for their host).
func TestNoServerBreaks(t *testing.T) {
	for _, rooms := range []string{"quickjoin", "private"} {
		var stdout bytes.Buffer
		args := []string{"--url", "http://127.0.0.1:1", "--bots", "4", "--duration", "1s", "--status-every", "0",
			"--rooms", rooms}
		start := time.Now()
		if code := runMain(context.Background(), args, &stdout, &bytes.Buffer{}); code != exitBroken {
			t.Errorf("%s: exit %d with no server, want %d", rooms, code, exitBroken)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("%s: a 1 s run took %v", rooms, d)
		}
		if !strings.Contains(stdout.String(), "no bot joined") || !strings.Contains(stdout.String(), "connect: ") {
			t.Errorf("%s: table:\n%s", rooms, stdout.String())
		}
	}
}

func TestDefaultConfigValid(t *testing.T) {
	c := DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	c.RoomSize = 0
	if err := c.Validate(); !errors.Is(err, ErrConfig) {
		t.Errorf("room size 0: %v, want ErrConfig", err)
	}
}

// TestGCPercentFlag: --gogc sets the bots' GC target; without it the default applies unless
// GOGC is in the environment, which then stands.
func TestGCPercentFlag(t *testing.T) {
	for _, c := range []struct {
		env  string
		args []string
		want int
	}{
		{"", nil, DefaultGCPercent},
		{"", []string{"--gogc", "150"}, 150},
		{"200", nil, 0},
		{"200", []string{"--gogc", "150"}, 150},
	} {
		t.Setenv("GOGC", c.env)
		cfg, err := parseConfig(c.args, io.Discard)
		if err != nil || cfg.GCPercent != c.want {
			t.Errorf("GOGC=%q %q: %d, %v; want %d", c.env, c.args, cfg.GCPercent, err, c.want)
		}
	}
	if _, err := parseConfig([]string{"--gogc", "-1"}, io.Discard); !errors.Is(err, ErrConfig) {
		t.Errorf("--gogc -1: %v, want ErrConfig", err)
	}
}

// TestCheckOverruns: --max-overruns breaks on more server overruns than allowed, and on a
// server whose /stats could not be read.
func TestCheckOverruns(t *testing.T) {
	c := DefaultConfig()
	rep := &Report{Joined: 1}
	if b := c.check(rep); len(b) != 0 {
		t.Fatalf("no limit: broken %q", b)
	}
	c.MaxOverruns = 2
	if b := c.check(rep); len(b) != 1 || !strings.Contains(b[0], "/stats") {
		t.Fatalf("no /stats: broken %q", b)
	}
	rep.Server = &ServerCounts{Overruns: 2}
	if b := c.check(rep); len(b) != 0 {
		t.Fatalf("2 overruns of 2: broken %q", b)
	}
	rep.Server.Overruns = 3
	if b := c.check(rep); len(b) != 1 || !strings.Contains(b[0], "overruns 3") {
		t.Fatalf("3 overruns of 2: broken %q", b)
	}
}
