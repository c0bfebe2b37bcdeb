package ops

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tickroom/tickroom/internal/testproc"
	"go.uber.org/goleak"
)

// gameserver is built once, with the race detector when the tests have it.
var gameserver = &testproc.Once{Pkg: "./cmd/gameserver", Race: testproc.RaceEnabled}

func TestMain(m *testing.M) {
	code := m.Run()
	gameserver.Close()
	if code == 0 {
		// Every client, node process and HTTP connection of the tests is gone by now.
		if err := goleak.Find(goleak.IgnoreCurrent()); err != nil {
			os.Stderr.WriteString("goleak: " + err.Error() + "\n")
			code = 1
		}
	}
	os.Exit(code)
}

// startServer starts a gameserver on loopback ports (the public one and the admin one) with
// args added, and returns it and its admin base URL (no trailing slash).
func startServer(t *testing.T, args ...string) (*testproc.Server, string) {
	t.Helper()
	srv := testproc.Start(t, gameserver.Binary(t), append([]string{"-addr", "127.0.0.1:0", "-admin-addr", "127.0.0.1:0", "-log-level", "warn"}, args...)...)
	admin := strings.TrimSuffix(srv.Printed("ADMIN "), "/")
	if admin == "" {
		t.Fatal("the gameserver printed no ADMIN line")
	}
	return srv, admin
}

// httpGet GETs url and returns the status and body.
func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	return httpDo(t, http.MethodGet, url)
}

func httpDo(t *testing.T, method, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// waitStatus polls url until it answers want.
func waitStatus(t *testing.T, url string, want int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		code, body := httpGet(t, url)
		if code == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: %d %q, want %d within %v", url, code, body, want, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// nodeProc is a Node script of tests/node talking with the test on stdin and stdout.
type nodeProc struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	stderr strings.Builder
	done   chan error
}

// startNode runs `node script` in tests/node with SIO_URL=url and env, bounded by timeout.
func startNode(t *testing.T, script, url string, timeout time.Duration, env ...string) *nodeProc {
	t.Helper()
	dir := filepath.Join(testproc.RepoRoot(t), "tests", "node")
	testproc.RequireNode(t, dir, "socket.io-client", "socket.io-msgpack-parser")
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	p := &nodeProc{t: t, lines: make(chan string, 64), done: make(chan error, 1)}
	p.cmd = exec.CommandContext(ctx, "node", script)
	p.cmd.Dir = dir
	p.cmd.Env = append(append(os.Environ(), "SIO_URL="+url), env...)
	p.cmd.Stderr = &p.stderr
	p.cmd.WaitDelay = 5 * time.Second
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
		p.done <- p.cmd.Wait()
		cancel()
	}()
	t.Cleanup(func() {
		p.stdin.Close()
		select {
		case <-p.done:
		case <-time.After(timeout):
		}
	})
	return p
}

// line waits for the next stdout line that starts with prefix and returns the rest of it.
func (p *nodeProc) line(prefix string, within time.Duration) string {
	p.t.Helper()
	timer := time.NewTimer(within)
	defer timer.Stop()
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				p.t.Fatalf("node ended before %q: %v\n%s", prefix, <-p.done, p.stderr.String())
			}
			if strings.HasPrefix(l, prefix) {
				return strings.TrimPrefix(l, prefix)
			}
		case <-timer.C:
			p.t.Fatalf("no %q from node within %v\n%s", prefix, within, p.stderr.String())
		}
	}
}

func (p *nodeProc) send(line string) {
	p.t.Helper()
	if _, err := io.WriteString(p.stdin, line+"\n"); err != nil {
		p.t.Fatal(err)
	}
}

// wait waits for the script to exit 0.
func (p *nodeProc) wait(within time.Duration) {
	p.t.Helper()
	go func() {
		for range p.lines {
		}
	}()
	select {
	case err := <-p.done:
		p.done <- err // for the cleanup
		if err != nil {
			p.t.Fatalf("node: %v\n%s", err, p.stderr.String())
		}
	case <-time.After(within):
		p.t.Fatalf("node did not end within %v\n%s", within, p.stderr.String())
	}
}

// stallPolling seats a raw polling client in room id, then never polls again: whatever the
// server sends it stays in its outbox. It speaks the default (text) parser.
func stallPolling(t *testing.T, base, roomID string) {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	t.Cleanup(c.CloseIdleConnections)
	u := strings.TrimSuffix(base, "/") + "/socket.io/?EIO=4&transport=polling"
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var open struct {
		SID string `json:"sid"`
	}
	if len(body) < 2 || body[0] != '0' || json.Unmarshal(body[1:], &open) != nil {
		t.Fatalf("handshake: %q", body)
	}
	post := func(payload string) {
		t.Helper()
		res, err := c.Post(u+"&sid="+open.SID, "text/plain;charset=UTF-8", strings.NewReader(payload))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("POST %q: %s", payload, res.Status)
		}
	}
	post("40")
	join, _ := json.Marshal([]any{"room:join", map[string]string{"roomId": roomID}})
	post("420" + string(join))
}
