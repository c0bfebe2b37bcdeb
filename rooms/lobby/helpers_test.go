package lobby

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/netio/client"
	"github.com/tickroom/tickroom/netio/socketio"
)

// The in-package tests' helpers (internal/testhost imports this package,
// so only the external tests can use it).

// idleSchema is the schema of the test modes that show nothing.
var idleSchema = &game.Schema{Kinds: []game.EntityKind{{Name: "dot", Fields: []game.Field{{Name: "x", Kind: game.KindInt}}}}}

// serveHost runs a host of cfg behind an httptest server on 127.0.0.1.
func serveHost(t *testing.T, cfg *Config) (*Host, string) {
	t.Helper()
	h, err := NewHost(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h, serveAttached(t, h, func(*socketio.Namespace) {})
}

// serveAttached serves h behind an httptest server on 127.0.0.1 after
// attach has added its own handlers to the namespace; the host must shut
// down within 10 s when the test ends.
func serveAttached(t *testing.T, h *Host, attach func(*socketio.Namespace)) string {
	t.Helper()
	sio, err := socketio.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	h.Attach(sio.Of("/"))
	attach(sio.Of("/"))
	hs := httptest.NewServer(sio)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := h.Shutdown(ctx); err != nil {
			t.Errorf("host shutdown: %v", err)
		}
		sio.Close()
		hs.Close()
	})
	return hs.URL
}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// dial connects a WebSocket client without reconnection, closed when the
// test ends.
func dial(t *testing.T, url string) *client.Socket {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	opts := client.DefaultOptions()
	opts.Transport = client.TransportWebSocket
	opts.Reconnection = false
	s, err := client.Dial(ctx, url, map[string]any{"name": "t"}, &opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Manager().Close() })
	return s
}

// answer is a request's ack as a test reads it.
type answer struct {
	OK    bool `msgpack:"ok"`
	Error struct {
		Code string `msgpack:"code"`
	} `msgpack:"error"`
	Rooms []RoomInfo `msgpack:"rooms"`
}

func ask(t *testing.T, s *client.Socket, event string, payload any) answer {
	t.Helper()
	var a answer
	args, err := s.EmitWithAckContext(t.Context(), event, payload)
	if err != nil {
		t.Fatalf("%s: %v", event, err)
	}
	if err := args.Decode(0, &a); err != nil {
		t.Fatalf("%s: decode: %v", event, err)
	}
	return a
}
