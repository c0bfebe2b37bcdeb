// Package bench holds the netio benchmarks that need real loopback sockets:
// broadcast throughput to many WebSocket connections and the memory an idle
// connection costs. The server runs in the benchmark process; the clients
// run in a child process (the test binary re-executed), so the server's CPU
// and RSS are measured alone. Run with `make bench`; the numbers go in
// docs/benchmarks.md.
package bench
