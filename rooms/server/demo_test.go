package server_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tickroom/tickroom/rooms/server"
)

// TestDemoHandler: with Config.Demo on, the embedded demo is served at "/" with its modules as
// JavaScript (module scripts load only with a JavaScript type), with no-cache and nosniff, and
// unknown paths are 404.
func TestDemoHandler(t *testing.T) {
	srv := httptest.NewServer(newServer(t, func(c *server.Config) { c.Demo = true }).Handler())
	defer srv.Close()
	for _, c := range []struct {
		path, ctype, contains string
		status                int
	}{
		{"/", "text/html", `<script type="importmap">`, 200},
		{"/app.js", "text/javascript", `from "./client/index.js"`, 200},
		{"/client/index.js", "text/javascript", "export { connect", 200},
		{"/client/client.js", "text/javascript", `from "socket.io-client"`, 200},
		{"/vendor/socket.io-client.js", "text/javascript", "Socket.IO v4", 200},
		{"/vendor/socket.io-msgpack-parser.js", "text/javascript", "export default parser", 200},
		{"/style.css", "text/css", "#arena", 200},
		{"/nope.js", "", "", 404},
		{"/client/nope.js", "", "", 404},
		{"/client/index.d.ts", "", "", 404}, // types are for editors, not browsers
		{"/vendor/nope.js", "", "", 404},
		{"/src/index.js", "", "", 404}, // the package's modules are under /client/ only
		{"/demo/index.html", "", "", 404},
	} {
		res, body := fetch(t, srv.URL+c.path)
		if res.StatusCode != c.status {
			t.Errorf("GET %s: status %d, want %d", c.path, res.StatusCode, c.status)
			continue
		}
		if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s: X-Content-Type-Options %q, want nosniff", c.path, got)
		}
		if c.status != 200 {
			continue // http.Error drops Cache-Control: nothing to revalidate
		}
		if got := res.Header.Get("Cache-Control"); got != "no-cache" {
			t.Errorf("GET %s: Cache-Control %q, want no-cache", c.path, got)
		}
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, c.ctype) {
			t.Errorf("GET %s: Content-Type %q, want %s", c.path, ct, c.ctype)
		}
		if !strings.Contains(string(body), c.contains) {
			t.Errorf("GET %s: body lacks %q", c.path, c.contains)
		}
	}
}

// TestDemoServesSources: every module of client-js/src and every file of client-js/demo is
// served byte for byte as it is on disk, so the demo always runs the package's current code.
func TestDemoServesSources(t *testing.T) {
	srv := httptest.NewServer(newServer(t, func(c *server.Config) { c.Demo = true }).Handler())
	defer srv.Close()
	for glob, urlDir := range map[string]string{
		filepath.Join("..", "..", "client-js", "src", "*.js"): "/client/",
		filepath.Join("..", "..", "client-js", "demo", "*"):   "/",
	} {
		files, err := filepath.Glob(glob)
		if err != nil {
			t.Fatal(err)
		}
		if len(files) < 3 {
			t.Fatalf("%s: only %d files", glob, len(files))
		}
		for _, f := range files {
			want, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			path := urlDir + filepath.Base(f)
			res, got := fetch(t, srv.URL+path)
			if res.StatusCode != http.StatusOK || !bytes.Equal(got, want) {
				t.Errorf("GET %s: status %d, %d bytes; want 200 and the %d bytes of %s", path, res.StatusCode, len(got), len(want), f)
			}
		}
	}
}
