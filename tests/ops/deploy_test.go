package ops

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tickroom/tickroom/internal/testproc"
	"github.com/tickroom/tickroom/internal/testscrape"
	"sigs.k8s.io/yaml"
)

// The deployment files a user copies (docs/deploy) must parse, and every metric and label they
// name must be one a live server exports; every flag and TICKROOM_ variable they set must be
// one the gameserver has; the probes, drain and grace period must fit together.

// metricName finds the server's metric names in a PromQL expression.
var metricName = regexp.MustCompile(`\b(?:tickroom|go|process)_[a-zA-Z0-9_]*[a-zA-Z0-9]`)

// selector finds metric{matchers} in PromQL; matcher the label names in the matchers; by the
// label lists of by and without clauses.
var (
	selector = regexp.MustCompile(`\b((?:tickroom|go|process)_[a-zA-Z0-9_]+)\{([^}]*)\}`)
	matcher  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)\s*"`)
	byClause = regexp.MustCompile(`\b(?:by|without)\s*\(([^)]*)\)`)
)

// TestDeployFiles: docs/deploy/*.yaml and *.json parse (YAML with duplicate keys refused),
// the alert rules and the dashboard query only what a live gameserver exports, and the
// Kubernetes and Agones manifests set real flags and fit their timeouts together.
func TestDeployFiles(t *testing.T) {
	dir := filepath.Join(testproc.RepoRoot(t), "docs", "deploy")
	srv, admin := startServer(t)
	stallPolling(t, srv.URL, "no-such-room") // a request, so the request families have samples
	live := testscrape.Get(t, admin+"/metrics", "")
	flags := gameserverFlags(t)

	exprs := map[string][]string{} // by file
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil || len(files) < 4 {
		t.Fatalf("docs/deploy: %v %v", files, err)
	}
	var kinds []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(f)
		switch filepath.Ext(f) {
		case ".json":
			var v any
			if err := json.Unmarshal(data, &v); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			exprs[name] = collect(v, "expr")
		case ".yaml":
			for i, doc := range yamlDocs(data) {
				var obj map[string]any
				if err := yaml.UnmarshalStrict(doc, &obj); err != nil {
					t.Fatalf("%s, document %d: %v", name, i+1, err)
				}
				if k, _ := obj["kind"].(string); k != "" {
					kinds = append(kinds, k)
					checkManifest(t, name, k, doc, flags)
				}
				if _, ok := obj["groups"]; ok {
					checkRules(t, name, doc)
				}
				exprs[name] = append(exprs[name], collect(obj, "expr")...)
			}
			checkFlags(t, name, string(data), flags)
		default:
			t.Errorf("%s: neither YAML nor JSON", name)
		}
	}
	for _, k := range []string{"Deployment", "Service", "Fleet"} {
		if !slices.Contains(kinds, k) {
			t.Errorf("no %s among the manifests (%v)", k, kinds)
		}
	}
	checked := 0
	for file, list := range exprs {
		for _, e := range list {
			checkExpr(t, file, e, live)
			checked++
		}
	}
	if checked < 20 || len(exprs["grafana-dashboard.json"]) < 15 || len(exprs["prometheus-alerts.yaml"]) < 5 {
		t.Fatalf("too few expressions found: %d (%d in the dashboard, %d in the rules)", checked,
			len(exprs["grafana-dashboard.json"]), len(exprs["prometheus-alerts.yaml"]))
	}
}

// checkExpr checks that every metric an expression names is a live family (a histogram's
// _bucket, _sum and _count are its family's), and that its label names are the family's.
func checkExpr(t *testing.T, file, expr string, live testscrape.Families) {
	t.Helper()
	labels := map[string]bool{"le": true, "instance": true, "job": true} // histogram buckets, the target's
	for _, name := range metricName.FindAllString(expr, -1) {
		fam := family(name, live)
		if fam == "" {
			t.Errorf("%s: %q names %s, which the server does not export", file, expr, name)
			continue
		}
		for _, m := range live[fam].GetMetric() {
			for _, lp := range m.GetLabel() {
				labels[lp.GetName()] = true
			}
		}
	}
	var used []string
	for _, sel := range selector.FindAllStringSubmatch(expr, -1) {
		for _, m := range matcher.FindAllStringSubmatch(sel[2], -1) {
			used = append(used, m[1])
		}
	}
	for _, by := range byClause.FindAllStringSubmatch(expr, -1) {
		for _, l := range strings.Split(by[1], ",") {
			if l = strings.TrimSpace(l); l != "" {
				used = append(used, l)
			}
		}
	}
	for _, l := range used {
		if !labels[l] {
			t.Errorf("%s: %q uses label %q, which its metrics do not have", file, expr, l)
		}
	}
}

// family is the live family a name in a query belongs to, or "".
func family(name string, live testscrape.Families) string {
	if live.Has(name) {
		return name
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok && live.Has(base) && live[base].GetType().String() == "HISTOGRAM" {
			return base
		}
	}
	return ""
}

