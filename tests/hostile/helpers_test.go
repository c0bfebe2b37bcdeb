package hostile

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tickroom/tickroom/netio/client"
	"github.com/tickroom/tickroom/netio/socketio"
)

// target is an in-process Socket.IO server on a real loopback listener, set up as the game
// server is (an http.Server with a header timeout), with a /steady namespace for the
// well-behaved client and whatever namespaces the test adds.
type target struct {
	srv  *socketio.Server
	addr string // host:port
	url  string // http://host:port
	logs *logBuffer
}

// testConfig is the server's config in these tests: short heartbeats so that the reaping
// tests take seconds, and the loopback proxy trusted so a test can speak for any address
// through X-Forwarded-For.
func testConfig() socketio.Config {
	cfg := socketio.DefaultConfig()
	cfg.Engine.PingInterval = time.Second
	cfg.Engine.PingTimeout = 2 * time.Second
	cfg.Engine.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	return cfg
}

// start runs a server for the test; mod adjusts the config, setup adds namespaces.
func start(t *testing.T, mod func(*socketio.Config), setup func(*socketio.Server)) *target {
	t.Helper()
	cfg := testConfig()
	if mod != nil {
		mod(&cfg)
	}
	logs := &logBuffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	srv, err := socketio.NewServer(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	steadyNamespace(srv.Of("/steady"))
	if setup != nil {
		setup(srv)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", srv)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	t.Cleanup(func() {
		srv.Close()
		hs.Close()
	})
	addr := ln.Addr().String()
	return &target{srv: srv, addr: addr, url: "http://" + addr, logs: logs}
}

// logBuffer collects the server's log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// count returns how many lines contain s.
func (l *logBuffer) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.buf.String(), s)
}

// steadyNamespace streams "tick" with a rising sequence number every 50 ms to each socket
// and answers "echo" through its ack.
func steadyNamespace(n *socketio.Namespace) {
	n.OnConnection(func(s *socketio.Socket) {
		stop := make(chan struct{})
		s.OnDisconnect(func(string) { close(stop) })
		s.On("echo", func(s *socketio.Socket, args socketio.Args, ack socketio.Ack) {
			if ack != nil {
				_ = ack(args.AsAny()...)
			}
		})
		go func() {
			tk := time.NewTicker(50 * time.Millisecond)
			defer tk.Stop()
			for seq := 1; ; seq++ {
				select {
				case <-stop:
					return
				case <-tk.C:
				}
				_ = s.Emit("tick", seq)
			}
		}()
	})
}

// steady is a well-behaved client of /steady: it records every tick and every disconnect.
type steady struct {
	name  string
	s     *client.Socket
	start time.Time

	mu          sync.Mutex
	n           int
	last        int
	lastAt      time.Time
	maxGap      time.Duration
	missed      []string
	disconnects []string
}

// newSteady connects a well-behaved client over tr, before the attack starts.
func newSteady(t *testing.T, tg *target, name string, tr client.Transport) *steady {
	t.Helper()
	opts := client.DefaultOptions()
	opts.Transport = tr
	opts.Reconnection = false // any loss must show, not be papered over
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st := &steady{name: name, start: time.Now()}
	s, err := client.DialNamespace(ctx, tg.url, "/steady", nil, &opts)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	st.s = s
	t.Cleanup(func() { _ = s.Manager().Close() })
	s.OnDisconnect(func(reason string) {
		st.mu.Lock()
		st.disconnects = append(st.disconnects, reason)
		st.mu.Unlock()
	})
	s.On("tick", func(args client.Args, _ client.Ack) {
		var seq int
		if err := args.Decode(0, &seq); err != nil {
			return
		}
		now := time.Now()
		st.mu.Lock()
		defer st.mu.Unlock()
		if st.n > 0 {
			if seq != st.last+1 && len(st.missed) < 10 {
				st.missed = append(st.missed, fmt.Sprintf("%d after %d", seq, st.last))
			}
			st.maxGap = max(st.maxGap, now.Sub(st.lastAt))
		}
		st.n++
		st.last, st.lastAt = seq, now
	})
	return st
}

