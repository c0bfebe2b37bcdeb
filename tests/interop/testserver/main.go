// Command testserver is the Go Socket.IO server that tests/interop drives with the npm
// socket.io-client. It listens on 127.0.0.1 (port 0 by default), prints "LISTEN http://host:port"
// on stdout once it accepts connections, and stops on SIGINT or SIGTERM.
//
// It serves two Socket.IO servers with the same handlers and one shared disconnect recorder:
//   - /socket.io/ with the heartbeat set by -ping-interval and -ping-timeout;
//   - /fastping/ with the short heartbeat of -fast-ping-interval and -fast-ping-timeout, for the
//     ping timeout scenario (a client there that stops answering pings is dropped quickly).
//
// Both use -max-http-buffer-size. Namespaces: "/", "/custom", and the dynamic namespaces
// matching ^/dyn-\d+$; any other namespace is refused with "Invalid namespace".
//
// Event vocabulary, on every namespace (the "reply" of an event is its ack when the client sent
// one):
//
//	on connection          emit "auth" with the handshake auth object
//	middleware             auth.refuse set: refuse with ConnectError{Message: "refused by middleware",
//	                       Data: {reason: auth.refuse, code: 4242}}
//	"whoami"               reply {id, nsp, auth, rooms, transport}
//	"echo" args...         emit "echo-back" with the same args
//	"echo-ack" args...     reply with the same args
//	"describe" args...     reply with one string per arg naming its msgpack kind as the server holds
//	                       it: nil, bool, int, float, str, bin:<len>, array, map, ext
//	"give-data"            emit "data" with fixedData() and reply with it too
//	"join" rooms...        join the rooms; reply with the socket's rooms
//	"leave" room           leave it; reply with the socket's rooms
//	"broadcast" {to, except, event, args, excludeSelf}
//	                       namespace.To(to...).Except(except...).Emit(event, args...) (the whole
//	                       namespace when to is empty), or the same from the socket (everyone but
//	                       the sender: socket.To / socket.Broadcast) when excludeSelf; reply "ok"
//	"volatile" args...     socket.Volatile().Emit("volatile-back", args...); reply "ok"
//	"server-emit-with-ack" {event, args, timeoutMs}
//	                       reply "started", then socket.Timeout(timeoutMs).EmitWithAck(event, cb, args...)
//	                       whose cb emits "server-ack-result" with {ok: true, args} or
//	                       {ok: false, timeout: errors.Is(err, ErrAckTimeout), error}
//	"disconnect-me" close  socket.Disconnect(close)
//	"report" sid           reply {found, nsp, disconnecting, disconnect, roomsAtDisconnecting}: what
//	                       the server observed for the socket with that id (reasons are "" until seen)
//
// A handler that fails to read its arguments emits "test-error" with a message.
package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"sort"
	"sync"
	"time"

	"github.com/tickroom/tickroom/internal/mpwire"
	"github.com/tickroom/tickroom/internal/testproc"
	"github.com/tickroom/tickroom/netio/engineio"
	"github.com/tickroom/tickroom/netio/socketio"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback only)")
	pingInterval := flag.Duration("ping-interval", 2*time.Second, "Engine.IO pingInterval of /socket.io/")
	pingTimeout := flag.Duration("ping-timeout", 5*time.Second, "Engine.IO pingTimeout of /socket.io/")
	fastPingInterval := flag.Duration("fast-ping-interval", 250*time.Millisecond, "pingInterval of /fastping/")
	fastPingTimeout := flag.Duration("fast-ping-timeout", time.Second, "pingTimeout of /fastping/")
	maxBuf := flag.Int64("max-http-buffer-size", 10000, "maxHttpBufferSize in bytes, both servers")
	verbose := flag.Bool("v", false, "debug logging to stderr")
	flag.Parse()

	logger := testproc.Logger(*verbose)
	rec := &recorder{sockets: make(map[string]*record)}
	primary, err := newServer("/socket.io/", *pingInterval, *pingTimeout, *maxBuf, logger, rec)
	if err != nil {
		fatal(err)
	}
	fast, err := newServer("/fastping/", *fastPingInterval, *fastPingTimeout, *maxBuf, logger, rec)
	if err != nil {
		fatal(err)
	}
	if err := testproc.Serve(*addr, map[string]testproc.Handler{"/socket.io/": primary, "/fastping/": fast}); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "testserver:", err)
	os.Exit(1)
}

