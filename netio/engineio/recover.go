package engineio

import (
	"fmt"
	"runtime/debug"
)

// Panic isolation: every call into code the server was given (SessionHandler, the connection
// handler, SendLatest's valid and written) runs under recover. A panic there closes that one
// session with reason "server error" (ErrHandlerPanic), is counted in Stats.Panics and logged
// with its stack (at most one line every 10 s); the process and every other session go on.
// On the websocket reader and writer goroutines and on timers nothing else would catch it.

// recovered counts and logs a recovered panic; v is what recover returned, not nil. It runs
// in the deferred call, so the stack is the panicking one.
func (srv *Server) recovered(sid, in string, v any) {
	if log, unlogged := srv.counts.panics.Add(); log {
		srv.log.Error("engineio: panic in handler", "sid", sid, "in", in, "panic", fmt.Sprint(v),
			"stack", string(debug.Stack()), "similar_since_last_line", unlogged)
	}
}

// callOnMessage runs h.OnMessage and reports a panic in it.
func (s *Session) callOnMessage(h SessionHandler, m Message) (panicked bool) {
	defer func() {
		if v := recover(); v != nil {
			s.srv.recovered(s.id, "OnMessage", v)
			panicked = true
		}
	}()
	h.OnMessage(m)
	return false
}

// callOnClose runs h.OnClose; the session is closed already, so a panic is only counted.
func (s *Session) callOnClose(h SessionHandler, reason string, err error) {
	defer func() {
		if v := recover(); v != nil {
			s.srv.recovered(s.id, "OnClose", v)
		}
	}()
	h.OnClose(reason, err)
}

// callOnConnection runs the server's connection handler and reports a panic in it.
func (s *Session) callOnConnection() (panicked bool) {
	defer func() {
		if v := recover(); v != nil {
			s.srv.recovered(s.id, "onConnection", v)
			panicked = true
		}
	}()
	s.srv.onConnection(s)
	return false
}

// latestValid asks a latest-wins message's hooks whether it is still to be written (true when
// it has none); a panic drops it and is reported.
func (s *Session) latestValid(h LatestHooks, tag LatestTag) (ok, panicked bool) {
	if h == nil {
		return true, false
	}
	defer func() {
		if v := recover(); v != nil {
			s.srv.recovered(s.id, "SendLatest valid", v)
			ok, panicked = false, true
		}
	}()
	if !h.LatestValid(tag) {
		s.srv.traffic.latestStale.Add(1)
		return false, false
	}
	return true, false
}

// latestWritten tells a latest-wins message's hooks it was written, and reports a panic.
func (s *Session) latestWritten(h LatestHooks, tag LatestTag) (panicked bool) {
	if h == nil {
		return false
	}
	defer func() {
		if v := recover(); v != nil {
			s.srv.recovered(s.id, "SendLatest written", v)
			panicked = true
		}
	}()
	h.LatestWritten(tag)
	return false
}

// closePanicked closes the session after a panic in one of its handler calls. Queued
// messages still go out: the session's own state is sound, only the handler's is in doubt.
func (s *Session) closePanicked() {
	s.close(ReasonServerError, ErrHandlerPanic, closeGraceful)
}
