// Package clusterproc runs the processes of a cluster under test: a real
// nats-server (the module's tool dependency, built with go build) and real
// gameserver nodes, each a separate process that a test can kill -9, pause
// (SIGSTOP), resume and start again on the same port and store.
//
// It sits outside the data flow: only tests import it (rooms/cluster's unit
// tests and tests/cluster).
package clusterproc
