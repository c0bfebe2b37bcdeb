package hostile

import (
	"strings"
	"testing"
	"time"

	"github.com/tickroom/tickroom/netio/socketio"
)

// fragile is a namespace whose handlers have bugs a client can reach.
func fragile(srv *socketio.Server) {
	n := srv.Of("/")
	n.Use(func(s *socketio.Socket) error {
		if s.Handshake().Auth["crash"] == "middleware" {
			var m map[string]int
			m["boom"]++ // a nil map: a real bug, not a panic() call
		}
		return nil
	})
	n.OnConnection(func(s *socketio.Socket) {
		switch s.Handshake().Auth["crash"] {
		case "connection":
			panic("connection handler bug")
		case "disconnect":
			s.OnDisconnect(func(string) { panic("disconnect handler bug") })
		case "disconnecting":
			s.OnDisconnecting(func(string) { panic("disconnecting handler bug") })
		}
		s.OnAny(func(_ *socketio.Socket, event string, _ socketio.Args) {
			if event == "any-crash" {
				panic("OnAny bug")
			}
		})
		s.On("crash", func(_ *socketio.Socket, args socketio.Args, _ socketio.Ack) {
			_ = []int{}[args.Len()] // index out of range
		})
		s.On("ask", func(s *socketio.Socket, _ socketio.Args, _ socketio.Ack) {
			_ = s.EmitWithAck("question", func(socketio.Args, error) { panic("ack callback bug") })
		})
	})
}

// TestHandlerPanics: a client that reaches a bug in any kind of handler loses its own
// connection; the panic is counted and logged once with its stack; the process and every
// other client go on.
func TestHandlerPanics(t *testing.T) {
	tg := start(t, nil, fragile)
	by := newBystanders(t, tg)
	connected := func(w *rawWS) {
		t.Helper()
		if _, p := w.next(); !strings.HasPrefix(string(p), `40{"sid":"`) {
			t.Fatalf("CONNECT answered %q", p)
		}
	}
	cases := []struct {
		name   string
		attack func(w *rawWS)
	}{
		{"middleware", func(w *rawWS) { w.text(`40{"crash":"middleware"}`) }},
		{"connection handler", func(w *rawWS) { w.text(`40{"crash":"connection"}`) }},
		{"event handler", func(w *rawWS) { w.text(`40`); connected(w); w.text(`42["crash"]`) }},
		{"OnAny handler", func(w *rawWS) { w.text(`40`); connected(w); w.text(`42["any-crash"]`) }},
		{"disconnecting handler", func(w *rawWS) { w.text(`40{"crash":"disconnecting"}`); connected(w); w.text(`41`) }},
		{"disconnect handler", func(w *rawWS) { w.text(`40{"crash":"disconnect"}`); connected(w); w.text(`41`) }},
		{"ack callback", func(w *rawWS) {
			w.text(`40`)
			connected(w)
			w.text(`42["ask"]`)
			if _, p := w.next(); string(p) != `420["question"]` {
				t.Fatalf("question: %q", p)
			}
			w.text(`430[]`)
		}},
	}
	for i, c := range cases {
		w := dialWS(t, tg.addr, 0)
		c.attack(w)
		if !w.closedWithin(5 * time.Second) {
			t.Fatalf("%s: the connection stayed open", c.name)
		}
		if n := tg.srv.Stats().Panics; n != uint64(i+1) {
			t.Fatalf("%s: %d panics counted, want %d", c.name, n, i+1)
		}
	}
	if n := tg.logs.count("panic in handler"); n != 1 {
		t.Fatalf("%d log lines for %d panics, want 1", n, len(cases))
	}
	if n := tg.logs.count("goroutine "); n < 1 {
		t.Fatal("the panic was logged without its stack")
	}
	by.check(t)
}
