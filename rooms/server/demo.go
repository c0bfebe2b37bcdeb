package server

import (
	"net/http"

	clientjs "github.com/tickroom/tickroom/client-js"
)

// demoHandler serves the arena demo page at "/" (client-js/demo with the package's modules
// under /client/ and the browser builds of its dependencies under /vendor/, embedded in the
// binary by client-js/demo.go): opening http://localhost:8080/ is all a newcomer does.
func demoHandler() http.Handler {
	files := http.FileServerFS(clientjs.DemoSite())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The page is small and changes with the binary: let browsers revalidate every load.
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	})
}