// maxTickGap is the longest pause between two ticks a well-behaved client may see. The
// stream is every 50 ms; the bound is generous because the machine running the tests is
// shared and the race detector slows everything, and a flood test makes the GC work.
const maxTickGap = 2 * time.Second

// check asserts the client saw every tick since it connected, with no long pause and no
// disconnect, that the stream goes on (five more ticks) and that an ack still makes the
// round trip.
func (st *steady) check(t *testing.T) {
	t.Helper()
	st.mu.Lock()
	from := st.n
	st.mu.Unlock()
	deadline := time.Now().Add(5 * time.Second)
	for st.count() < from+5 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := st.count(); n < from+5 {
		t.Errorf("%s: %d ticks in the 5 s after the attack, want 5", st.name, n-from)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := st.s.EmitWithAckContext(ctx, "echo", "still here")
	if v, _ := res.String(0); err != nil || v != "still here" {
		t.Errorf("%s: echo: %q %v", st.name, v, err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	elapsed := time.Since(st.start)
	t.Logf("%s: %d ticks in %v, longest pause %v", st.name, st.n, elapsed.Round(time.Millisecond), st.maxGap.Round(time.Millisecond))
	if len(st.disconnects) > 0 {
		t.Errorf("%s: disconnected: %q", st.name, st.disconnects)
	}
	if len(st.missed) > 0 {
		t.Errorf("%s: ticks missed: %q", st.name, st.missed)
	}
	if st.maxGap > maxTickGap {
		t.Errorf("%s: a pause of %v between ticks", st.name, st.maxGap)
	}
	if want := int(elapsed/(50*time.Millisecond)) / 4; st.n < want {
		t.Errorf("%s: %d ticks in %v, want at least %d", st.name, st.n, elapsed, want)
	}
	if !st.s.Connected() {
		t.Errorf("%s: not connected", st.name)
	}
}

func (st *steady) count() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.n
}

// bystanders are a websocket and a polling well-behaved client.
type bystanders []*steady

func newBystanders(t *testing.T, tg *target) bystanders {
	t.Helper()
	return bystanders{
		newSteady(t, tg, "websocket bystander", client.TransportWebSocket),
		newSteady(t, tg, "polling bystander", client.TransportPolling),
	}
}

func (b bystanders) check(t *testing.T) {
	t.Helper()
	for _, st := range b {
		st.check(t)
	}
}

// liveHeap is the heap in use after two collections (the second empties sync.Pools).
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func mb(n int64) string { return fmt.Sprintf("%.2f MB", float64(n)/(1<<20)) }

// rawRequest sends one hand-written HTTP request on a fresh connection and returns the
// response's status, header and body.
func rawRequest(t *testing.T, addr, req string) (int, http.Header, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(body)
}

// pollingHandshake is a polling handshake request with extra header lines.
func pollingHandshake(extra ...string) string {
	return "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: game.example\r\n" + strings.Join(extra, "") + "\r\n"
}

// wsHandshake is a WebSocket handshake request with extra header lines.
func wsHandshake(extra ...string) string {
	return "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: game.example\r\nUpgrade: websocket\r\n" +
		"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
		strings.Join(extra, "") + "\r\n"
}

// sidOf reads the sid of a polling handshake's answer ("0{...}").
func sidOf(t *testing.T, body string) string {
	t.Helper()
	var open struct {
		SID string `json:"sid"`
	}
	if !strings.HasPrefix(body, "0") || json.Unmarshal([]byte(body[1:]), &open) != nil || open.SID == "" {
		t.Fatalf("not an open packet: %q", body)
	}
	return open.SID
}

// wantJSONRefusal checks an Engine.IO refusal: the status and the {"code","message"} body.
func wantJSONRefusal(t *testing.T, what string, status int, body string, wantStatus int, wantBody string) {
	t.Helper()
	if status != wantStatus || body != wantBody {
		t.Fatalf("%s: %d %q, want %d %q", what, status, body, wantStatus, wantBody)
	}
}

// rawWS is a WebSocket client written by hand: frames as bytes on a TCP connection.
type rawWS struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

// dialWS opens a websocket session (extra header lines allowed) and reads the open packet.
// rcvbuf, when positive, shrinks the socket's receive buffer before connecting, as a client
// that wants the server to back up would.
func dialWS(t *testing.T, addr string, rcvbuf int, extra ...string) *rawWS {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if rcvbuf > 0 {
		c.(*net.TCPConn).SetReadBuffer(rcvbuf)
	}
	t.Cleanup(func() { c.Close() })
	w := &rawWS{t: t, c: c, br: bufio.NewReaderSize(c, 512)}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, wsHandshake(extra...))
	res, err := http.ReadResponse(w.br, nil)
	if err != nil || res.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("websocket handshake: %v %v", res, err)
	}
	if op, p := w.read(); op != 1 || !strings.HasPrefix(string(p), "0{") {
		t.Fatalf("open packet: %d %q", op, p)
	}
	c.SetDeadline(time.Time{})
	return w
}

