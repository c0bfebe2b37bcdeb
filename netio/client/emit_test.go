package client

import (
	"bytes"
	"testing"
	"time"

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
// cmd/gamebot sends it 20 times a second per bot. The wall time per op is mostly the sleep
// that lets the connection go idle between inputs; cpu-ns/op is the process's CPU time per
// input (getrusage: the client's emit and write, and the in-process server's read).
func BenchmarkEmitInput(b *testing.B) {
	s := dialWS(b, fakeServer(b, 60000, readAll).URL, 64)
	input := sioparser.Canonical([]byte("\x83\xa3seq\x07\xa1x\xcb\x3f\xe0\x00\x00\x00\x00\x00\x00\xa1y\xcb\x3f\xe0\x00\x00\x00\x00\x00\x00"))
	b.ReportAllocs()
	start := processCPU()
	for b.Loop() {
		if err := s.Emit("input", input); err != nil {
			b.Fatal(err)
		}
		// An idle connection between inputs, as a bot's is: the writer, if any, is done.
		time.Sleep(200 * time.Microsecond)
	}
	b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
}
