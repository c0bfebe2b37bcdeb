package load

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestRunScript runs run.sh with one room of 10 bots for 3 s and checks
// that the file it writes holds the server's numbers and gamebot's report.
func TestRunScript(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a server and gamebot")
	}
	// make test installs what is missing (make tools); a missing tool fails, it does not skip.
	for _, tool := range []string{"bash", "jq", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("run.sh needs %s (make tools installs it): %v", tool, err)
		}
	}
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		t.Fatal("run.sh needs /usr/bin/time (make tools installs it)")
	}
	out := filepath.Join(t.TempDir(), "report.json")
	cmd := exec.Command("bash", "run.sh")
	cmd.Env = append(os.Environ(), "ROOMS=1", "DURATION=3s", "HASH_EVERY=1", "OUT="+out,
		"GAMEBOT_ARGS=--max-errors 0 --status-every 0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("run.sh: %v\n%s", err, b)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Command string `json:"command"`
		Server  struct {
			CPURun    float64 `json:"cpu_seconds_during_run"`
			CPUTotal  float64 `json:"cpu_seconds_total"`
			PeakRSSKB int64   `json:"peak_rss_kb"`
		} `json:"server"`
		Process struct {
			PeakRSSKB int64 `json:"peak_rss_kb"`
		} `json:"gamebot_process"`
		Gamebot struct {
			Joined  int     `json:"bots_joined"`
			Desyncs int     `json:"desyncs"`
			Hashed  int     `json:"hashed_snapshots"`
			Errors  int     `json:"errors_total"`
			Rate    float64 `json:"snapshots_per_s_per_bot"`
			Broken  []string
			Server  *struct {
				Ticks uint64 `json:"ticks"`
			} `json:"server"`
		} `json:"gamebot"`
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	s, g := res.Server, res.Gamebot
	if s.CPURun <= 0 || s.CPUTotal < s.CPURun || s.PeakRSSKB <= 0 || res.Process.PeakRSSKB <= 0 || res.Command == "" {
		t.Errorf("server or process numbers missing: %s", raw)
	}
	if g.Joined != 10 || g.Desyncs != 0 || g.Hashed == 0 || g.Errors != 0 || g.Rate < 18 || g.Rate > 22 {
		t.Errorf("gamebot report: %+v", g)
	}
	if g.Server == nil || g.Server.Ticks < 20 {
		t.Errorf("the server's /stats counters are not in the report: %s", raw)
	}
}