var dynNamespace = regexp.MustCompile(`^/dyn-\d+$`)

func newServer(path string, pingInterval, pingTimeout time.Duration, maxBuf int64, logger *slog.Logger, rec *recorder) (*socketio.Server, error) {
	cfg := socketio.DefaultConfig()
	cfg.Engine.Path = path
	cfg.Engine.PingInterval = pingInterval
	cfg.Engine.PingTimeout = pingTimeout
	cfg.Engine.MaxHTTPBufferSize = maxBuf
	cfg.Engine.CORS = &engineio.CORSConfig{Origins: []string{"*"}}
	cfg.Engine.Logger = logger
	cfg.Logger = logger
	srv, err := socketio.NewServer(&cfg)
	if err != nil {
		return nil, err
	}
	setup(srv.Of("/"), rec)
	setup(srv.Of("/custom"), rec)
	setup(srv.OfFunc(func(name string, _ socketio.Auth) bool { return dynNamespace.MatchString(name) }), rec)
	return srv, nil
}

// setup installs the middleware and the event vocabulary on a namespace.
func setup(ns *socketio.Namespace, rec *recorder) {
	ns.Use(func(s *socketio.Socket) error {
		auth := s.Handshake().Auth
		if reason, ok := auth["refuse"]; ok {
			return &socketio.ConnectError{
				Message: "refused by middleware",
				Data:    map[string]any{"reason": reason, "code": 4242},
			}
		}
		return nil
	})
	ns.OnConnection(func(s *socketio.Socket) {
		rec.connected(s)
		s.OnDisconnecting(func(reason string) { rec.disconnecting(s, reason) })
		s.OnDisconnect(func(reason string) { rec.disconnected(s, reason) })
		handlers(s, rec)
		if err := s.Emit("auth", s.Handshake().Auth); err != nil {
			slog.Warn("emit auth", "err", err)
		}
	})
}

