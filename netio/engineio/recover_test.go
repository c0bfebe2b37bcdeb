package engineio

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// panicky panics in OnMessage on "boom" and in OnClose when told to; it records its closes.
type panicky struct {
	testSess
	panicOnClose bool
}

func (h *panicky) OnMessage(m Message) {
	if string(m.Data) == "boom" {
		panic("handler bug")
	}
	h.testSess.OnMessage(m)
}

func (h *panicky) OnClose(reason string, err error) {
	h.testSess.OnClose(reason, err)
	if h.panicOnClose {
		panic("close bug")
	}
}

func newPanicEnv(t *testing.T) *env {
	t.Helper()
	return newEnvConn(t, nil, func(e *env, s *Session) {
		if s.Request().URL.Query().Get("panic") == "connect" {
			panic("connection handler bug")
		}
		h := &panicky{testSess: testSess{s: s, msgs: make(chan Message, 16), closed: make(chan closeEvent, 4), echo: true}}
		h.panicOnClose = s.Request().URL.Query().Get("panic") == "close"
		s.SetHandler(h)
		e.sessions <- &h.testSess
	})
}

func wantServerError(t *testing.T, h *testSess) {
	t.Helper()
	ev := h.waitClose(t)
	if ev.reason != ReasonServerError || !errors.Is(ev.err, ErrHandlerPanic) {
		t.Fatalf("closed with %q %v, want %q", ev.reason, ev.err, ReasonServerError)
	}
	select {
	case ev := <-h.closed:
		t.Fatalf("a second OnClose: %v", ev)
	case <-time.After(50 * time.Millisecond):
	}
}

func TestPanicInOnMessage(t *testing.T) {
	e := newPanicEnv(t)
	hw := e.healthy()
	// Over WebSocket the handler runs on the server's own reader goroutine: nothing but the
	// session's recover stands between the panic and the process.
	c, _, h := e.dialWS()
	writeWS(t, c, "4boom")
	wantServerError(t, h)
	expectWSClosed(t, c)
	// Over polling it runs on the POST.
	sid, hp := e.handshake()
	if code, _ := e.post(sid, "4boom"); code != 400 {
		t.Fatalf("POST that panicked: %d", code)
	}
	wantServerError(t, hp)
	if st := e.srv.Stats(); st.Panics != 2 {
		t.Fatalf("stats %+v", st)
	}
	hw.check(t)
}

func TestPanicInConnectionHandler(t *testing.T) {
	e := newPanicEnv(t)
	hw := e.healthy()
	code, body, _ := e.do("GET", "EIO=4&transport=polling&panic=connect", "", nil)
	if code != 200 || !strings.HasPrefix(body, "0{") {
		t.Fatalf("handshake: %d %q", code, body)
	}
	sid := body[strings.Index(body, `"sid":"`)+7:][:20]
	if code, body := e.get(sid); code != 200 || body != "1" {
		t.Fatalf("the next poll: %d %q, want the close packet", code, body)
	}
	waitFor(t, "the session to go", func() bool { return e.srv.SessionCount() == 1 })
	if st := e.srv.Stats(); st.Panics != 1 || st.Conns != 1 {
		t.Fatalf("stats %+v", st)
	}
	hw.check(t)
}

func TestPanicInOnClose(t *testing.T) {
	e := newPanicEnv(t)
	hw := e.healthy()
	sid, h := e.handshake()
	e.do("GET", "EIO=4&transport=polling&panic=close", "", nil)
	hc := e.nextSession()
	e.post(sid, "1")
	h.waitClose(t)
	hc.s.Close("bye")
	hc.waitClose(t)
	waitFor(t, "the panic to be counted", func() bool { return e.srv.Stats().Panics == 1 })
	hw.check(t)
}

func TestPanicInLatestCallbacks(t *testing.T) {
	e := newPanicEnv(t)
	hw := e.healthy()
	c, _, h := e.dialWS()
	h.s.SendLatest([]Message{{Data: []byte("state")}}, func() bool { panic("valid bug") }, nil)
	wantServerError(t, h)
	expectWSClosed(t, c)
	c, _, h = e.dialWS()
	h.s.SendLatest([]Message{{Data: []byte("state")}}, nil, func() { panic("written bug") })
	if _, data := readWSSkipPings(t, c); string(data) != "4state" {
		t.Fatalf("got %q", data)
	}
	wantServerError(t, h)
	// Over polling valid runs under the session's lock: a panic must not leave it held.
	sid, hp := e.handshake()
	hp.s.SendLatest([]Message{{Data: []byte("state")}}, func() bool { panic("valid bug") }, nil)
	if code, body := e.get(sid); code != 200 || body != "6" {
		t.Fatalf("poll: %d %q, want a noop", code, body)
	}
	wantServerError(t, hp)
	if st := e.srv.Stats(); st.Panics != 3 {
		t.Fatalf("stats %+v", st)
	}
	hw.check(t)
}
