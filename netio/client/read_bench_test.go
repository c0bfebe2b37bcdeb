package client

import (
	"bytes"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// BenchmarkReadSnapshot: one snapshot event (an 80-byte binary argument, as cmd/gamebot's)
// read by an idle WebSocket client: the server writes it a moment after the previous one was
// handled, so that every frame finds the reader waiting, as a bot's 20 a second do. The wall
// time per op is mostly that moment. cpu-ns/op is the
// process's CPU time per snapshot (getrusage): the client's wake-up, reads, decode and
// handler, and the in-process server's write and the hand-offs between them, which are the
// same for any client.
func BenchmarkReadSnapshot(b *testing.B) {
	event := append([]byte("\x83\xa4type\x02\xa4data\x92\xa8snapshot\xc4\x50"), bytes.Repeat([]byte{7}, 80)...)
	event = append(event, "\xa3nsp\xa1/"...)
	next := make(chan struct{})
	srv := fakeServer(b, 60000, func(ws *websocket.Conn) {
		go readAll(ws)
		for range next {
			if err := ws.WriteMessage(websocket.BinaryMessage, event); err != nil {
				return
			}
		}
	})
	handled := make(chan struct{}, 1)
	dialWSParser(b, srv.URL, 64, ParserMsgpack, func(s *Socket) {
		s.On("snapshot", func(args Args, _ Ack) {
			if len(args.Raw(0)) == 82 { // bin 8 header and the 80 bytes
				handled <- struct{}{}
			}
		})
	})
	b.Cleanup(func() { close(next) })
	b.ReportAllocs()
	start := processCPU()
	for b.Loop() {
		next <- struct{}{}
		<-handled // (a timer here would count its allocations)
		// An idle connection before the next one, as a bot's between snapshots: the reader
		// waits for the socket again.
		time.Sleep(200 * time.Microsecond)
	}
	b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
}