func handlers(s *socketio.Socket, rec *recorder) {
	s.On("whoami", func(s *socketio.Socket, _ socketio.Args, ack socketio.Ack) {
		hs := s.Handshake()
		reply(s, ack, map[string]any{
			"id":        s.ID(),
			"nsp":       s.Namespace().Name(),
			"auth":      hs.Auth,
			"rooms":     sortedRooms(s),
			"transport": hs.Transport,
		})
	})
	s.On("echo", func(s *socketio.Socket, args socketio.Args, _ socketio.Ack) {
		vals, ok := values(s, "echo", args)
		if ok {
			_ = s.Emit("echo-back", vals...)
		}
	})
	s.On("echo-ack", func(s *socketio.Socket, args socketio.Args, ack socketio.Ack) {
		vals, ok := values(s, "echo-ack", args)
		if ok {
			reply(s, ack, vals...)
		}
	})
	s.On("describe", func(s *socketio.Socket, args socketio.Args, ack socketio.Ack) {
		kinds := make([]any, args.Len())
		for i := range kinds {
			kinds[i] = kindOf(args.Raw(i))
		}
		reply(s, ack, kinds)
	})
	s.On("give-data", func(s *socketio.Socket, _ socketio.Args, ack socketio.Ack) {
		_ = s.Emit("data", fixedData()...)
		reply(s, ack, fixedData()...)
	})
	s.On("join", func(s *socketio.Socket, args socketio.Args, ack socketio.Ack) {
		for i := 0; i < args.Len(); i++ {
			room, ok := args.String(i)
			if !ok {
				testError(s, "join: argument %d is not a string", i)
				return
			}
			s.Join(room)
		}
		reply(s, ack, sortedRooms(s))
	})
	s.On("leave", func(s *socketio.Socket, args socketio.Args, ack socketio.Ack) {
		room, ok := args.String(0)
		if !ok {
			testError(s, "leave: argument 0 is not a string")
			return
		}
		s.Leave(room)
		reply(s, ack, sortedRooms(s))
	})
	s.On("broadcast", func(s *socketio.Socket, args socketio.Args, ack socketio.Ack) {
		req, ok := objectArg(s, "broadcast", args)
		if !ok {
			return
		}
		event, _ := req["event"].(string)
		payload, _ := req["args"].([]any)
		to, except := stringList(req["to"]), stringList(req["except"])
		excludeSelf, _ := req["excludeSelf"].(bool)
		var b *socketio.Broadcast
		switch {
		case excludeSelf && len(to) == 0:
			b = s.Broadcast()
		case excludeSelf:
			b = s.To(to...)
		case len(to) > 0:
			b = s.Namespace().To(to...)
		case len(except) > 0:
			b = s.Namespace().Except(except...)
			except = nil
		}
		if b != nil && len(except) > 0 {
			b = b.Except(except...)
		}
		var err error
		if b == nil {
			err = s.Namespace().Emit(event, payload...)
		} else {
			err = b.Emit(event, payload...)
		}
		if err != nil {
			testError(s, "broadcast: %v", err)
			return
		}
		reply(s, ack, "ok")
	})
	s.On("volatile", func(s *socketio.Socket, args socketio.Args, ack socketio.Ack) {
		vals, ok := values(s, "volatile", args)
		if !ok {
			return
		}
		if err := s.Volatile().Emit("volatile-back", vals...); err != nil {
			testError(s, "volatile: %v", err)
			return
		}
		reply(s, ack, "ok")
	})
	s.On("server-emit-with-ack", func(s *socketio.Socket, args socketio.Args, ack socketio.Ack) {
		req, ok := objectArg(s, "server-emit-with-ack", args)
		if !ok {
			return
		}
		event, _ := req["event"].(string)
		payload, _ := req["args"].([]any)
		timeout := time.Duration(toInt(req["timeoutMs"])) * time.Millisecond
		reply(s, ack, "started")
		// The callback runs on the connection's reader path or a timer: it only emits, which
		// never blocks.
		err := s.Timeout(timeout).EmitWithAck(event, func(res socketio.Args, err error) {
			if err != nil {
				_ = s.Emit("server-ack-result", map[string]any{
					"ok":      false,
					"timeout": errors.Is(err, socketio.ErrAckTimeout),
					"error":   err.Error(),
				})
				return
			}
			vals, err := res.Values()
			if err != nil {
				testError(s, "server-emit-with-ack: decode answer: %v", err)
				return
			}
			_ = s.Emit("server-ack-result", map[string]any{"ok": true, "args": vals})
		}, payload...)
		if err != nil {
			testError(s, "server-emit-with-ack: %v", err)
		}
	})
	s.On("disconnect-me", func(s *socketio.Socket, args socketio.Args, _ socketio.Ack) {
		var closeConn bool
		if args.Len() > 0 {
			if err := args.Decode(0, &closeConn); err != nil {
				testError(s, "disconnect-me: %v", err)
				return
			}
		}
		s.Disconnect(closeConn)
	})
	s.On("report", func(s *socketio.Socket, args socketio.Args, ack socketio.Ack) {
		sid, ok := args.String(0)
		if !ok {
			testError(s, "report: argument 0 is not a string")
			return
		}
		reply(s, ack, rec.report(sid))
	})
}

// fixedData is what "give-data" sends: values built in Go, not echoed, so the client checks the
// server's own encoding of each kind.
func fixedData() []any {
	return []any{
		map[string]any{
			"int":      -42,
			"small":    7,
			"big":      int64(1) << 40,
			"negBig":   -(int64(1) << 40),
			"float":    0.25,
			"str":      "héllo 🎮 世界",
			"bin":      []byte{0, 1, 2, 253, 254, 255},
			"nil":      nil,
			"bool":     true,
			"nested":   map[string]any{"arr": []any{1, "a", nil, false, 1.5}},
			"emptyMap": map[string]any{},
			"emptyArr": []any{},
		},
		[]any{int8(-1), uint16(300), int32(-70000), float32(0.5), -1.25},
		"ключ 🔑",
		[]byte("raw bytes"),
	}
}

