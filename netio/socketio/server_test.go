package socketio

import (
	"bytes"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tickroom/tickroom/netio/engineio"
	"github.com/tickroom/tickroom/netio/sioparser"
)

// reasons collects disconnect reasons reported by the server, by socket id.
type reasons struct {
	mu sync.Mutex
	m  map[string]string
	ch chan string
}

func newReasons() *reasons { return &reasons{m: map[string]string{}, ch: make(chan string, 1024)} }

func (r *reasons) track(s *Socket) {
	s.OnDisconnect(func(reason string) {
		r.mu.Lock()
		r.m[s.ID()] = reason
		r.mu.Unlock()
		r.ch <- reason
	})
}

func (r *reasons) wait(t *testing.T) string {
	t.Helper()
	select {
	case s := <-r.ch:
		return s
	case <-time.After(5 * time.Second):
		t.Fatal("no disconnect reported")
		return ""
	}
}

func forParsers(t *testing.T, f func(t *testing.T, text bool)) {
	t.Run("msgpack", func(t *testing.T) { f(t, false) })
	t.Run("text", func(t *testing.T) { f(t, true) })
}

func TestConnectAuthAndSid(t *testing.T) {
	forParsers(t, func(t *testing.T, text bool) {
		srv, hs := newTestServer(t, nil)
		got := make(chan Handshake, 1)
		srv.OnConnection(func(s *Socket) { got <- s.Handshake() })
		p := dialPeer(t, hs, text)
		reply := p.connect("/", map[string]any{"name": "ada", "n": -3})
		if reply.Type != sioparser.Connect {
			t.Fatalf("reply type %d, want CONNECT", reply.Type)
		}
		var body struct {
			Sid string `msgpack:"sid"`
		}
		if err := msgpackUnmarshal(reply.Data, &body); err != nil || len(body.Sid) != 20 {
			t.Fatalf("connect reply %s: sid %q err %v", generic(t, reply.Data), body.Sid, err)
		}
		hsk := <-got
		if hsk.Auth["name"] != "ada" {
			t.Fatalf("auth %v", hsk.Auth)
		}
	})
}

func TestMiddlewareRefusalCarriesData(t *testing.T) {
	forParsers(t, func(t *testing.T, text bool) {
		srv, hs := newTestServer(t, nil)
		srv.Use(func(s *Socket) error {
			if s.Handshake().Auth["token"] != "good" {
				return &ConnectError{Message: "unauthorized", Data: map[string]any{"retry": false}}
			}
			return nil
		})
		p := dialPeer(t, hs, text)
		reply := p.connect("/", map[string]any{"token": "bad"})
		if reply.Type != sioparser.ConnectError {
			t.Fatalf("type %d", reply.Type)
		}
		if g := generic(t, reply.Data); g != `{"data":{"retry":false},"message":"unauthorized"}` {
			t.Fatalf("connect error %s", g)
		}
		// The connection stays usable for another try.
		if r := p.connect("/", map[string]any{"token": "good"}); r.Type != sioparser.Connect {
			t.Fatalf("second try type %d", r.Type)
		}
	})
}

// TestConnectReplyBytes pins the data of CONNECT and CONNECT_ERROR byte for byte: keys in the
// reference's order (message before data), and a Data that is false still sent.
func TestConnectReplyBytes(t *testing.T) {
	forParsers(t, func(t *testing.T, text bool) {
		srv, hs := newTestServer(t, nil)
		srv.Use(func(s *Socket) error {
			switch s.Handshake().Auth["refuse"] {
			case "false":
				return &ConnectError{Message: "no", Data: false}
			case "nested":
				return &ConnectError{Message: "no", Data: map[string]any{"n": 1}}
			case "plain":
				return errors.New("plain")
			}
			return nil
		})
		p := dialPeer(t, hs, text)
		str := func(s string) []byte { return append([]byte{0xa0 | byte(len(s))}, s...) }
		cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
		for _, tc := range []struct {
			refuse string
			want   []byte
		}{
			{"false", cat([]byte{0x82}, str("message"), str("no"), str("data"), []byte{0xc2})},
			{"nested", cat([]byte{0x82}, str("message"), str("no"), str("data"), []byte{0x81}, str("n"), []byte{0x01})},
			{"plain", cat([]byte{0x81}, str("message"), str("plain"))},
		} {
			r := p.connect("/", map[string]any{"refuse": tc.refuse})
			if r.Type != sioparser.ConnectError || !bytes.Equal(r.Data, tc.want) {
				t.Errorf("%s: reply %d %x, want %x", tc.refuse, r.Type, r.Data, tc.want)
			}
		}
		r := p.connect("/", nil)
		if prefix := cat([]byte{0x81}, str("sid"), []byte{0xa0 | 20}); r.Type != sioparser.Connect ||
			len(r.Data) != len(prefix)+20 || !bytes.HasPrefix(r.Data, prefix) {
			t.Errorf("connect reply %d %x", r.Type, r.Data)
		}
	})
}

