package socketio

import (
	"strings"
	"testing"
	"time"

	"github.com/tickroom/tickroom/netio/sioparser"
)

func TestBadAuth(t *testing.T) {
	forParsers(t, func(t *testing.T, text bool) {
		srv, hs := newTestServer(t, nil)
		p := dialPeer(t, hs, text)
		reply := p.connect("/", map[string]any{"name": strings.Repeat("x", 5000)})
		if reply.Type != sioparser.ConnectError || generic(t, reply.Data) != `{"message":"bad auth"}` {
			t.Fatalf("oversized auth: type %d %s", reply.Type, generic(t, reply.Data))
		}
		// The connection stays; a sensible auth then connects.
		if reply := p.connect("/", map[string]any{"name": "ada"}); reply.Type != sioparser.Connect {
			t.Fatalf("after a bad auth: type %d", reply.Type)
		}
		if st := srv.Stats(); st.BadAuth != 1 {
			t.Fatalf("stats %+v", st)
		}
	})
	cfg := DefaultConfig()
	cfg.MaxAuthBytes = -1
	_, hs := newTestServer(t, &cfg)
	p := dialPeer(t, hs, false)
	if reply := p.connect("/", map[string]any{"name": strings.Repeat("x", 5000)}); reply.Type != sioparser.Connect {
		t.Fatalf("bound off: type %d", reply.Type)
	}
}

// TestHandlerPanics: a panic in any kind of handler closes that connection with "server
// error", is counted, and leaves the server and its other connections working.
func TestHandlerPanics(t *testing.T) {
	cases := []struct {
		name  string
		setup func(n *Namespace)
		act   func(p *peer) // after the CONNECT reply (or the CONNECT, when it panics)
		nsp   string
	}{
		{name: "middleware", nsp: "/mw", setup: func(n *Namespace) {
			n.Use(func(*Socket) error { panic("middleware bug") })
		}},
		{name: "connection", nsp: "/conn", setup: func(n *Namespace) {
			n.OnConnection(func(*Socket) { panic("connection bug") })
		}},
		{name: "event", nsp: "/ev", setup: func(n *Namespace) {
			n.OnConnection(func(s *Socket) { s.On("boom", func(*Socket, Args, Ack) { panic("event bug") }) })
		}, act: func(p *peer) { p.emit("/ev", nil, "boom") }},
		{name: "typed event", nsp: "/typed", setup: func(n *Namespace) {
			n.OnConnection(func(s *Socket) {
				Handle(s, "boom", func(*Socket, int, Ack) {}, func(*Socket, error, Ack) { panic("onBad bug") })
			})
		}, act: func(p *peer) { p.emit("/typed", nil, "boom", "not an int") }},
		{name: "any", nsp: "/any", setup: func(n *Namespace) {
			n.OnConnection(func(s *Socket) { s.OnAny(func(*Socket, string, Args) { panic("any bug") }) })
		}, act: func(p *peer) { p.emit("/any", nil, "whatever") }},
		{name: "disconnecting", nsp: "/dcing", setup: func(n *Namespace) {
			n.OnConnection(func(s *Socket) { s.OnDisconnecting(func(string) { panic("disconnecting bug") }) })
		}, act: func(p *peer) { p.send(sioparser.Packet{Type: sioparser.Disconnect, Namespace: "/dcing"}) }},
		{name: "disconnect", nsp: "/dc", setup: func(n *Namespace) {
			n.OnConnection(func(s *Socket) { s.OnDisconnect(func(string) { panic("disconnect bug") }) })
		}, act: func(p *peer) { p.send(sioparser.Packet{Type: sioparser.Disconnect, Namespace: "/dc"}) }},
		{name: "ack callback", nsp: "/ack", setup: func(n *Namespace) {
			n.OnConnection(func(s *Socket) {
				s.EmitWithAck("question", func(Args, error) { panic("ack bug") })
			})
		}, act: func(p *peer) {
			q := p.mustNext()
			p.send(sioparser.Packet{Type: sioparser.Ack, Namespace: "/ack", ID: q.ID, HasID: true, Data: mp(p.t, []any{1})})
		}},
		{name: "ack timeout", nsp: "/acktimeout", setup: func(n *Namespace) {
			n.OnConnection(func(s *Socket) {
				s.Timeout(20*time.Millisecond).EmitWithAck("question", func(Args, error) { panic("ack timeout bug") })
			})
		}, act: func(p *peer) { p.mustNext() }},
	}
	srv, hs := newTestServer(t, nil)
	for _, c := range cases {
		c.setup(srv.Of(c.nsp))
	}
	srv.OfFunc(func(name string, _ Auth) bool {
		if name == "/match-bug" {
			panic("matcher bug")
		}
		return false
	})
	cases = append(cases, struct {
		name  string
		setup func(n *Namespace)
		act   func(p *peer)
		nsp   string
	}{name: "OfFunc matcher", nsp: "/match-bug"})
	srv.OnConnection(func(s *Socket) {
		s.On("echo", func(s *Socket, args Args, ack Ack) { ack(args.AsAny()...) })
	})
	healthy := dialPeer(t, hs, false)
	if r := healthy.connect("/", nil); r.Type != sioparser.Connect {
		t.Fatal("healthy peer not connected")
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			reasons := newReasons()
			dynamic := c.setup == nil // srv.Of would make it a static namespace
			if !dynamic {
				srv.Of(c.nsp).OnConnection(reasons.track)
			}
			p := dialPeer(t, hs, false)
			p.send(sioparser.Packet{Type: sioparser.Connect, Namespace: c.nsp})
			if c.act != nil {
				if r := p.mustNext(); r.Type != sioparser.Connect {
					t.Fatalf("CONNECT answered with type %d", r.Type)
				}
				c.act(p)
			}
			if !p.closed(5 * time.Second) {
				t.Fatal("the connection stayed open after the panic")
			}
			if st := srv.Stats(); st.Panics != uint64(i+1) {
				t.Fatalf("%d panics counted, want %d", st.Panics, i+1)
			}
			if c.act != nil && c.name != "disconnecting" && c.name != "disconnect" {
				// The socket's other disconnect handlers still run, with the reason.
				if r := reasons.wait(t); r != ReasonServerError {
					t.Fatalf("disconnect reason %q", r)
				}
			}
			if !dynamic {
				waitLen(t, srv.Of(c.nsp), 0)
			}
			healthy.emit("/", u64(uint64(i)), "echo", c.name)
			if r := healthy.mustNext(); r.Type != sioparser.Ack || generic(t, r.Data) != `["`+c.name+`"]` {
				t.Fatalf("healthy peer: type %d %s", r.Type, generic(t, r.Data))
			}
		})
	}
}