func reply(s *socketio.Socket, ack socketio.Ack, args ...any) {
	if ack == nil {
		return
	}
	if err := ack(args...); err != nil {
		testError(s, "ack: %v", err)
	}
}

func testError(s *socketio.Socket, format string, a ...any) {
	_ = s.Emit("test-error", fmt.Sprintf(format, a...))
}

func values(s *socketio.Socket, event string, args socketio.Args) ([]any, bool) {
	vals, err := args.Values()
	if err != nil {
		testError(s, "%s: decode arguments: %v", event, err)
		return nil, false
	}
	return vals, true
}

func objectArg(s *socketio.Socket, event string, args socketio.Args) (map[string]any, bool) {
	vals, ok := values(s, event, args)
	if !ok {
		return nil, false
	}
	if len(vals) == 0 {
		testError(s, "%s: missing argument", event)
		return nil, false
	}
	m, ok := vals[0].(map[string]any)
	if !ok {
		testError(s, "%s: argument 0 is %T, want an object", event, vals[0])
		return nil, false
	}
	return m, true
}

func stringList(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, e := range list {
		if str, ok := e.(string); ok {
			out = append(out, str)
		}
	}
	return out
}

func toInt(v any) int64 {
	switch n := v.(type) {
	case int:
		return int64(n)
	case int8:
		return int64(n)
	case int16:
		return int64(n)
	case int32:
		return int64(n)
	case int64:
		return n
	case uint:
		return int64(n)
	case uint8:
		return int64(n)
	case uint16:
		return int64(n)
	case uint32:
		return int64(n)
	case uint64:
		return int64(n)
	case float32:
		return int64(n)
	case float64:
		return int64(n)
	}
	return 0
}

func sortedRooms(s *socketio.Socket) []string {
	rooms := append([]string(nil), s.Rooms()...)
	sort.Strings(rooms)
	return rooms
}

// kindOf names the msgpack kind of one canonical value from its header.
func kindOf(raw []byte) string {
	if len(raw) == 0 {
		return "empty"
	}
	h, _, err := mpwire.ReadHead(raw, 0)
	switch {
	case err != nil:
		return "invalid"
	case h.Kind == mpwire.Uint:
		return "int"
	case h.Kind == mpwire.Bin:
		return fmt.Sprintf("bin:%d", h.N)
	}
	return h.Kind.String()
}

// recorder keeps what the server observed about each socket so that a client can ask, through
// "report", for the server-side reason of another socket's disconnect. It lives as long as the
// test process, which is short.
type recorder struct {
	mu      sync.Mutex
	sockets map[string]*record // guarded by mu; keyed by Socket.IO socket id
}

type record struct {
	nsp                  string
	disconnecting        string
	disconnect           string
	roomsAtDisconnecting []string
}

func (r *recorder) connected(s *socketio.Socket) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sockets[s.ID()] = &record{nsp: s.Namespace().Name()}
}

func (r *recorder) disconnecting(s *socketio.Socket, reason string) {
	rooms := sortedRooms(s)
	r.mu.Lock()
	defer r.mu.Unlock()
	if rec := r.sockets[s.ID()]; rec != nil {
		rec.disconnecting = reason
		rec.roomsAtDisconnecting = rooms
	}
}

func (r *recorder) disconnected(s *socketio.Socket, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if rec := r.sockets[s.ID()]; rec != nil {
		rec.disconnect = reason
	}
}

func (r *recorder) report(sid string) map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	rec := r.sockets[sid]
	if rec == nil {
		return map[string]any{"found": false}
	}
	rooms := append([]string{}, rec.roomsAtDisconnecting...)
	return map[string]any{
		"found":                true,
		"nsp":                  rec.nsp,
		"disconnecting":        rec.disconnecting,
		"disconnect":           rec.disconnect,
		"roomsAtDisconnecting": rooms,
	}
}
