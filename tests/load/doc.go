// Package load holds run.sh, the standard gamebot workload: it starts a
// gameserver on 127.0.0.1, runs cmd/gamebot against it, and writes the
// server's CPU seconds and peak RSS next to gamebot's JSON report. The test
// runs the script at a tiny size to keep it working; the numbers of the
// full workload are in docs/benchmarks.md.
package load
