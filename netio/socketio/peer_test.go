package socketio

import (
	"encoding/json"
	"errors"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/tickroom/tickroom/netio/sioparser"
	"github.com/vmihailenco/msgpack/v5"
)

// peer is a minimal raw WebSocket Socket.IO client for in-package tests. It
// speaks the msgpack parser unless text is set. The npm client is tested
// against the server in tests/interop; this one lets tests send packets no
// well-behaved client would.
type peer struct {
	t    testing.TB
	ws   *websocket.Conn
	text bool
	dec  sioparser.TextDecoder
}

func newTestServer(t testing.TB, cfg *Config) (*Server, *httptest.Server) {
	t.Helper()
	if cfg == nil {
		c := DefaultConfig()
		cfg = &c
	}
	srv, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { srv.Close(); hs.Close() })
	return srv, hs
}

func dialPeer(t testing.TB, hs *httptest.Server, text bool) *peer {
	t.Helper()
	url := "ws" + strings.TrimPrefix(hs.URL, "http") + "/socket.io/?EIO=4&transport=websocket"
	ws, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	p := &peer{t: t, ws: ws, text: text}
	mt, b, err := ws.ReadMessage()
	if err != nil || mt != websocket.TextMessage || len(b) == 0 || b[0] != '0' {
		t.Fatalf("open packet: %v %q", err, b)
	}
	return p
}

// send writes one Socket.IO packet.
func (p *peer) send(pkt sioparser.Packet) {
	p.t.Helper()
	if p.text {
		s, atts, err := sioparser.EncodeText(&pkt)
		if err != nil {
			p.t.Fatal(err)
		}
		p.raw(websocket.TextMessage, []byte("4"+s))
		for _, a := range atts {
			p.raw(websocket.BinaryMessage, a)
		}
		return
	}
	b, err := sioparser.EncodeMsgpack(&pkt)
	if err != nil {
		p.t.Fatal(err)
	}
	p.raw(websocket.BinaryMessage, b)
}

func (p *peer) raw(mt int, b []byte) {
	p.t.Helper()
	if err := p.ws.WriteMessage(mt, b); err != nil {
		p.t.Fatal(err)
	}
}

// next reads the next Socket.IO packet, answering pings on the way. It
// returns ok=false when the connection closed.
func (p *peer) next(timeout time.Duration) (sioparser.Packet, bool) {
	p.t.Helper()
	p.ws.SetReadDeadline(time.Now().Add(timeout))
	for {
		mt, b, err := p.ws.ReadMessage()
		if err != nil {
			return sioparser.Packet{}, false
		}
		var (
			pkt  sioparser.Packet
			done bool
		)
		switch {
		case mt == websocket.BinaryMessage && !p.text:
			pkt, err = sioparser.DecodeMsgpack(b)
			done = true
		case mt == websocket.BinaryMessage:
			pkt, done, err = p.dec.AddBinary(b)
		case len(b) > 0 && b[0] == '2':
			p.raw(websocket.TextMessage, []byte("3"))
			continue
		case len(b) > 0 && b[0] == '4':
			pkt, done, err = p.dec.AddText(string(b[1:]))
		case len(b) > 0 && b[0] == '1':
			return sioparser.Packet{}, false
		default:
			continue
		}
		if err != nil {
			p.t.Fatalf("peer decode: %v", err)
		}
		if done {
			return pkt, true
		}
	}
}

func (p *peer) mustNext() sioparser.Packet {
	p.t.Helper()
	pkt, ok := p.next(5 * time.Second)
	if !ok {
		p.t.Fatal("connection closed while waiting for a packet")
	}
	return pkt
}

// connect joins nsp with auth and returns the CONNECT or CONNECT_ERROR reply.
func (p *peer) connect(nsp string, auth any) sioparser.Packet {
	p.t.Helper()
	pkt := sioparser.Packet{Type: sioparser.Connect, Namespace: nsp}
	if auth != nil {
		pkt.Data = mp(p.t, auth)
	}
	p.send(pkt)
	return p.mustNext()
}

func (p *peer) emit(nsp string, id *uint64, args ...any) {
	p.t.Helper()
	pkt := sioparser.Packet{Type: sioparser.Event, Namespace: nsp, Data: mp(p.t, args)}
	if id != nil {
		pkt.ID, pkt.HasID = *id, true
	}
	p.send(pkt)
}

// closed reports whether the server closed the connection within timeout;
// packets that arrive meanwhile are discarded.
func (p *peer) closed(timeout time.Duration) bool {
	p.ws.SetReadDeadline(time.Now().Add(timeout))
	for {
		_, b, err := p.ws.ReadMessage()
		if err != nil {
			var ne net.Error
			return !(errors.As(err, &ne) && ne.Timeout())
		}
		if len(b) == 1 && b[0] == '2' {
			p.raw(websocket.TextMessage, []byte("3"))
		}
	}
}

func mp(t testing.TB, v any) []byte {
	t.Helper()
	b, err := sioparser.EncodeValue(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// generic decodes canonical msgpack into JSON text for easy assertions.
func generic(t testing.TB, b []byte) string {
	t.Helper()
	var v any
	if err := msgpack.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(j)
}

func u64(v uint64) *uint64 { return &v }

func msgpackUnmarshal(b []byte, v any) error { return msgpack.Unmarshal(b, v) }
