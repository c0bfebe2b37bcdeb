package clientjs

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// TestVendorUpToDate rebuilds the browser builds into a temporary directory and compares them
// byte for byte with the committed vendor/ (and the embedded copy): a changed dependency
// version or a changed scripts/build-vendor.mjs without `npm run build:vendor` fails here.
func TestVendorUpToDate(t *testing.T) {
	dir := requireNode(t)
	out := filepath.Join(t.TempDir(), "vendor")
	runIn(t, dir, 2*time.Minute, nil, "node", filepath.Join("scripts", "build-vendor.mjs"), "--out", out)
	fresh := readTree(t, os.DirFS(out))
	compareTrees(t, "the committed vendor/", readTree(t, os.DirFS("vendor")), fresh, "a fresh build; run `npm run build:vendor` in client-js")
	compareTrees(t, "the embedded vendor/", readTree(t, subdir("vendor")), fresh, "a fresh build; run `npm run build:vendor` in client-js")
}

// compareTrees fails t when got, named name, is not want, described by wantName.
func compareTrees(t *testing.T, name string, got, want map[string][]byte, wantName string) {
	t.Helper()
	var diff []string
	for p, w := range want {
		if g, ok := got[p]; !ok {
			diff = append(diff, p+" (missing)")
		} else if !bytes.Equal(g, w) {
			diff = append(diff, p+" (differs)")
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			diff = append(diff, p+" (extra)")
		}
	}
	sort.Strings(diff)
	if len(diff) > 0 {
		t.Errorf("%s is not %s:\n  %v", name, wantName, diff)
	}
}

// readTree is every regular file in fsys by path.
func readTree(t *testing.T, fsys fs.FS) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		files[p] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no files")
	}
	return files
}
