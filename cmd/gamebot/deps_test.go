package main

import (
	"go/build"
	"strings"
	"testing"
)

// TestImports keeps gamebot a client: it speaks the protocol through netio
// and the wire types of game, and never reaches into the server (rooms,
// cmd/gameserver).
func TestImports(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		if strings.HasPrefix(imp, "github.com/tickroom/tickroom/rooms") || strings.HasPrefix(imp, "github.com/tickroom/tickroom/cmd/") {
			t.Errorf("gamebot imports %s", imp)
		}
	}
}
