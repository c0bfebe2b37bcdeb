package game

import (
	"go/build"
	"strings"
	"testing"
)

// TestImports keeps game/ pure: the standard library, msgpack and the
// module's msgpack wire reader (internal/mpwire) only, and never the network
// or runtime layers above it.
func TestImports(t *testing.T) {
	for _, dir := range []string{".", "arena", "gametest", "tag"} {
		pkg, err := build.ImportDir(dir, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range pkg.Imports {
			first, _, _ := strings.Cut(imp, "/")
			switch {
			case !strings.Contains(first, "."):
			case strings.HasPrefix(imp, "github.com/vmihailenco/msgpack/v5"):
			case imp == "github.com/tickroom/tickroom/game":
			case imp == "github.com/tickroom/tickroom/internal/mpwire":
			default:
				t.Errorf("%s imports %s", pkg.ImportPath, imp)
			}
			if imp == "time" || imp == "net" || strings.HasPrefix(imp, "net/") || imp == "sync" {
				t.Errorf("%s imports %s: game code has no clock, network or locks", pkg.ImportPath, imp)
			}
		}
	}
}
