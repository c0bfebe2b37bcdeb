//go:build race

package testproc

// RaceEnabled reports whether this binary was built with the race detector; servers built for
// the test then get it too.
const RaceEnabled = true
