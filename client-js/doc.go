// Package clientjs is the home of the npm package @tickroom/client (the JS client: lobby calls,
// the state mirror, interpolation, prediction, rejoin, and following a seat to its node in a
// cluster), of the Go test that runs the package's Node tests against a real gameserver, and of
// the arena demo page: DemoSite embeds demo/, src/ and the committed browser builds in vendor/
// for cmd/gameserver to serve at "/". The client sits at the end of the data flow: it decodes
// the snapshots rooms/ sends, with the format game/ defines (docs/snapshot-format.md).
package clientjs
