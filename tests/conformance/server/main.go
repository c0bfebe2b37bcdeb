// Command server is tickroom's server for the published Engine.IO and Socket.IO protocol test
// suites (socketio/engine.io-protocol and socketio/socket.io-protocol, their test-suite/
// directories), configured as those suites expect: pingInterval 300ms, pingTimeout 200ms,
// maxPayload 1000000, connectTimeout 1000ms, CORS origin "*".
//
//   - /engine.io/: a raw Engine.IO server that sends every message straight back, text or binary.
//   - /socket.io/: a Socket.IO server (default text parser or msgpack, chosen per connection).
//     On connection to "/" it emits "auth" with the handshake auth; "message" is answered by
//     "message-back" with the same arguments; "message-with-ack" is acked with the same
//     arguments. Namespace "/custom" only emits "auth". Other namespaces are refused.
//
// It listens on 127.0.0.1:3000 by default (the suites use localhost:3000) and prints
// "LISTEN http://host:port" once it accepts connections. SIGINT or SIGTERM stops it.
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/tickroom/tickroom/internal/testproc"
	"github.com/tickroom/tickroom/netio/engineio"
	"github.com/tickroom/tickroom/netio/socketio"
)

// The suites' configuration.
const (
	pingInterval   = 300 * time.Millisecond
	pingTimeout    = 200 * time.Millisecond
	maxPayload     = 1000000
	connectTimeout = 1000 * time.Millisecond
)

func main() {
	addr := flag.String("addr", "127.0.0.1:3000", "listen address")
	verbose := flag.Bool("v", false, "debug logging to stderr")
	flag.Parse()

	logger := testproc.Logger(*verbose)
	eio, err := newEchoServer(logger)
	if err != nil {
		fatal(err)
	}
	sio, err := newSocketIOServer(logger)
	if err != nil {
		fatal(err)
	}
	if err := testproc.Serve(*addr, map[string]testproc.Handler{"/engine.io/": eio, "/socket.io/": sio}); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "conformance server:", err)
	os.Exit(1)
}

func engineConfig(path string, logger *slog.Logger) engineio.Config {
	cfg := engineio.DefaultConfig()
	cfg.Path = path
	cfg.PingInterval = pingInterval
	cfg.PingTimeout = pingTimeout
	cfg.MaxHTTPBufferSize = maxPayload
	cfg.CORS = &engineio.CORSConfig{Origins: []string{"*"}}
	cfg.Logger = logger
	return cfg
}

// echo sends every message of its session straight back.
type echo struct{ sess *engineio.Session }

func (e echo) OnMessage(m engineio.Message) { _ = e.sess.Send(m) }

func (e echo) OnClose(string, error) {}

func newEchoServer(logger *slog.Logger) (*engineio.Server, error) {
	cfg := engineConfig("/engine.io/", logger)
	return engineio.NewServer(&cfg, func(s *engineio.Session) { s.SetHandler(echo{sess: s}) })
}

func newSocketIOServer(logger *slog.Logger) (*socketio.Server, error) {
	cfg := socketio.DefaultConfig()
	cfg.Engine = engineConfig("/socket.io/", logger)
	cfg.ConnectTimeout = connectTimeout
	cfg.Logger = logger
	srv, err := socketio.NewServer(&cfg)
	if err != nil {
		return nil, err
	}
	srv.Of("/").OnConnection(func(s *socketio.Socket) {
		s.On("message", func(s *socketio.Socket, args socketio.Args, _ socketio.Ack) {
			_ = s.Emit("message-back", args.AsAny()...)
		})
		s.On("message-with-ack", func(s *socketio.Socket, args socketio.Args, ack socketio.Ack) {
			if ack != nil {
				_ = ack(args.AsAny()...)
			}
		})
		emitAuth(s)
	})
	srv.Of("/custom").OnConnection(emitAuth)
	return srv, nil
}

// emitAuth emits "auth" a few milliseconds after the connection handler.
//
// Why the wait: the published suite reads the CONNECT reply and then attaches
// a fresh one-shot listener for the next frame, and its pinned ws 8.5.0
// client emits every frame of one TCP read synchronously, before that
// listener exists. The Node reference sends its second frame only after the
// first write's callback, an event-loop turn later, so the frames land in
// separate reads; this server writes them microseconds apart and they arrive
// in one read, where the suite drops the second. Real clients (socket.io-client)
// keep their listeners and see both either way (tests/interop).
func emitAuth(s *socketio.Socket) {
	auth := s.Handshake().Auth
	time.AfterFunc(5*time.Millisecond, func() { _ = s.Emit("auth", auth) })
}
