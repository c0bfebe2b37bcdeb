package clientinterop

import (
	"context"
	"errors"
	"math"
	"reflect"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/tickroom/tickroom/netio/client"
)

// env is what a scenario gets: a target server and a transport.
type env struct {
	tg        target
	transport string
}

func (e env) options() *client.Options {
	o := client.DefaultOptions()
	switch e.transport {
	case "websocket":
		o.Transport = client.TransportWebSocket
	case "polling":
		o.Transport = client.TransportPolling
	default:
		o.Transport = client.TransportUpgrade
	}
	if e.tg.parser == "text" {
		o.Parser = client.ParserText
	}
	o.ReconnectionDelay = 100 * time.Millisecond
	o.ReconnectionDelayMax = 500 * time.Millisecond
	return &o
}

// finalTransport is the transport a connection ends up on.
func (e env) finalTransport() string {
	if e.transport == "polling" {
		return "polling"
	}
	return "websocket"
}

var scenarios = []struct {
	name string
	run  func(t *testing.T, e env)
}{
	{"connect-auth", scConnectAuth},
	{"connect-refused", scConnectRefused},
	{"namespaces", scNamespaces},
	{"data", scData},
	{"acks", scAcks},
	{"volatile", scVolatile},
	{"server-disconnect", scServerDisconnect},
	{"heartbeat", scHeartbeat},
}

// runScenarios runs every scenario for every transport against tg.
func runScenarios(t *testing.T, tg target) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			for _, sc := range scenarios {
				t.Run(sc.name, func(t *testing.T) {
					base := runtime.NumGoroutine()
					t.Cleanup(func() { checkGoroutines(t, base) }) // after the Managers' Close
					sc.run(t, env{tg: tg, transport: tr})
				})
			}
		})
	}
}

