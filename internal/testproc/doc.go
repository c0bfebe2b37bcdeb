// Package testproc builds and runs the Go server commands that tickroom's end-to-end tests
// drive from outside: it compiles a main package once, starts it on a loopback port, learns the
// port from the "LISTEN <url>" line the command prints, and stops it at the end of the test,
// failing the test if the server reported a data race or exited badly.
//
// It sits at the edge of the data flow: nothing in the server imports it; tests/interop and
// tests/conformance use it to put a real server process between real clients.
package testproc
