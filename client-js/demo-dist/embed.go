// Package demodist holds the built arena demo page (site/, made by client-js's
// scripts/build-demo.mjs from demo/, src/ and the browser builds of socket.io-client and
// socket.io-msgpack-parser) for the gameserver to embed and serve at "/".
//
// site/ is committed build output: after changing client-js/demo or client-js/src, run
// `npm run build:demo` in client-js. TestSiteUpToDate fails while the committed copy differs
// from a fresh build.
package demodist

import (
	"embed"
	"io/fs"
)

//go:embed site
var files embed.FS

// Site is the demo page's files, index.html at the root.
func Site() fs.FS {
	sub, err := fs.Sub(files, "site")
	if err != nil {
		panic(err) // "site" is embedded above; fs.Sub fails only on an invalid name
	}
	return sub
}
