package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/tickroom/tickroom/netio/client"
)

// TestFailureOf: a request's error keeps the server's code and message, the client's errors
// get gamebot's codes, and a failure passes through with the op of its caller.
func TestFailureOf(t *testing.T) {
	for _, tc := range []struct {
		op   string
		err  error
		want string
	}{
		{"start", fmt.Errorf("wrapped: %w", &requestError{Code: "BAD_REQUEST", Message: "fewer players than the mode's minimum"}),
			"start: BAD_REQUEST: fewer players than the mode's minimum"},
		{"connect", &client.ConnectError{Namespace: "/", Message: "no token"}, "connect: CONNECT_ERROR: no token"},
		{"connect", fmt.Errorf("dial: %w", context.DeadlineExceeded), "connect: TIMEOUT: dial: context deadline exceeded"},
		{"join", client.ErrAckTimeout, "join: ACK_TIMEOUT: "},
		{"input", client.ErrQueueFull, "input: QUEUE_FULL: "},
		{"connect", errors.New("dial tcp 127.0.0.1:1: connect: connection refused"), "connect: NETWORK: dial tcp"},
		{"quickjoin", fail(codeBadSchema, "the Joined carries no schema"), "quickjoin: BAD_SCHEMA: the Joined carries no schema"},
		{"join", errors.New("odd"), "join: ERROR: odd"},
	} {
		if got := failureOf(tc.op, tc.err).String(); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s, %v: %q, want %q...", tc.op, tc.err, got, tc.want)
		}
	}
	if f := failureOf("join", errors.New(strings.Repeat("é", 300))); len(f.Message) > maxMessage+len("…") {
		t.Errorf("a message of %d bytes", len(f.Message))
	}
}

// TestErrorsBounded: beyond maxReasons distinct errors, new messages are counted under their
// op and code, none lost, and a new op and code keeps its message.
func TestErrorsBounded(t *testing.T) {
	var s stats
	s.errors, s.opCodes = map[failure]int{}, map[[2]string]bool{}
	for i := 0; i < maxReasons+30; i++ {
		s.addFailure(failure{Op: "snapshot", Code: codeApply, Message: fmt.Sprint("position ", i)})
	}
	s.addFailure(failure{Op: "join", Code: "ROOM_FULL", Message: "the room is full"})
	s.addFailure(failure{Op: "join", Code: "ROOM_FULL", Message: "the room is full, again"})
	errs, _ := s.totals()
	if errs != maxReasons+32 || len(s.errors) != maxReasons+3 {
		t.Errorf("%d errors in %d entries", errs, len(s.errors))
	}
	if n := s.errors[failure{Op: "snapshot", Code: codeApply, Message: otherMessages}]; n != 30 {
		t.Errorf("%d folded, want 30", n)
	}
	if s.errors[failure{Op: "join", Code: "ROOM_FULL", Message: "the room is full"}] != 1 ||
		s.errors[failure{Op: "join", Code: "ROOM_FULL", Message: otherMessages}] != 1 {
		t.Errorf("the join's error: %v", s.errors)
	}
}
