package testproc

import (
	"errors"
	"go/build"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestOnlyTestsImport keeps the module's test helpers out of what ships: no package's non-test
// files import internal/testproc or internal/testhost, except the test server commands under
// tests/ and the helpers themselves.
func TestOnlyTestsImport(t *testing.T) {
	const module = "github.com/tickroom/tickroom/"
	helpers := []string{module + "internal/testproc", module + "internal/testhost"}
	root := RepoRoot(t)
	allowed := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if name := d.Name(); path != root && (name == "node_modules" || name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
			return filepath.SkipDir
		}
		pkg, err := build.ImportDir(path, 0)
		var noGo *build.NoGoError
		if errors.As(err, &noGo) {
			return nil
		} else if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		for _, imp := range pkg.Imports {
			for _, h := range helpers {
				if imp != h {
					continue
				}
				if strings.HasPrefix(rel, "tests/") || strings.HasPrefix(rel, "internal/test") {
					allowed++
				} else {
					t.Errorf("%s (not a test) imports %s", rel, imp)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The test server commands import testproc: a walk that saw none of them saw nothing.
	if allowed == 0 {
		t.Fatal("no importer found at all: the walk does not read the packages")
	}
}
