// Package testhost stands the gameserver's stack up inside a test: a lobby.Host with the
// caller's modes behind Socket.IO on an httptest server (Start), and Go netio clients that
// reach it and ask it requests (Dial, DialN, Ask).
//
// It is test-only code shared by the module's tests (tests/..., client-js, cmd/..., the
// external tests of rooms/lobby): it sits outside the data flow, above rooms and netio, and no
// non-test package imports it (internal/testproc's deps_test.go checks that).
package testhost