// checkRules checks a Prometheus rules file's shape, strictly: no field Prometheus would not
// know.
func checkRules(t *testing.T, file string, doc []byte) {
	t.Helper()
	var rules struct {
		Groups []struct {
			Name  string `json:"name"`
			Rules []struct {
				Alert       string            `json:"alert"`
				Expr        string            `json:"expr"`
				For         string            `json:"for"`
				Labels      map[string]string `json:"labels"`
				Annotations map[string]string `json:"annotations"`
			} `json:"rules"`
		} `json:"groups"`
	}
	if err := yaml.UnmarshalStrict(doc, &rules); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	seen := map[string]bool{}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" || strings.TrimSpace(r.Expr) == "" || r.Labels["severity"] == "" || r.Annotations["summary"] == "" {
				t.Errorf("%s: rule %+v lacks alert, expr, a severity or a summary", file, r)
			}
			if r.For != "" {
				if _, err := time.ParseDuration(r.For); err != nil {
					t.Errorf("%s: %s: for %q: %v", file, r.Alert, r.For, err)
				}
			}
			seen[r.Alert] = true
		}
	}
	for _, want := range []string{"TickroomTickOverruns", "TickroomTickTimeOverBudget", "TickroomSlowClientDisconnects"} {
		if !seen[want] {
			t.Errorf("%s: no %s alert", file, want)
		}
	}
}

