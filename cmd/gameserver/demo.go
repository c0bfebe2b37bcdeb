package main

import (
	"net/http"

	demodist "github.com/tickroom/tickroom/client-js/demo-dist"
)

// demoHandler serves the arena demo page (client-js/demo, built into client-js/demo-dist/site
// and embedded in the binary) at "/": opening http://localhost:8080/ is all a newcomer does.
func demoHandler() http.Handler {
	files := http.FileServerFS(demodist.Site())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The page is small and changes with the binary: let browsers revalidate every load.
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	})
}
