package server_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestModesDocExample: docs/modes.md's "Hosting your own mode" shows example_test.go as it
// is, so the code a reader copies is the code this package's tests run.
func TestModesDocExample(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "modes.md"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "\n## Hosting your own mode\n")
	if !ok {
		t.Fatal(`docs/modes.md has no "## Hosting your own mode"`)
	}
	section, _, _ = strings.Cut(section, "\n## ") // up to the next section, if any
	const open, end = "```go\npackage server_test\n", "\n```\n"
	_, block, ok1 := strings.Cut(section, open)
	block, _, ok2 := strings.Cut(block, end)
	if !ok1 || !ok2 {
		t.Fatalf("the section has no code block starting %q", open)
	}
	if got := "package server_test\n" + block + "\n"; got != string(want) {
		t.Errorf("docs/modes.md's copy of example_test.go differs from the file: paste the file between\n%s\nand\n%s", open, end)
	}
}