// frame is a masked client frame.
func frame(op byte, payload []byte) []byte {
	f := []byte{0x80 | op, 0x80}
	switch n := len(payload); {
	case n < 126:
		f[1] |= byte(n)
	case n <= 0xffff:
		f[1] |= 126
		f = binary.BigEndian.AppendUint16(f, uint16(n))
	default:
		f[1] |= 127
		f = binary.BigEndian.AppendUint64(f, uint64(n))
	}
	var key [4]byte
	rand.Read(key[:])
	f = append(f, key[:]...)
	for i, b := range payload {
		f = append(f, b^key[i%4])
	}
	return f
}

func (w *rawWS) text(s string) {
	w.t.Helper()
	w.write(frame(1, []byte(s)))
}

func (w *rawWS) binary(b []byte) {
	w.t.Helper()
	w.write(frame(2, b))
}

func (w *rawWS) write(b []byte) {
	w.t.Helper()
	w.c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := w.c.Write(b); err != nil {
		w.t.Fatalf("write: %v", err)
	}
}

// read reads one server frame (opcode and payload); servers do not mask or fragment here.
func (w *rawWS) read() (byte, []byte) {
	w.t.Helper()
	op, p, err := w.tryRead(10 * time.Second)
	if err != nil {
		w.t.Fatalf("read frame: %v", err)
	}
	return op, p
}

func (w *rawWS) tryRead(timeout time.Duration) (byte, []byte, error) {
	w.c.SetReadDeadline(time.Now().Add(timeout))
	var h [2]byte
	if _, err := io.ReadFull(w.br, h[:]); err != nil {
		return 0, nil, err
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(w.br, b[:]); err != nil {
			return 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(w.br, b[:]); err != nil {
			return 0, nil, err
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	p := make([]byte, n)
	_, err := io.ReadFull(w.br, p)
	return h[0] & 0x0f, p, err
}

// next reads the next Engine.IO message frame, answering pings.
func (w *rawWS) next() (byte, []byte) {
	w.t.Helper()
	for {
		op, p := w.read()
		if op == 1 && string(p) == "2" {
			w.text("3")
			continue
		}
		return op, p
	}
}

// closedWithin reports whether the server ends the connection within d (frames that arrive
// meanwhile are dropped, pings unanswered).
func (w *rawWS) closedWithin(d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		op, _, err := w.tryRead(time.Until(deadline))
		if err != nil {
			var ne net.Error
			return !(errors.As(err, &ne) && ne.Timeout())
		}
		if op == 8 {
			return true
		}
	}
	return false
}
