package clientjs

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestPackage packs @tickroom/client as `npm pack` publishes it, from a copy of this directory
// (prepack builds dist/browser/ there, not here), installs the tarball into a scratch project
// and tests what a user gets: the tarball's files and manifest, the type tests under tsc
// --strict against the installed types, the exports map, and the README's examples run against
// the in-process test host (Node for js and ts, headless Chromium for html with the browser
// build).
func TestPackage(t *testing.T) {
	dir := requireNode(t)
	chromium := requireChromium(t)
	tmp := t.TempDir()
	tarball, packed := npmPack(t, dir, tmp)
	consumer := filepath.Join(tmp, "consumer")
	pkgDir := installTarball(t, dir, tarball, consumer)

	t.Run("files", func(t *testing.T) {
		var want []string
		for _, pattern := range []string{"src/*.js", "src/*.d.ts"} {
			m, err := filepath.Glob(filepath.Join(dir, pattern))
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range m {
				want = append(want, "src/"+filepath.Base(f))
				if strings.HasSuffix(f, ".js") {
					want = append(want, "dist/browser/"+filepath.Base(f))
				}
			}
		}
		want = append(want, "LICENSE", "README.md", "package.json",
			"dist/browser/socket.io-client.js", "dist/browser/socket.io-msgpack-parser.js")
		slices.Sort(want)
		if !slices.Equal(packed, want) {
			t.Errorf("the tarball holds\n  %v\nwant\n  %v", packed, want)
		}
		var manifest struct {
			Private bool              `json:"private"`
			License string            `json:"license"`
			Exports map[string]any    `json:"exports"`
			Deps    map[string]string `json:"dependencies"`
		}
		b, err := os.ReadFile(filepath.Join(pkgDir, "package.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &manifest); err != nil {
			t.Fatal(err)
		}
		if manifest.Private || manifest.License != "MIT" || manifest.Exports["./browser"] == nil || len(manifest.Deps) != 2 {
			t.Errorf("package.json: private %v, license %q, exports %v, dependencies %v", manifest.Private, manifest.License, manifest.Exports, manifest.Deps)
		}
		if lic, err := os.ReadFile(filepath.Join(pkgDir, "LICENSE")); err != nil || !strings.HasPrefix(string(lic), "MIT License") {
			t.Errorf("LICENSE: %v %.40q", err, lic)
		}
	})

	t.Run("types", func(t *testing.T) {
		// The type tests as they are, compiled against the installed package, not this directory.
		types := filepath.Join(consumer, "types-test")
		copyTree(t, filepath.Join(dir, "types-test"), types, nil)
		runIn(t, consumer, 2*time.Minute, nil, "node", filepath.Join("node_modules", "typescript", "bin", "tsc"), "-p", filepath.Join("types-test", "tsconfig.json"))
	})

	t.Run("exports", func(t *testing.T) {
		out := runIn(t, consumer, time.Minute, nil, "node", "--input-type=module", "-e", `
			const node = await import("@tickroom/client");
			const browser = await import("@tickroom/client/browser");
			const same = Object.keys(node).sort().join() === Object.keys(browser).sort().join();
			let hidden = false;
			try { await import("@tickroom/client/src/room.js"); } catch (e) { hidden = e.code === "ERR_PACKAGE_PATH_NOT_EXPORTED"; }
			console.log(JSON.stringify({ same, hidden, connect: typeof browser.connect, room: typeof node.Room }));
		`)
		if strings.TrimSpace(out) != `{"same":true,"hidden":true,"connect":"function","room":"function"}` {
			t.Errorf("exports: %s", out)
		}
	})

	t.Run("readme", func(t *testing.T) {
		url := startTestHost(t, http.FileServer(http.Dir(consumer)))
		out := runIn(t, dir, 3*time.Minute, []string{"TICKROOM_URL=" + strings.TrimSuffix(url, "/"), "CHROMIUM=" + chromium},
			"node", filepath.Join("scripts", "readme-check.mjs"), consumer)
		if !strings.Contains(out, "\nPASS") {
			t.Fatalf("readme-check.mjs did not pass:\n%s", out)
		}
		t.Logf("%s", out)
	})
}

// requireChromium returns the browser for playwright-core: $CHROMIUM or Debian's, failing (not
// skipping) without it, as tests/browser does.
func requireChromium(t *testing.T) string {
	t.Helper()
	path := os.Getenv("CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("chromium not found at %s: `make deps` installs Debian's chromium (apt-get install -y chromium)", path)
	}
	return path
}

// npmPack runs `npm pack` in a copy of dir (its node_modules linked, not copied) and returns the
// tarball's path and the files npm says it holds, sorted.
func npmPack(t *testing.T, dir, tmp string) (string, []string) {
	t.Helper()
	src := filepath.Join(tmp, "src")
	copyTree(t, dir, src, func(rel string) bool { return rel == "node_modules" || rel == "dist" })
	if err := os.Symlink(filepath.Join(dir, "node_modules"), filepath.Join(src, "node_modules")); err != nil {
		t.Fatal(err)
	}
	out := runIn(t, src, 2*time.Minute, nil, "npm", "pack", "--json", "--pack-destination", tmp)
	// Lifecycle scripts may print before the JSON.
	start := strings.Index(out, "[\n")
	if start < 0 {
		t.Fatalf("npm pack printed no JSON:\n%s", out)
	}
	var res []struct {
		Filename string `json:"filename"`
		Files    []struct {
			Path string `json:"path"`
		} `json:"files"`
	}
	if err := json.NewDecoder(strings.NewReader(out[start:])).Decode(&res); err != nil || len(res) != 1 {
		t.Fatalf("npm pack's JSON: %v\n%s", err, out)
	}
	var files []string
	for _, f := range res[0].Files {
		files = append(files, f.Path)
	}
	slices.Sort(files)
	return filepath.Join(tmp, res[0].Filename), files
}

// installTarball makes consumer a project with the tarball installed as
// node_modules/@tickroom/client, and dir's node_modules linked beside it for its dependencies
// (and typescript, playwright-core), as npm would install them; it returns the package's
// directory.
func installTarball(t *testing.T, dir, tarball, consumer string) string {
	t.Helper()
	pkgDir := filepath.Join(consumer, "node_modules", "@tickroom", "client")
	if err := os.MkdirAll(pkgDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(consumer, "package.json"), []byte(`{"name": "consumer", "private": true, "type": "module"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	untar(t, tarball, pkgDir)
	deps, err := os.ReadDir(filepath.Join(dir, "node_modules"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range deps {
		if d.Name() == "@tickroom" || strings.HasPrefix(d.Name(), ".") {
			continue
		}
		if err := os.Symlink(filepath.Join(dir, "node_modules", d.Name()), filepath.Join(consumer, "node_modules", d.Name())); err != nil {
			t.Fatal(err)
		}
	}
	return pkgDir
}

// untar extracts an npm tarball's package/ into dst.
func untar(t *testing.T, tarball, dst string) {
	t.Helper()
	f, err := os.Open(tarball)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		rel, ok := strings.CutPrefix(h.Name, "package/")
		if !ok || h.Typeflag != tar.TypeReg || !fs.ValidPath(rel) {
			t.Fatalf("unexpected tarball entry %q (type %c)", h.Name, h.Typeflag)
		}
		p := filepath.Join(dst, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// copyTree copies the regular files of src into dst, leaving out the top-level paths skip
// reports (slash-separated, relative to src).
func copyTree(t *testing.T, src, dst string, skip func(rel string) bool) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if skip != nil && rel != "." && !strings.Contains(rel, "/") && skip(path.Clean(rel)) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		target := filepath.Join(dst, filepath.FromSlash(rel))
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
