package tag_test

import (
	"os"
	"strings"
	"testing"
)

// TestTestingModesDoc keeps docs/testing-modes.md showing the code that
// runs: its Go blocks, in order and one blank line apart, are kits_test.go.
func TestTestingModesDoc(t *testing.T) {
	doc, err := os.ReadFile("../../docs/testing-modes.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("kits_test.go")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	rest := string(doc)
	for {
		_, after, ok := strings.Cut(rest, "```go\n")
		if !ok {
			break
		}
		block, after, ok := strings.Cut(after, "```\n")
		if !ok {
			t.Fatal("docs/testing-modes.md: a Go block is not closed")
		}
		blocks = append(blocks, block)
		rest = after
	}
	if got := strings.Join(blocks, "\n"); got != string(src) {
		gl, sl := strings.Split(got, "\n"), strings.Split(string(src), "\n")
		for i := range min(len(gl), len(sl)) {
			if gl[i] != sl[i] {
				t.Fatalf("docs/testing-modes.md and game/tag/kits_test.go differ at line %d of the file:\ndoc:  %q\nfile: %q", i+1, gl[i], sl[i])
			}
		}
		t.Fatalf("docs/testing-modes.md has %d lines of Go, game/tag/kits_test.go %d", len(gl), len(sl))
	}
}