// manifest is what the checks read of a Deployment's or a Fleet's pod template.
type podSpec struct {
	TerminationGracePeriodSeconds float64 `json:"terminationGracePeriodSeconds"`
	Containers                    []struct {
		Args []string `json:"args"`
		Env  []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"env"`
		LivenessProbe  *probeSpec `json:"livenessProbe"`
		ReadinessProbe *probeSpec `json:"readinessProbe"`
		Lifecycle      *struct {
			PreStop *struct {
				Sleep *struct {
					Seconds float64 `json:"seconds"`
				} `json:"sleep"`
			} `json:"preStop"`
		} `json:"lifecycle"`
	} `json:"containers"`
}

type probeSpec struct {
	Exec *struct {
		Command []string `json:"command"`
	} `json:"exec"`
}

// checkManifest checks the Deployment's probes, preStop and grace period, and the Fleet's
// counters, health and grace period.
func checkManifest(t *testing.T, file, kind string, doc []byte, flags map[string]bool) {
	t.Helper()
	switch kind {
	case "Deployment":
		var d struct {
			Spec struct {
				Template struct {
					Spec podSpec `json:"spec"`
				} `json:"template"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal(doc, &d); err != nil {
			t.Fatal(err)
		}
		ps := d.Spec.Template.Spec
		c := ps.Containers[0]
		if !probes(c.LivenessProbe, "/livez") || !probes(c.ReadinessProbe, "/readyz") {
			t.Errorf("%s: the Deployment's probes are not gameserver -probe /livez and /readyz", file)
		}
		preStop := 0.0
		if c.Lifecycle == nil || c.Lifecycle.PreStop == nil || c.Lifecycle.PreStop.Sleep == nil {
			t.Errorf("%s: the Deployment has no preStop sleep", file)
		} else {
			preStop = c.Lifecycle.PreStop.Sleep.Seconds
		}
		env := map[string]string{}
		for _, e := range c.Env {
			env[e.Name] = e.Value
		}
		budget := preStop + seconds(t, env["TICKROOM_DRAIN_TIMEOUT"], 30) + seconds(t, env["TICKROOM_SHUTDOWN_TIMEOUT"], 10)
		if ps.TerminationGracePeriodSeconds <= budget {
			t.Errorf("%s: terminationGracePeriodSeconds %v leaves no slack after preStop + drain + shutdown (%v s)", file, ps.TerminationGracePeriodSeconds, budget)
		}
		if env["TICKROOM_ADMIN_ADDR"] == "" || !strings.Contains(string(doc), "TICKROOM_ADMIN_TOKEN") {
			t.Errorf("%s: the admin listener on the pod's address needs its token", file)
		}
	case "Fleet":
		var f struct {
			Spec struct {
				Template struct {
					Spec struct {
						Health struct {
							PeriodSeconds float64 `json:"periodSeconds"`
						} `json:"health"`
						Counters map[string]struct {
							Capacity float64 `json:"capacity"`
						} `json:"counters"`
						Template struct {
							Spec podSpec `json:"spec"`
						} `json:"template"`
					} `json:"spec"`
				} `json:"template"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal(doc, &f); err != nil {
			t.Fatal(err)
		}
		gs := f.Spec.Template.Spec
		for _, c := range []string{"players", "rooms"} {
			if gs.Counters[c].Capacity <= 0 {
				t.Errorf("%s: the Fleet declares no %s counter", file, c)
			}
		}
		if gs.Health.PeriodSeconds < 4 { // the server pings every 2 s
			t.Errorf("%s: health.periodSeconds %v is too short for a ping every 2 s", file, gs.Health.PeriodSeconds)
		}
		ps := gs.Template.Spec
		c := ps.Containers[0]
		if !slices.Contains(c.Args, "-agones") || c.LivenessProbe != nil {
			t.Errorf("%s: the container must say -agones and leave liveness to Agones' health", file)
		}
		drain := 30.0
		if i := slices.Index(c.Args, "-drain-timeout"); i >= 0 && i+1 < len(c.Args) {
			drain = seconds(t, c.Args[i+1], 30)
		}
		if ps.TerminationGracePeriodSeconds <= drain+10 {
			t.Errorf("%s: terminationGracePeriodSeconds %v leaves no slack after the drain and shutdown", file, ps.TerminationGracePeriodSeconds)
		}
	}
}

func probes(p *probeSpec, path string) bool {
	return p != nil && p.Exec != nil && slices.Contains(p.Exec.Command, "-probe") && slices.Contains(p.Exec.Command, path)
}

func seconds(t *testing.T, v string, def float64) float64 {
	t.Helper()
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		t.Fatalf("duration %q: %v", v, err)
	}
	return d.Seconds()
}

// checkFlags checks that every -flag in a manifest's args and every TICKROOM_ variable is the
// gameserver's.
func checkFlags(t *testing.T, file, text string, flags map[string]bool) {
	t.Helper()
	for _, m := range regexp.MustCompile(`"(-[a-z][a-z0-9-]*)"`).FindAllStringSubmatch(text, -1) {
		if !flags[m[1]] {
			t.Errorf("%s: %s is no gameserver flag", file, m[1])
		}
	}
	for _, m := range regexp.MustCompile(`\bTICKROOM_[A-Z0-9_]+`).FindAllString(text, -1) {
		if !flags[m] {
			t.Errorf("%s: %s is no gameserver variable", file, m)
		}
	}
}

// gameserverFlags reads the flags and their variables from `gameserver -h`.
func gameserverFlags(t *testing.T) map[string]bool {
	t.Helper()
	out, _ := exec.Command(gameserver.Binary(t), "-h").CombinedOutput() // -h exits 2
	flags := map[string]bool{"TICKROOM_ADMIN_TOKEN": true, "TICKROOM_TOKEN_SECRET": true}
	for _, m := range regexp.MustCompile(`(?m)^\s+(-[a-z][a-z0-9-]*)`).FindAllStringSubmatch(string(out), -1) {
		flags[m[1]] = true
	}
	for _, m := range regexp.MustCompile(`\(env (TICKROOM_[A-Z0-9_]+)\)`).FindAllStringSubmatch(string(out), -1) {
		flags[m[1]] = true
	}
	if !flags["-admin-addr"] || !flags["TICKROOM_DRAIN_TIMEOUT"] {
		t.Fatalf("gameserver -h lists no -admin-addr or TICKROOM_DRAIN_TIMEOUT:\n%s", out)
	}
	return flags
}

// yamlDocs splits a YAML stream at its "---" lines.
func yamlDocs(data []byte) [][]byte {
	var docs [][]byte
	for _, d := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
		if strings.TrimSpace(stripComments(d)) != "" {
			docs = append(docs, []byte(d))
		}
	}
	return docs
}

func stripComments(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// collect gathers the string values of every key named key in a decoded JSON or YAML tree.
func collect(v any, key string) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && k == key {
				out = append(out, s)
			} else {
				out = append(out, collect(x, key)...)
			}
		}
	case []any:
		for _, x := range v {
			out = append(out, collect(x, key)...)
		}
	}
	return out
}

// TestMetricsDocumented: docs/operations.md's metrics table has a row for every tickroom_
// metric a live server exports, with its type, and no row for a metric it does not export.
func TestMetricsDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(testproc.RepoRoot(t), "docs", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{} // metric -> its type column
	for _, line := range strings.Split(string(doc), "\n") {
		if rest, ok := strings.CutPrefix(line, "| `tickroom_"); ok {
			name, rest, _ := strings.Cut(rest, "`")
			cols := strings.Split(rest, "|")
			if len(cols) > 1 {
				rows["tickroom_"+name] = strings.TrimSpace(cols[1])
			}
		}
	}
	srv, admin := startServer(t)
	stallPolling(t, srv.URL, "no-such-room") // a request: the request families have samples
	live := testscrape.Get(t, admin+"/metrics", "")
	for name, mf := range live {
		if !strings.HasPrefix(name, "tickroom_") {
			continue
		}
		typ, ok := rows[name]
		switch {
		case !ok:
			t.Errorf("docs/operations.md has no row for %s", name)
		case typ != strings.ToLower(mf.GetType().String()):
			t.Errorf("docs/operations.md says %s is a %s; it is a %s", name, typ, strings.ToLower(mf.GetType().String()))
		}
		delete(rows, name)
	}
	for name := range rows {
		t.Errorf("docs/operations.md has a row for %s, which the server does not export", name)
	}
}
