// Package arch tests the shape of the module: which of its packages may import which (game and
// netio never each other nor rooms; the rooms runtime never the lobby), that test helpers stay
// out of non-test code, and that the import graph drawn in docs/design.md is the real one.
//
// It sits outside the data flow: it reads the packages with `go list`.
package arch
