// Package testproc builds and runs the server processes that tickroom's tests drive from
// outside: it compiles a main package, starts it on a loopback port, learns the port from the
// "LISTEN <url>" line the command prints, and stops it with SIGTERM at the end of the test,
// failing the test if the server reported a data race, panicked or exited badly. Serve is the
// other side of that line, for the test server commands under tests/. Run and RunNode run the
// Node peers (scripts, node --test) against such a server.
//
// It is test-only code shared by the module's tests (tests/..., client-js, cmd/...): it sits
// outside the data flow, and no non-test package imports it except the test server commands
// under tests/ (deps_test.go checks that).
package testproc
