package mpwire

import (
	"go/build"
	"strings"
	"testing"
)

// TestImports keeps mpwire at the bottom of the module: game and netio both import it, so
// it imports the standard library only.
func TestImports(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		if first, _, _ := strings.Cut(imp, "/"); strings.Contains(first, ".") {
			t.Errorf("mpwire imports %s", imp)
		}
	}
}