func TestUnknownAndDynamicNamespaces(t *testing.T) {
	srv, hs := newTestServer(t, nil)
	joined := make(chan string, 4)
	dyn := srv.OfFunc(func(name string, _ Auth) bool { return len(name) > 5 && name[:5] == "/dyn-" })
	dyn.OnConnection(func(s *Socket) { joined <- s.Namespace().Name() })
	p := dialPeer(t, hs, false)
	if r := p.connect("/nope", nil); r.Type != sioparser.ConnectError || generic(t, r.Data) != `{"message":"Invalid namespace"}` {
		t.Fatalf("unknown namespace reply %d %s", r.Type, generic(t, r.Data))
	}
	if r := p.connect("/dyn-42", nil); r.Type != sioparser.Connect {
		t.Fatalf("dynamic reply type %d", r.Type)
	}
	if n := <-joined; n != "/dyn-42" {
		t.Fatalf("joined %q", n)
	}
	if err := dyn.Emit("hello", 1); err != nil {
		t.Fatal(err)
	}
	if pkt := p.mustNext(); pkt.Namespace != "/dyn-42" || generic(t, pkt.Data) != `["hello",1]` {
		t.Fatalf("parent emit arrived as %q %s", pkt.Namespace, generic(t, pkt.Data))
	}
}

func TestEventsAndAcksBothWays(t *testing.T) {
	forParsers(t, func(t *testing.T, text bool) {
		srv, hs := newTestServer(t, nil)
		ackResult := make(chan string, 2)
		srv.OnConnection(func(s *Socket) {
			s.On("echo", func(s *Socket, args Args, ack Ack) {
				if ack != nil {
					ack(args.AsAny()...)
					if err := ack(1); !errors.Is(err, ErrAckUsed) {
						t.Errorf("second ack: %v", err)
					}
					return
				}
				s.Emit("echo-back", args.AsAny()...)
			})
			s.On("ask", func(s *Socket, args Args, ack Ack) {
				s.Timeout(200*time.Millisecond).EmitWithAck("question", func(a Args, err error) {
					if err != nil {
						ackResult <- err.Error()
						return
					}
					ackResult <- generic(t, a.Raw(0))
				}, "q")
			})
		})
		p := dialPeer(t, hs, text)
		p.connect("/", nil)
		val := map[string]any{"f": 0.5, "neg": -7, "s": "héllo 🎮", "bin": []byte{0, 1, 255}, "nested": []any{map[string]any{"a": true}}}
		p.emit("/", nil, "echo", val)
		if pkt := p.mustNext(); pkt.Type != sioparser.Event || generic(t, pkt.Data) != generic(t, mp(t, []any{"echo-back", val})) {
			t.Fatalf("echo-back %s", generic(t, pkt.Data))
		}
		p.emit("/", u64(7), "echo", "x", 2)
		if pkt := p.mustNext(); pkt.Type != sioparser.Ack || pkt.ID != 7 || generic(t, pkt.Data) != `["x",2]` {
			t.Fatalf("ack %d id %d %s", pkt.Type, pkt.ID, generic(t, pkt.Data))
		}
		// Server-sent ack request, answered.
		p.emit("/", nil, "ask")
		q := p.mustNext()
		if !q.HasID || generic(t, q.Data) != `["question","q"]` {
			t.Fatalf("question %s", generic(t, q.Data))
		}
		p.send(sioparser.Packet{Type: sioparser.Ack, Namespace: "/", ID: q.ID, HasID: true, Data: mp(t, []any{"answer"})})
		if r := <-ackResult; r != `"answer"` {
			t.Fatalf("ack result %s", r)
		}
		// Unanswered: times out.
		p.emit("/", nil, "ask")
		p.mustNext()
		if r := <-ackResult; r != ErrAckTimeout.Error() {
			t.Fatalf("ack result %s", r)
		}
	})
}