// checkGoroutines fails when the goroutine count does not fall back to base within 5 s:
// a closed Manager must leave nothing running.
func checkGoroutines(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= base {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("goroutines: %d, want <= %d after Close\n%s", n, base, buf)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// dial connects namespace nsp and registers the Manager's Close.
func dial(t *testing.T, e env, path, nsp string, auth any) *client.Socket {
	t.Helper()
	o := e.options()
	if path != "" {
		o.Path = path
	}
	s, err := client.DialNamespace(ctxT(t, 15*time.Second), e.tg.url, nsp, auth, o)
	if err != nil {
		t.Fatalf("dial %s%s: %v", e.tg.url, nsp, err)
	}
	t.Cleanup(func() { s.Manager().Close() })
	return s
}

// events collects the arguments of one event name.
type events struct {
	ch chan []any
}

func collect(t *testing.T, s *client.Socket, name string) *events {
	ev := &events{ch: make(chan []any, 64)}
	s.On(name, func(args client.Args, _ client.Ack) {
		vals, err := args.Values()
		if err != nil {
			t.Errorf("%s: decode: %v", name, err)
			return
		}
		ev.ch <- vals
	})
	return ev
}

func (ev *events) next(t *testing.T, what string) []any {
	t.Helper()
	select {
	case v := <-ev.ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s event within 10s", what)
		return nil
	}
}

func call(t *testing.T, s *client.Socket, event string, args ...any) []any {
	t.Helper()
	res, err := s.EmitWithAckContext(ctxT(t, 10*time.Second), event, args...)
	if err != nil {
		t.Fatalf("%s: %v", event, err)
	}
	vals, err := res.Values()
	if err != nil {
		t.Fatalf("%s: decode ack: %v", event, err)
	}
	return vals
}

func whoami(t *testing.T, s *client.Socket) map[string]any {
	t.Helper()
	v := call(t, s, "whoami")
	if len(v) != 1 {
		t.Fatalf("whoami: %d values", len(v))
	}
	m, ok := v[0].(map[string]any)
	if !ok {
		t.Fatalf("whoami: %T", v[0])
	}
	return m
}

// waitTransport waits until the connection is on want (an upgrade completes in the
// background).
func waitTransport(t *testing.T, s *client.Socket, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.Manager().Transport() != want {
		if time.Now().After(deadline) {
			t.Fatalf("transport %q, want %q", s.Manager().Transport(), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// norm turns decoded msgpack values into comparable ones: every number becomes float64.
func norm(v any) any {
	switch x := v.(type) {
	case int8:
		return float64(x)
	case int16:
		return float64(x)
	case int32:
		return float64(x)
	case int64:
		return float64(x)
	case int:
		return float64(x)
	case uint8:
		return float64(x)
	case uint16:
		return float64(x)
	case uint32:
		return float64(x)
	case uint64:
		return float64(x)
	case float32:
		return float64(x)
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = norm(x[i])
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = norm(e)
		}
		return out
	}
	return v
}

func sameValue(t *testing.T, what string, got, want any) {
	t.Helper()
	if g, w := norm(got), norm(want); !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\n got %#v\nwant %#v", what, g, w)
	}
}

// fixedData is what both servers send for "give-data".
func fixedData() []any {
	return []any{
		map[string]any{
			"int": -42, "small": 7, "big": int64(1) << 40, "negBig": -(int64(1) << 40), "float": 0.25,
			"str": "héllo 🎮 世界", "bin": []byte{0, 1, 2, 253, 254, 255}, "nil": nil, "bool": true,
			"nested": map[string]any{"arr": []any{1, "a", nil, false, 1.5}}, "emptyMap": map[string]any{}, "emptyArr": []any{},
		},
		[]any{-1, 300, -70000, 0.5, -1.25},
		"ключ 🔑",
		[]byte("raw bytes"),
	}
}

func scConnectAuth(t *testing.T, e env) {
	auth := map[string]any{"token": "sekrit", "n": 5, "nested": map[string]any{"ok": true}}
	o := e.options()
	m, err := client.NewManager(e.tg.url, o)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s := m.Socket("/", auth)
	authEv := collect(t, s, "auth")
	if err := s.Connect(ctxT(t, 15*time.Second)); err != nil {
		t.Fatalf("connect: %v", err)
	}
	if s.ID() == "" || !s.Connected() {
		t.Fatalf("id %q connected %v", s.ID(), s.Connected())
	}
	sameValue(t, "auth event", authEv.next(t, "auth"), []any{auth})
	waitTransport(t, s, e.finalTransport())
	w := whoami(t, s)
	sameValue(t, "whoami.auth", w["auth"], auth)
	if w["id"] != s.ID() || w["nsp"] != "/" {
		t.Errorf("whoami %v, socket id %s", w, s.ID())
	}
	// The npm server reports the transport in use; ours, the handshake's.
	want := e.finalTransport()
	if e.tg.name == "go" && e.transport == "upgrade" {
		want = "polling"
	}
	if w["transport"] != want {
		t.Errorf("server sees transport %v, want %s", w["transport"], want)
	}
}

func scConnectRefused(t *testing.T, e env) {
	_, err := client.Dial(ctxT(t, 15*time.Second), e.tg.url, map[string]any{"refuse": "go away"}, e.options())
	var ce *client.ConnectError
	if !errors.As(err, &ce) {
		t.Fatalf("dial with refuse: %v, want *ConnectError", err)
	}
	if ce.Message != "refused by middleware" {
		t.Errorf("message %q", ce.Message)
	}
	sameValue(t, "refusal data", ce.Data, map[string]any{"reason": "go away", "code": 4242})

	_, err = client.DialNamespace(ctxT(t, 15*time.Second), e.tg.url, "/nowhere", nil, e.options())
	if !errors.As(err, &ce) || ce.Message != "Invalid namespace" || ce.Namespace != "/nowhere" {
		t.Fatalf("unknown namespace: %v", err)
	}
}

func scNamespaces(t *testing.T, e env) {
	m, err := client.NewManager(e.tg.url, e.options())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	names := []string{"/", "/custom", "/dyn-42"}
	socks := make([]*client.Socket, len(names))
	var wg sync.WaitGroup
	errs := make([]error, len(names))
	for i, n := range names {
		socks[i] = m.Socket(n, map[string]any{"ns": n})
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = socks[i].Connect(ctxT(t, 15*time.Second))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("connect %s: %v", names[i], err)
		}
	}
	ids := map[string]bool{}
	for i, s := range socks {
		w := whoami(t, s)
		if w["nsp"] != names[i] || w["id"] != s.ID() {
			t.Errorf("%s: whoami %v", names[i], w)
		}
		sameValue(t, names[i]+" auth", w["auth"], map[string]any{"ns": names[i]})
		ids[s.ID()] = true
	}
	if len(ids) != len(names) {
		t.Errorf("socket ids not distinct: %v", ids)
	}
	// Leaving one namespace keeps the others on the same connection.
	socks[1].Disconnect()
	if got := whoami(t, socks[2]); got["nsp"] != "/dyn-42" {
		t.Errorf("after leaving /custom: %v", got)
	}
	if err := socks[1].Emit("echo"); !errors.Is(err, client.ErrDisconnected) {
		t.Errorf("emit on a disconnected socket: %v", err)
	}
}

func scData(t *testing.T, e env) {
	s := dial(t, e, "", "/", nil)
	dataEv := collect(t, s, "data")
	echoEv := collect(t, s, "echo-back")

	// Server to client: the server's own encoding of every kind, as an event and as an ack.
	sameValue(t, "give-data ack", call(t, s, "give-data"), fixedData())
	sameValue(t, "data event", dataEv.next(t, "data"), fixedData())

	// Client to server and back, and what kinds the server holds.
	mine := []any{
		map[string]any{"neg": -7, "f": 3.75, "u": "ünïcödé ✓", "b": []byte{9, 8, 7}, "deep": map[string]any{"a": []any{1, []any{2, map[string]any{"x": nil}}}}},
		[]any{int64(-1) << 40, uint64(1) << 50, -0.5, math.MaxInt32},
		"日本語", []byte{0, 255}, nil, true, 1.5, -3,
	}
	if err := s.Emit("echo", mine...); err != nil {
		t.Fatal(err)
	}
	sameValue(t, "echo-back", echoEv.next(t, "echo-back"), mine)
	sameValue(t, "echo-ack", call(t, s, "echo-ack", mine...), mine)
	kinds := call(t, s, "describe", mine...)
	sameValue(t, "describe", kinds, []any{[]any{"map", "array", "str", "bin:2", "nil", "bool", "float", "int"}})
}

func scAcks(t *testing.T, e env) {
	s := dial(t, e, "", "/", nil)
	results := collect(t, s, "server-ack-result")

	// Client asks, server acks: callback form.
	got := make(chan []any, 1)
	err := s.EmitWithAck("echo-ack", func(args client.Args, err error) {
		if err != nil {
			t.Errorf("ack: %v", err)
		}
		v, _ := args.Values()
		got <- v
	}, "a", 1)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case v := <-got:
		sameValue(t, "callback ack", v, []any{"a", 1})
	case <-time.After(10 * time.Second):
		t.Fatal("no ack")
	}

	// An ack that never comes times out, in both forms.
	_, err = s.Timeout(200*time.Millisecond).EmitWithAckContext(context.Background(), "no-such-event")
	if !errors.Is(err, client.ErrAckTimeout) {
		t.Errorf("timeout form: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	_, err = s.EmitWithAckContext(ctx, "no-such-event")
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("context form: %v", err)
	}

	// Server asks, client acks.
	s.On("question", func(args client.Args, ack client.Ack) {
		if ack == nil {
			t.Error("question without ack")
			return
		}
		q, _ := args.String(0)
		if err := ack("answer to "+q, map[string]any{"n": 42}); err != nil {
			t.Errorf("ack: %v", err)
		}
		if err := ack("again"); !errors.Is(err, client.ErrAckUsed) {
			t.Errorf("second ack: %v", err)
		}
	})
	sameValue(t, "started", call(t, s, "server-emit-with-ack", map[string]any{"event": "question", "args": []any{"life"}, "timeoutMs": 5000}), []any{"started"})
	r := results.next(t, "server-ack-result")
	sameValue(t, "server ack result", r, []any{map[string]any{"ok": true, "args": []any{"answer to life", map[string]any{"n": 42}}}})

	// Server asks, client does not answer: the server's ack times out.
	s.On("ignored", func(client.Args, client.Ack) {})
	call(t, s, "server-emit-with-ack", map[string]any{"event": "ignored", "timeoutMs": 200})
	r = results.next(t, "server-ack-result")
	if m, _ := r[0].(map[string]any); m["ok"] != false || m["timeout"] != true {
		t.Errorf("server ack timeout: %v", r)
	}

	// Typed handler.
	type input struct {
		Seq int     `msgpack:"seq"`
		DX  float64 `msgpack:"dx"`
	}
	typed := make(chan input, 1)
	client.Handle(s, "typed", func(v input, _ client.Ack) { typed <- v }, nil)
	call(t, s, "broadcast", map[string]any{"event": "typed", "args": []any{map[string]any{"seq": 3, "dx": 0.5}}})
	select {
	case v := <-typed:
		if v.Seq != 3 || v.DX != 0.5 {
			t.Errorf("typed: %+v", v)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no typed event")
	}
}

func scVolatile(t *testing.T, e env) {
	s := dial(t, e, "", "/", nil)
	back := collect(t, s, "volatile-back")
	echo := collect(t, s, "echo-back")
	// The server's volatile emits may be dropped when its side is busy (over polling: no
	// GET waiting); on an idle connection most arrive, each once and intact.
	delivered := 0
	for i := 0; i < 5; i++ {
		sameValue(t, "volatile", call(t, s, "volatile", "v", i), []any{"ok"})
		select {
		case v := <-back.ch:
			sameValue(t, "volatile-back", v, []any{"v", i})
			delivered++
		case <-time.After(1500 * time.Millisecond):
		}
		time.Sleep(100 * time.Millisecond)
	}
	if delivered < 3 {
		t.Errorf("only %d of 5 server volatile emits arrived on an idle connection", delivered)
	}
	// A volatile emit from the client on an idle connection goes through.
	if err := s.Volatile().Emit("echo", "vol"); err != nil {
		t.Fatal(err)
	}
	sameValue(t, "volatile echo", echo.next(t, "echo-back"), []any{"vol"})
	// While not connected, a volatile emit is dropped and a plain one buffered.
	m, err := client.NewManager(e.tg.url, e.options())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s2 := m.Socket("/", nil)
	echo2 := collect(t, s2, "echo-back")
	s2.Open()
	if err := s2.Volatile().Emit("echo", "dropped"); err != nil {
		t.Fatal(err)
	}
	if err := s2.Emit("echo", "buffered"); err != nil {
		t.Fatal(err)
	}
	sameValue(t, "buffered emit", echo2.next(t, "echo-back"), []any{"buffered"})
	select {
	case v := <-echo2.ch:
		t.Errorf("a volatile emit made while connecting arrived: %v", v)
	case <-time.After(200 * time.Millisecond):
	}
}

func scServerDisconnect(t *testing.T, e env) {
	m, err := client.NewManager(e.tg.url, e.options())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	main, other := m.Socket("/", nil), m.Socket("/custom", nil)
	reasons := make(chan string, 4)
	main.OnDisconnect(func(r string) { reasons <- "main:" + r })
	other.OnDisconnect(func(r string) { reasons <- "other:" + r })
	for _, s := range []*client.Socket{main, other} {
		if err := s.Connect(ctxT(t, 15*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	id := main.ID()
	if err := main.Emit("disconnect-me", false); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-reasons:
		if r != "main:"+client.ReasonServerDisconnect {
			t.Fatalf("reason %q", r)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no disconnect")
	}
	if main.Active() || main.Connected() {
		t.Error("socket still active after a server disconnect")
	}
	// The other namespace stays on the connection, and the server saw the client leave.
	rep := call(t, other, "report", id)
	if r, _ := rep[0].(map[string]any); r["disconnect"] != "server namespace disconnect" {
		t.Errorf("server report: %v", rep)
	}
	// Closing the whole connection from the server: the other socket reconnects.
	if err := other.Emit("disconnect-me", true); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-reasons:
		if r != "other:"+client.ReasonServerDisconnect {
			t.Fatalf("reason %q", r)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no disconnect")
	}
}

func scHeartbeat(t *testing.T, e env) {
	// /fastping/ pings every 250 ms and drops a client that does not answer within 1 s.
	s := dial(t, e, "/fastping/", "/", nil)
	disc := make(chan string, 1)
	s.OnDisconnect(func(r string) { disc <- r })
	select {
	case r := <-disc:
		t.Fatalf("disconnected: %s", r)
	case <-time.After(2 * time.Second):
	}
	if w := whoami(t, s); w["id"] != s.ID() {
		t.Errorf("whoami after 2s of pings: %v", w)
	}
}

func TestGoServer(t *testing.T) {
	srv := startGoServer(t, "127.0.0.1:0")
	for _, p := range parsers {
		t.Run(p, func(t *testing.T) { runScenarios(t, target{name: "go", parser: p, url: srv.URL}) })
	}
}

func TestNodeServer(t *testing.T) {
	for _, p := range parsers {
		srv := startNodeServer(t, p, "127.0.0.1:0")
		t.Run(p, func(t *testing.T) { runScenarios(t, target{name: "node", parser: p, url: srv.URL}) })
	}
}
