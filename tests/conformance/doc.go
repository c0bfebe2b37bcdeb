// Package conformance checks tests/conformance/server, the server configured for the published
// Engine.IO and Socket.IO protocol test suites, against the behaviours those suites check,
// written here in our own words so that CI (which cannot fetch the suites) exercises the same
// configuration. run-published.sh runs the published suites themselves when a checkout is at hand.
package conformance