func TestRoomsBroadcastExcept(t *testing.T) {
	srv, hs := newTestServer(t, nil)
	socks := make(chan *Socket, 3)
	srv.OnConnection(func(s *Socket) { socks <- s })
	var peers []*peer
	var ss []*Socket
	for i := 0; i < 3; i++ {
		p := dialPeer(t, hs, i == 2)
		p.connect("/", nil)
		peers = append(peers, p)
		ss = append(ss, <-socks)
	}
	ss[0].Join("red")
	ss[1].Join("red", "blue")
	ss[2].Join("red")
	if err := srv.To("red").Except("blue").Emit("hi", "red"); err != nil {
		t.Fatal(err)
	}
	ss[0].Broadcast().Emit("from0") // everyone but 0
	want := [][]string{{`["hi","red"]`}, {`["from0"]`}, {`["hi","red"]`, `["from0"]`}}
	for i, p := range peers {
		for _, w := range want[i] {
			if g := generic(t, p.mustNext().Data); g != w {
				t.Fatalf("peer %d got %s, want %s", i, g, w)
			}
		}
		if pkt, ok := p.next(100 * time.Millisecond); ok {
			t.Fatalf("peer %d got extra %s", i, generic(t, pkt.Data))
		}
	}
}

func TestDisconnectReasons(t *testing.T) {
	srv, hs := newTestServer(t, nil)
	rs := newReasons()
	socks := make(chan *Socket, 4)
	srv.OnConnection(func(s *Socket) { rs.track(s); socks <- s })

	p := dialPeer(t, hs, false)
	p.connect("/", nil)
	<-socks
	p.send(sioparser.Packet{Type: sioparser.Disconnect, Namespace: "/"})
	if r := rs.wait(t); r != ReasonClientNamespaceDisconnect {
		t.Fatalf("client disconnect reason %q", r)
	}

	p2 := dialPeer(t, hs, false)
	p2.connect("/", nil)
	s := <-socks
	s.Disconnect(false)
	if pkt := p2.mustNext(); pkt.Type != sioparser.Disconnect {
		t.Fatalf("client got type %d, want DISCONNECT", pkt.Type)
	}
	if r := rs.wait(t); r != ReasonServerNamespaceDisconnect {
		t.Fatalf("server disconnect reason %q", r)
	}

	p3 := dialPeer(t, hs, false)
	p3.connect("/", nil)
	<-socks
	p3.ws.Close()
	if r := rs.wait(t); r != ReasonTransportClose {
		t.Fatalf("transport close reason %q", r)
	}
}

func TestDisconnectingSeesRooms(t *testing.T) {
	srv, hs := newTestServer(t, nil)
	got := make(chan int, 1)
	srv.OnConnection(func(s *Socket) {
		s.Join("a", "b")
		s.OnDisconnecting(func(string) { got <- len(s.Rooms()) })
	})
	p := dialPeer(t, hs, false)
	p.connect("/", nil)
	time.Sleep(50 * time.Millisecond)
	p.ws.Close()
	if n := <-got; n != 3 { // own id room + a + b
		t.Fatalf("rooms while disconnecting: %d", n)
	}
}

