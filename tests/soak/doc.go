// Package soak holds the server's long run on the open internet (TestSoak): a gameserver with
// every limit at its default and 200 well-behaved gamebot players in rooms of 10, played three
// times on the same process: a warm-up, the soak window (60 s, or the -soak flag) with abusers
// attacking the whole time from the test process, and the soak window again without them, the
// baseline; the warm-up is as long as the window, so that its rooms and the baseline's are the
// same age where their memory is compared. The abusers are the attacks of tests/hostile,
// tests/lobby and tests/e2e, paced and running together: input floods and malformed input,
// every request flood the lobby limits, clients that never read, garbage WebSocket frames and
// polling bodies, oversized messages, auth and payloads, connect/disconnect churn, handshakes
// never followed up, POST bodies that trickle.
//
// It asserts what an operator needs from a public server: the process never exits; the
// well-behaved players see no error and no desync under attack or after it; their p99
// input-to-ack under attack stays within 1.5 times the baseline's; after the attack the
// server's CPU for the same players, its live heap (within 10 %, to the byte: the Go runtime's
// go_gc_heap_live_bytes on the admin listener's /metrics), its goroutines and its open files
// are back to what they were before it (the warm-up's); and each abuser got the contract's answer
// (docs/protocol.md, "Limits"). The test log ends with the runs' numbers in the form of
// docs/benchmarks.md, what each abuser did and got, and the server's log by message.
//
// Place in the data flow: outside it, at the far end of the wire; nothing imports this
// package. The server and gamebot are built without the race detector, whatever the test
// binary is built with: the run measures latency and memory, which the detector multiplies.
package soak
