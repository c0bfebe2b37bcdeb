package client

import (
	"bytes"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/tickroom/tickroom/netio/sioparser"
)

// TestCanonicalEventBytes: the bytes emitID writes in one go for an event of canonical
// arguments are the parser's for the same event.
func TestCanonicalEventBytes(t *testing.T) {
	input := sioparser.Canonical([]byte("\x83\xa3seq\x07\xa1x\xcb\x3f\xe0\x00\x00\x00\x00\x00\x00\xa1y\x00"))
	for _, tc := range []struct {
		nsp, event string
		args       []any
	}{
		{"/", "input", []any{input}},
		{"/admin", "input", []any{input, sioparser.Canonical([]byte{0x01})}},
		{"/", "e", []any{sioparser.Canonical([]byte{0xc0})}},
	} {
		got, ok := sioparser.AppendCanonicalEvent(nil, tc.nsp, tc.event, tc.args)
		if !ok {
			t.Fatalf("%+v: not written in one go", tc)
		}
		data, err := sioparser.EncodeArgs(tc.event, tc.args)
		if err != nil {
			t.Fatal(err)
		}
		want, err := sioparser.EncodeMsgpack(&sioparser.Packet{Type: sioparser.Event, Namespace: tc.nsp, Data: data})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%+v:\n%x\nwant\n%x", tc, got, want)
		}
	}
}

// BenchmarkEmitInput: one bot input (a canonical map) emitted on an idle WebSocket, as
// cmd/gamebot sends it 20 times a second per bot, with Emit and with EmitCanonical (the
// argument not boxed). The wall time per op is mostly the sleep that lets the connection go
// idle between inputs; cpu-ns/op is the process's CPU time per input (getrusage: the client's
// emit and write, and the in-process server's read).
func BenchmarkEmitInput(b *testing.B) {
	input := sioparser.Canonical([]byte("\x83\xa3seq\x07\xa1x\xcb\x3f\xe0\x00\x00\x00\x00\x00\x00\xa1y\xcb\x3f\xe0\x00\x00\x00\x00\x00\x00"))
	for _, bc := range []struct {
		name string
		emit func(s *Socket) error
	}{
		{"Emit", func(s *Socket) error { return s.Emit("input", input) }},
		{"EmitCanonical", func(s *Socket) error { return s.EmitCanonical("input", input) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := dialWS(b, fakeServer(b, 60000, readAll).URL, 64)
			b.ReportAllocs()
			start := processCPU()
			for b.Loop() {
				if err := bc.emit(s); err != nil {
					b.Fatal(err)
				}
				// An idle connection between inputs, as a bot's is: the writer, if any, is done.
				time.Sleep(200 * time.Microsecond)
			}
			b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
		})
	}
}

// TestEmitCanonicalTextParser: with the text parser EmitCanonical takes the parser's path
// (no msgpack frame written in one go) and the server reads the argument as Emit's.
func TestEmitCanonicalTextParser(t *testing.T) {
	got := make(chan sioparser.Packet, 1)
	srv := fakeServerParser(t, 60000, ParserText, func(ws *websocket.Conn) {
		_, data, err := ws.ReadMessage()
		if err != nil || len(data) == 0 || data[0] != '4' {
			t.Errorf("not an Engine.IO message: %q, %v", data, err)
			return
		}
		var dec sioparser.TextDecoder
		p, done, err := dec.AddText(string(data[1:]))
		if err != nil || !done {
			t.Errorf("%q: %v", data, err)
			return
		}
		got <- p
		readAll(ws)
	})
	s := dialWSParser(t, srv.URL, 64, ParserText, nil)
	// {"x": 0.5} as canonical msgpack
	if err := s.EmitCanonical("input", sioparser.Canonical("\x81\xa1x\xcb\x3f\xe0\x00\x00\x00\x00\x00\x00")); err != nil {
		t.Fatal(err)
	}
	var p sioparser.Packet
	select {
	case p = <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("no event")
	}
	name, _, err := sioparser.EventName(p.Data)
	args, err2 := sioparser.SplitArgs(p.Data, 1)
	var v struct {
		X float64 `msgpack:"x"`
	}
	if err != nil || err2 != nil || name != "input" || args.Len() != 1 || args.Decode(0, &v) != nil || v.X != 0.5 {
		t.Fatalf("event %q with %d arguments, x %v (%v, %v)", name, args.Len(), v.X, err, err2)
	}
}
