package bench

import (
	"strings"
	"testing"

	"github.com/tickroom/tickroom/netio/sioparser"
	"github.com/vmihailenco/msgpack/v5"
)

// TestBroadcastPacketSize pins the benchmark's event at 100 bytes on the
// wire (the msgpack Socket.IO packet, before WebSocket framing).
func TestBroadcastPacketSize(t *testing.T) {
	data, err := msgpack.Marshal([]any{"e", strings.Repeat("x", 77)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := sioparser.EncodeMsgpack(&sioparser.Packet{Type: sioparser.Event, Namespace: "/", Data: data})
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 100 {
		t.Fatalf("packet is %d bytes, want 100", len(b))
	}
}