// TestBadInputClosesOnlyThatConnection sends what no correct client sends;
// each case gets the reference answer and a bystander keeps working.
func TestBadInputClosesOnlyThatConnection(t *testing.T) {
	srv, hs := newTestServer(t, nil)
	srv.OnConnection(func(s *Socket) {
		s.On("echo", func(s *Socket, a Args, ack Ack) { s.Emit("echo-back", a.AsAny()...) })
	})
	bystander := dialPeer(t, hs, false)
	bystander.connect("/", nil)
	cases := []struct {
		name      string
		text      bool
		do        func(p *peer)
		wantClose bool
	}{
		{"garbage binary frame", false, func(p *peer) { p.raw(2, []byte{0xc1, 0xff, 0x00}) }, true},
		{"msgpack not a map", false, func(p *peer) { p.raw(2, []byte{0x93, 1, 2, 3}) }, true},
		{"text frame on msgpack connection", false, func(p *peer) { p.connect("/", nil); p.raw(1, []byte(`42["echo"]`)) }, true},
		{"garbage text packet", true, func(p *peer) { p.raw(1, []byte(`4zzz`)) }, true},
		{"event before connect", false, func(p *peer) { p.emit("/", nil, "echo") }, true},
		{"event for namespace not joined", false, func(p *peer) { p.connect("/", nil); p.emit("/other", nil, "echo") }, true},
		{"duplicate connect", false, func(p *peer) { p.connect("/", nil); p.send(sioparser.Packet{Type: sioparser.Connect, Namespace: "/"}) }, true},
		{"reserved event name", false, func(p *peer) { p.connect("/", nil); p.raw(2, reservedEventFrame(t)) }, true},
		{"reserved event name text", true, func(p *peer) { p.connect("/", nil); p.raw(1, []byte(`42["disconnect"]`)) }, true},
		{"event name not a string", true, func(p *peer) { p.connect("/", nil); p.raw(1, []byte(`42[1,2]`)) }, true},
		{"unknown ack id is ignored", false, func(p *peer) {
			p.connect("/", nil)
			p.send(sioparser.Packet{Type: sioparser.Ack, Namespace: "/", ID: 999, HasID: true, Data: mp(t, []any{})})
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := dialPeer(t, hs, tc.text)
			tc.do(p)
			if got := p.closed(time.Second); got != tc.wantClose {
				t.Fatalf("closed = %v, want %v", got, tc.wantClose)
			}
			bystander.emit("/", nil, "echo", tc.name)
			if g := generic(t, bystander.mustNext().Data); g != generic(t, mp(t, []any{"echo-back", tc.name})) {
				t.Fatalf("bystander got %s", g)
			}
		})
	}
}

func reservedEventFrame(t *testing.T) []byte {
	// Built by hand: the encoder refuses reserved names.
	return mp(t, map[string]any{"type": 2, "nsp": "/", "data": []any{"connect"}})
}

func TestConnectTimeout(t *testing.T) {
	cfg := DefaultConfig()
	cfg.ConnectTimeout = 100 * time.Millisecond
	_, hs := newTestServer(t, &cfg)
	p := dialPeer(t, hs, false)
	if !p.closed(2 * time.Second) {
		t.Fatal("connection without a namespace was not closed")
	}
}

func TestEmitReservedNameRefused(t *testing.T) {
	srv, _ := newTestServer(t, nil)
	if err := srv.Emit("connect"); !errors.Is(err, ErrReservedEvent) {
		t.Fatalf("err %v", err)
	}
}

func TestEmitLatestReplacesAndReports(t *testing.T) {
	forParsers(t, func(t *testing.T, text bool) {
		srv, hs := newTestServer(t, nil)
		socks := make(chan *Socket, 1)
		srv.OnConnection(func(s *Socket) { socks <- s })
		p := dialPeer(t, hs, text)
		p.connect("/", nil)
		s := <-socks
		written := make(chan string, 2)
		if err := s.EmitLatest("state", nil, func() { written <- "s1" }, map[string]any{"t": 1}); err != nil {
			t.Fatal(err)
		}
		if g := generic(t, p.mustNext().Data); g != `["state",{"t":1}]` {
			t.Fatalf("got %s", g)
		}
		if w := <-written; w != "s1" {
			t.Fatal(w)
		}
		if err := s.EmitLatest("connect", nil, nil); !errors.Is(err, ErrReservedEvent) {
			t.Fatalf("reserved: %v", err)
		}
	})
}

