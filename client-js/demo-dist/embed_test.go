package demodist

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// TestSiteUpToDate rebuilds the demo into a temporary directory and compares it byte for byte
// with the committed site/ (and the embedded copy): a change to client-js/demo or client-js/src
// without `npm run build:demo` fails here.
func TestSiteUpToDate(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("node not found in PATH: the demo build check needs Node 20")
	}
	pkgDir, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range []string{"socket.io-client", "socket.io-msgpack-parser"} {
		if _, err := os.Stat(filepath.Join(pkgDir, "node_modules", pkg, "package.json")); err != nil {
			t.Fatalf("%s is not installed in %s: run `npm ci` there (make deps does)", pkg, pkgDir)
		}
	}
	out := filepath.Join(t.TempDir(), "site")
	cmd := exec.Command("node", filepath.Join("scripts", "build-demo.mjs"), "--out", out)
	cmd.Dir = pkgDir
	cmd.WaitDelay = 10 * time.Second
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build-demo.mjs: %v\n%s", err, b)
	}
	fresh := readTree(t, os.DirFS(out))
	for name, committed := range map[string]map[string][]byte{
		"committed site/": readTree(t, os.DirFS("site")),
		"embedded site":   readTree(t, Site()),
	} {
		compareTrees(t, name, committed, fresh)
	}
}

func compareTrees(t *testing.T, name string, got, want map[string][]byte) {
	t.Helper()
	var stale []string
	for p, w := range want {
		if g, ok := got[p]; !ok {
			stale = append(stale, p+" (missing)")
		} else if !bytes.Equal(g, w) {
			stale = append(stale, p+" (differs)")
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			stale = append(stale, p+" (not in a fresh build)")
		}
	}
	sort.Strings(stale)
	if len(stale) > 0 {
		t.Errorf("%s is not the build of the current sources; run `npm run build:demo` in client-js:\n  %v", name, stale)
	}
}

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
