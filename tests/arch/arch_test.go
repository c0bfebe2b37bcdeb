package arch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/tickroom/tickroom"

// pkg is what `go list -json` says of one package that matters here.
type pkg struct {
	ImportPath string
	Imports    []string // non-test imports
}

// graph returns, for every package of the module, the module packages its non-test code
// imports (paths relative to the module root).
func graph(t *testing.T) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", "./...")
	cmd.Dir = root(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	g := map[string][]string{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		from := rel(p.ImportPath)
		g[from] = []string{}
		for _, imp := range p.Imports {
			if imp == module || strings.HasPrefix(imp, module+"/") {
				g[from] = append(g[from], rel(imp))
			}
		}
		slices.Sort(g[from])
	}
	return g
}

func rel(path string) string {
	if path == module {
		return "."
	}
	return strings.TrimPrefix(path, module+"/")
}

func root(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		if parent := filepath.Dir(dir); parent != dir {
			dir = parent
			continue
		}
		t.Fatal("no go.mod above the test")
	}
}

// under reports whether package p is dir or below it.
func under(p, dir string) bool { return p == dir || strings.HasPrefix(p, dir+"/") }

// TestLayers: arrows only point down (docs/design.md, "Layout").
func TestLayers(t *testing.T) {
	g := graph(t)
	forbid := []struct {
		from, to, why string
	}{
		{"game", "netio", "game knows no network"},
		{"game", "rooms", "game knows no runtime"},
		{"netio", "game", "netio knows no game"},
		{"netio", "rooms", "netio knows no runtime"},
	}
	for from, imps := range g {
		for _, to := range imps {
			for _, f := range forbid {
				if under(from, f.from) && under(to, f.to) {
					t.Errorf("%s imports %s: %s", from, to, f.why)
				}
			}
			if from == "rooms" && under(to, "rooms") {
				t.Errorf("rooms imports %s: the runtime knows nothing of the lobby or the cluster", to)
			}
			if under(to, "cmd") || under(to, "tests") && !under(from, "tests") {
				t.Errorf("%s imports %s: binaries and tests are leaves", from, to)
			}
			if strings.HasPrefix(to, "internal/test") && !under(from, "tests") { // test servers under tests/ are test code
				t.Errorf("%s imports %s in non-test code: test helpers are for tests only", from, to)
			}
		}
	}
}

// TestImportGraph: the graph in docs/design.md is the module's real one. When a change moves
// an import, paste the block this test prints.
func TestImportGraph(t *testing.T) {
	g := graph(t)
	var want strings.Builder
	keys := make([]string, 0, len(g))
	for k := range g {
		if !under(k, "tests") { // the tests' own imports are not architecture
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		imps := g[k]
		if len(imps) == 0 {
			fmt.Fprintf(&want, "%s\n", k)
			continue
		}
		fmt.Fprintf(&want, "%s -> %s\n", k, strings.Join(imps, ", "))
	}
	doc, err := os.ReadFile(filepath.Join(root(t), "docs", "design.md"))
	if err != nil {
		t.Fatal(err)
	}
	const start, end = "<!-- import graph: begin -->\n```text\n", "```\n<!-- import graph: end -->"
	_, rest, ok1 := strings.Cut(string(doc), start)
	got, _, ok2 := strings.Cut(rest, end)
	if !ok1 || !ok2 {
		t.Fatalf("docs/design.md has no import graph between %q and %q", start, end)
	}
	if got != want.String() {
		t.Errorf("docs/design.md's import graph is out of date; it should read:\n%s", want.String())
	}
}
