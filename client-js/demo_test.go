package clientjs

import (
	"bytes"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// TestDemoSite: the demo site is demo/ at the root, src/*.js under client/ and vendor/ under
// vendor/, byte for byte the files on disk, and nothing else; and it is a well-behaved fs.FS
// (directory listings, Stat, Seek and ReadAt agree), as http.FileServerFS needs.
func TestDemoSite(t *testing.T) {
	want := map[string][]byte{}
	for dir, files := range map[string]map[string][]byte{
		".":           readTree(t, os.DirFS("demo")),
		demoClientDir: readTree(t, os.DirFS("src")),
		demoVendorDir: readTree(t, os.DirFS("vendor")),
	} {
		for p, b := range files {
			if dir == demoClientDir && !strings.HasSuffix(p, ".js") {
				continue
			}
			want[path.Join(dir, p)] = b
		}
	}
	site := DemoSite()
	got := readTree(t, site)
	compareTrees(t, "the demo site", got, want, "demo/, src/*.js and vendor/ on disk")

	names := slices.Sorted(maps.Keys(want))
	for _, p := range []string{"index.html", "app.js", "client/index.js", "vendor/socket.io-client.js", "vendor/socket.io-msgpack-parser.js"} {
		if !slices.Contains(names, p) {
			t.Errorf("the demo site lacks %s", p)
		}
	}
	if err := fstest.TestFS(site, names...); err != nil {
		t.Error(err)
	}
}

// TestMountFS: a mount shadows the root's entry of its name, errors name the path asked for,
// and invalid paths are refused.
func TestMountFS(t *testing.T) {
	m := mountFS{
		root: fstest.MapFS{
			"index.html":    {Data: []byte("page")},
			"lib/hidden.js": {Data: []byte("shadowed")},
		},
		mounts: map[string]fs.FS{"lib": fstest.MapFS{"a.js": {Data: []byte("a")}}},
	}
	if err := fstest.TestFS(m, "index.html", "lib/a.js"); err != nil {
		t.Error(err)
	}
	if _, err := m.Open("lib/hidden.js"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("open lib/hidden.js: %v, want not exist (the mount shadows it)", err)
	}
	var pe *fs.PathError
	if _, err := m.Open("lib/nope.js"); !errors.As(err, &pe) || pe.Path != "lib/nope.js" || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("open lib/nope.js: %v, want a not-exist PathError for lib/nope.js", err)
	}
	for _, bad := range []string{"../demo/index.html", "/index.html", "lib/../index.html", ""} {
		if _, err := m.Open(bad); !errors.Is(err, fs.ErrInvalid) {
			t.Errorf("open %q: %v, want invalid", bad, err)
		}
	}
	if b, err := fs.ReadFile(m, "lib/a.js"); err != nil || !bytes.Equal(b, []byte("a")) {
		t.Errorf("lib/a.js: %q, %v", b, err)
	}
}
