// Package clientjs holds no Go code of its own: it is the home of the npm package
// @tickroom/client (the JS client: lobby calls, the state mirror, interpolation, prediction and
// rejoin), and of the Go test that runs the package's Node tests against a real gameserver.
// The client sits at the end of the data flow: it decodes the snapshots rooms/ sends, with the
// format game/ defines (docs/snapshot-format.md).
package clientjs
