// Package metric holds the plain, lock-free instruments the runtime keeps
// for operators: a Histogram whose Observe is a few atomic adds, so that a
// room's tick or a request's handler can be measured without a lock or an
// allocation. Nothing here knows Prometheus: the server exports snapshots
// of these (docs/operations.md) from one place.
//
// It sits beside the data flow: rooms and rooms/lobby observe into it, the
// server reads it when scraped.
package metric