// TestDisconnectHandlerPanicCompletes: a panicking disconnect handler does not stop the
// ones after it, nor leave the socket in its namespace or rooms.
func TestDisconnectHandlerPanicCompletes(t *testing.T) {
	srv, hs := newTestServer(t, nil)
	after := make(chan string, 2)
	srv.OnConnection(func(s *Socket) {
		s.Join("room")
		s.OnDisconnecting(func(string) { panic("first") })
		s.OnDisconnecting(func(r string) { after <- "disconnecting " + r })
		s.OnDisconnect(func(string) { panic("second") })
		s.OnDisconnect(func(r string) { after <- "disconnect " + r })
	})
	p := dialPeer(t, hs, false)
	p.connect("/", nil)
	p.ws.Close()
	for _, want := range []string{"disconnecting transport close", "disconnect transport close"} {
		select {
		case got := <-after:
			if got != want {
				t.Fatalf("got %q, want %q", got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no %q", want)
		}
	}
	waitLen(t, srv.Of("/"), 0)
	if n := len(srv.Of("/").In("room").FetchSockets()); n != 0 {
		t.Fatalf("%d sockets left in the room", n)
	}
	if st := srv.Stats(); st.Panics != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func waitLen(t *testing.T, n *Namespace, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for n.Len() != want {
		if time.Now().After(deadline) {
			t.Fatalf("namespace %s has %d sockets, want %d", n.Name(), n.Len(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
