//go:build !race

package main

// raceEnabled: binaries built for the tests get the race detector too.
const raceEnabled = false
