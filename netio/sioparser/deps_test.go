package sioparser

import (
	"go/build"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestImports keeps netio below the game: no package of netio imports game,
// rooms or any other part of the module but netio itself and its msgpack wire
// reader, internal/mpwire (which game shares).
func TestImports(t *testing.T) {
	const module = "github.com/tickroom/tickroom/"
	checked := 0
	err := filepath.WalkDir("..", func(dir string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if name := d.Name(); name == "testdata" || name == "node_modules" {
			return filepath.SkipDir
		}
		pkg, err := build.ImportDir(dir, 0)
		if err != nil {
			return nil // not a Go package (no Go files)
		}
		checked++
		for _, imp := range pkg.Imports {
			rest, ours := strings.CutPrefix(imp, module)
			if ours && !strings.HasPrefix(rest, "netio/") && rest != "internal/mpwire" {
				t.Errorf("netio/%s imports %s", strings.TrimPrefix(filepath.ToSlash(dir), "../"), imp)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 4 {
		t.Fatalf("checked %d packages of netio, want engineio, socketio, sioparser and client at least", checked)
	}
}