// offerHooks records the writes OfferLatest reports.
type offerHooks struct{ written chan uint64 }

func (h offerHooks) LatestValid(tag engineio.LatestTag) bool { return tag.B == 0 }
func (h offerHooks) LatestWritten(tag engineio.LatestTag)    { h.written <- tag.A }

// TestOfferLatest: an event with one canonical argument reaches msgpack and text peers alike,
// its write is reported with its tag, one its hooks refuse is dropped, and the caller's
// buffer is its own again when OfferLatest returns.
func TestOfferLatest(t *testing.T) {
	forParsers(t, func(t *testing.T, text bool) {
		srv, hs := newTestServer(t, nil)
		socks := make(chan *Socket, 1)
		srv.OnConnection(func(s *Socket) { socks <- s })
		p := dialPeer(t, hs, text)
		p.connect("/", nil)
		s := <-socks
		h := offerHooks{written: make(chan uint64, 4)}
		arg, err := sioparser.EncodeValue(map[string]any{"t": 1})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.OfferLatest("state", arg, h, engineio.LatestTag{A: 1}); err != nil {
			t.Fatal(err)
		}
		nine, _ := sioparser.EncodeValue(map[string]any{"t": 9})
		copy(arg, nine) // the caller's buffer again: what was offered does not change
		if g := generic(t, p.mustNext().Data); g != `["state",{"t":1}]` {
			t.Fatalf("got %s", g)
		}
		if w := <-h.written; w != 1 {
			t.Fatalf("reported %d, want 1", w)
		}
		if err := s.OfferLatest("state", arg, h, engineio.LatestTag{A: 2, B: 1}); err != nil { // refused
			t.Fatal(err)
		}
		arg, _ = sioparser.EncodeValue(map[string]any{"t": 3})
		if err := s.OfferLatest("state", arg, h, engineio.LatestTag{A: 3}); err != nil {
			t.Fatal(err)
		}
		if g := generic(t, p.mustNext().Data); g != `["state",{"t":3}]` {
			t.Fatalf("got %s", g)
		}
		if w := <-h.written; w != 3 {
			t.Fatalf("reported %d, want 3", w)
		}
		if err := s.OfferLatest("connect", arg, h, engineio.LatestTag{}); !errors.Is(err, ErrReservedEvent) {
			t.Fatalf("reserved: %v", err)
		}
	})
}

// TestHandlerReplacedAfterUse: On for an event already received replaces its handler (the
// socket remembers the last handler it looked up), also when the first had none; events of
// a namespace left and joined again reach the new socket.
func TestHandlerReplacedAfterUse(t *testing.T) {
	srv, hs := newTestServer(t, nil)
	srv.OnConnection(func(s *Socket) {
		s.On("tick", func(s *Socket, args Args, _ Ack) {
			s.Emit("got", "first")
			s.On("tick", func(s *Socket, args Args, _ Ack) { s.Emit("got", "second") })
		})
		s.On("arm", func(s *Socket, args Args, _ Ack) {
			s.On("late", func(s *Socket, args Args, _ Ack) { s.Emit("got", "late") })
			s.Emit("got", "armed")
		})
	})
	p := dialPeer(t, hs, false)
	p.connect("/", nil)
	want := func(v string) {
		t.Helper()
		if pkt := p.mustNext(); generic(t, pkt.Data) != `["got","`+v+`"]` {
			t.Fatalf("got %s, want %s", generic(t, pkt.Data), v)
		}
	}
	p.emit("/", nil, "tick")
	want("first")
	p.emit("/", nil, "tick")
	want("second")
	p.emit("/", nil, "late") // no handler yet: nothing
	p.emit("/", nil, "arm")
	want("armed")
	p.emit("/", nil, "late")
	want("late")
	// Leave the namespace and join it again: the new socket gets the events.
	p.send(sioparser.Packet{Type: sioparser.Disconnect, Namespace: "/"})
	p.connect("/", nil)
	p.emit("/", nil, "tick")
	want("first")
}
