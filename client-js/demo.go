package clientjs

import (
	"embed"
	"io/fs"
)

// demoFiles holds the arena demo's sources as they are in the repository: nothing is copied
// or built for them. vendor/ is the one build output (scripts/build-vendor.mjs, checked by
// TestVendorUpToDate). index.d.ts is left out: browsers have no use for it.
//
//go:embed demo src/*.js vendor
var demoFiles embed.FS

// Mount points of DemoSite: demo/app.js imports "./client/index.js", and demo/index.html's
// import map resolves src/'s bare imports ("socket.io-client", "socket.io-msgpack-parser") to
// "./vendor/...".
const (
	demoClientDir = "client"
	demoVendorDir = "vendor"
)

// DemoSite returns the arena demo page's files laid out as the gameserver serves them at "/":
// the page (demo/: index.html, app.js, style.css) at the root, the package's ES modules
// (src/*.js) under client/, and the browser builds of socket.io-client and
// socket.io-msgpack-parser (vendor/) under vendor/.
func DemoSite() fs.FS {
	return mountFS{
		root: subdir("demo"),
		mounts: map[string]fs.FS{
			demoClientDir: subdir("src"),
			demoVendorDir: subdir("vendor"),
		},
	}
}

func subdir(dir string) fs.FS {
	sub, err := fs.Sub(demoFiles, dir)
	if err != nil {
		panic(err) // dir is embedded above; fs.Sub fails only on an invalid name
	}
	return sub
}
