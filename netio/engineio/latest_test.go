package engineio

import (
	"encoding/binary"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func numbered(i int, size int) Message {
	b := make([]byte, size)
	binary.BigEndian.PutUint32(b, uint32(i))
	return Message{Binary: true, Data: b}
}

func TestSendLatestWebSocket(t *testing.T) {
	e := newEnv(t, nil)
	c, _, h := e.dialWS()
	written := make(chan int, 4)
	if err := h.s.SendLatest([]Message{{Data: []byte("state-1")}}, nil, func() { written <- 1 }); err != nil {
		t.Fatal(err)
	}
	if _, data := readWSSkipPings(t, c); string(data) != "4state-1" {
		t.Fatalf("got %q", data)
	}
	if <-written != 1 {
		t.Fatal("written not reported")
	}
	// An invalid group is dropped and never reported; the next valid one goes out.
	h.s.SendLatest([]Message{{Data: []byte("stale")}}, func() bool { return false }, func() { written <- 2 })
	h.s.Send(Message{Data: []byte("reliable")})
	h.s.SendLatest([]Message{{Data: []byte("state-3")}}, func() bool { return true }, func() { written <- 3 })
	var got []string
	for len(got) < 2 {
		_, data := readWSSkipPings(t, c)
		got = append(got, string(data))
	}
	if strings.Join(got, ",") != "4reliable,4state-3" { // what was queued first goes first
		t.Fatalf("got %v", got)
	}
	if w := <-written; w != 3 {
		t.Fatalf("written reported for %d", w)
	}
}

// TestOfferLatestAfterQueuedEvent: a message queued with Send before an offer reaches the
// client before it, whether the offer is written directly or by the writer.
func TestOfferLatestAfterQueuedEvent(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.PingInterval = time.Minute })
	c, _, h := e.dialWS()
	h.echo = false
	const n = 300
	go func() {
		for i := 1; i <= n; i++ {
			h.s.Send(Message{Data: []byte(strconv.Itoa(i))})
			h.s.OfferLatest(numbered(i, 8), nil, LatestTag{A: uint64(i)})
			if i%2 == 0 {
				time.Sleep(time.Millisecond) // let the writer go idle now and then: direct writes
			}
		}
	}()
	lastEvent := 0
	for {
		mt, data := readWSSkipPings(t, c)
		if mt == websocket.TextMessage {
			if lastEvent, _ = strconv.Atoi(string(data[1:])); lastEvent == 0 {
				t.Fatalf("got %q", data)
			}
			continue
		}
		state := int(binary.BigEndian.Uint32(data))
		if state > lastEvent {
			t.Fatalf("state %d arrived before event %d", state, state)
		}
		if state == n {
			break
		}
	}
	t.Logf("%d direct writes", e.srv.traffic.latestDirect.Load())
}

// TestSendLatestBackedUpLink: a client stops reading while the server offers
// 2,000 states; when it reads again it gets a handful, the newest last,
// instead of a backlog.
func TestSendLatestBackedUpLink(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.WebSocketSendBuffer = 4096 })
	c, h := e.dialWSReadBuffer(4096)
	readWS(t, c) // open
	const offers = 2000
	var nWritten atomic.Int64
	for i := 0; i < offers; i++ {
		if err := h.s.SendLatest([]Message{numbered(i, 1000)}, nil, func() { nWritten.Add(1) }); err != nil {
			t.Fatal(err)
		}
		if i%50 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	time.Sleep(100 * time.Millisecond) // the writer settles on the newest offer
	received, last := 0, -1
	for last != offers-1 {
		mt, data := readWSSkipPings(t, c)
		if mt != websocket.BinaryMessage {
			continue
		}
		n := int(binary.BigEndian.Uint32(data))
		if n <= last {
			t.Fatalf("state %d after %d", n, last)
		}
		last = n
		received++
	}
	t.Logf("%d of %d offered states delivered; %d reported written", received, offers, nWritten.Load())
	if received > offers/10 {
		t.Fatalf("%d of %d states delivered: a backlog, not latest-wins", received, offers)
	}
	waitFor(t, "written count", func() bool { return nWritten.Load() == int64(received) })
}

func TestSendLatestPolling(t *testing.T) {
	e := newEnv(t, nil)
	sid, h := e.handshake()
	var written atomic.Int32
	h.s.SendLatest([]Message{{Data: []byte("old")}}, nil, func() { written.Add(100) })
	h.s.Send(Message{Data: []byte("event")})
	h.s.SendLatest([]Message{{Data: []byte("new")}}, nil, func() { written.Add(1) })
	if code, body := e.get(sid); code != 200 || body != "4event\x1e4new" {
		t.Fatalf("%d %q", code, body)
	}
	if written.Load() != 1 {
		t.Fatalf("written = %d", written.Load())
	}
	h.s.Close("done")
	if err := h.s.SendLatest([]Message{{Data: []byte("late")}}, nil, nil); err != ErrClosed {
		t.Fatalf("after close: %v", err)
	}
}
