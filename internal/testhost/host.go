package testhost

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/netio/socketio"
	"github.com/tickroom/tickroom/rooms/lobby"
)

// ShutdownTimeout is how long the host may take to shut down when the test ends before the
// test fails.
const ShutdownTimeout = 10 * time.Second

// Start registers modes in cfg (nil is lobby.DefaultConfig()), runs a lobby.Host with it behind
// a Socket.IO server on an httptest server on 127.0.0.1, and returns the host and the server's
// URL. When the test ends the host must shut down within ShutdownTimeout, or the test fails;
// then the Socket.IO and HTTP servers close. A cleanup the test registers after Start runs
// before that shutdown (such as releasing a mode that blocks).
func Start(tb testing.TB, cfg *lobby.Config, modes ...game.Mode) (*lobby.Host, string) {
	tb.Helper()
	return StartWith(tb, cfg, nil, modes...)
}

// StartWith is Start with other routes beside Socket.IO's /socket.io/: other (when not nil)
// serves every other path.
func StartWith(tb testing.TB, cfg *lobby.Config, other http.Handler, modes ...game.Mode) (*lobby.Host, string) {
	tb.Helper()
	if cfg == nil {
		c := lobby.DefaultConfig()
		cfg = &c
	}
	for _, m := range modes {
		if err := cfg.Modes.Register(m); err != nil {
			tb.Fatalf("testhost: register %s: %v", m.Name(), err)
		}
	}
	host, err := lobby.NewHost(cfg)
	if err != nil {
		tb.Fatalf("testhost: %v", err)
	}
	sio, err := socketio.NewServer(nil)
	if err != nil {
		tb.Fatalf("testhost: %v", err)
	}
	host.Attach(sio.Of("/"))
	var handler http.Handler = sio
	if other != nil {
		mux := http.NewServeMux()
		mux.Handle("/socket.io/", sio)
		mux.Handle("/", other)
		handler = mux
	}
	hs := httptest.NewServer(handler)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
		defer cancel()
		if err := host.Shutdown(ctx); err != nil {
			tb.Errorf("testhost: the host did not shut down within %v: %v", ShutdownTimeout, err)
		}
		sio.Close()
		hs.Close()
	})
	return host, hs.URL
}
