package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestDemoHandler: the embedded demo is served at "/" with its modules as JavaScript, and
// unknown paths are 404.
func TestDemoHandler(t *testing.T) {
	srv := httptest.NewServer(demoHandler())
	defer srv.Close()
	for _, c := range []struct {
		path, ctype, contains string
		status                int
	}{
		{"/", "text/html", `<script type="importmap">`, 200},
		{"/app.js", "text/javascript", `from "./client/index.js"`, 200},
		{"/client/index.js", "text/javascript", "export { connect", 200},
		{"/vendor/socket.io-client.js", "text/javascript", "Socket.IO v4", 200},
		{"/vendor/socket.io-msgpack-parser.js", "text/javascript", "export default parser", 200},
		{"/style.css", "text/css", "#arena", 200},
		{"/nope.js", "", "", 404},
	} {
		res, err := http.Get(srv.URL + c.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != c.status {
			t.Errorf("GET %s: status %d, want %d", c.path, res.StatusCode, c.status)
			continue
		}
		if c.status != 200 {
			continue
		}
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, c.ctype) {
			t.Errorf("GET %s: Content-Type %q, want %s", c.path, ct, c.ctype)
		}
		if !strings.Contains(string(body), c.contains) {
			t.Errorf("GET %s: body lacks %q", c.path, c.contains)
		}
	}
}
