package soak

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// The abusers below the game protocol on HTTP long-polling: hand-made requests for sessions
// that never poll, garbage bodies, handshakes never followed up, POST bodies that trickle.

// polling is a hand-made polling client: plain HTTP requests on a client of its own.
type polling struct {
	e  *env
	hc *http.Client
}

func newPolling(e *env) *polling {
	return &polling{e: e, hc: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 4}}}
}

func (p *polling) close() { p.hc.CloseIdleConnections() }

func (p *polling) url(sid string) string {
	u := p.e.url + "socket.io/?EIO=4&transport=polling"
	if sid != "" {
		u += "&sid=" + sid
	}
	return u
}

// handshake opens a polling session and returns its sid.
func (p *polling) handshake(ctx context.Context) (string, error) {
	status, body, err := p.do(ctx, http.MethodGet, "", "")
	if err != nil {
		return "", err
	}
	var open struct {
		SID string `json:"sid"`
	}
	if status != http.StatusOK || !strings.HasPrefix(body, "0") || json.Unmarshal([]byte(body[1:]), &open) != nil || open.SID == "" {
		return "", fmt.Errorf("polling handshake: %d %.100q", status, body)
	}
	return open.SID, nil
}

// do sends one request for sid ("" is a handshake) and returns the status and body.
func (p *polling) do(ctx context.Context, method, sid, body string) (int, string, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, p.url(sid), rd)
	if err != nil {
		return 0, "", err
	}
	if body != "" {
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	res, err := p.hc.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	return res.StatusCode, string(b), nil
}

// pollingNeverPolls posts lobby:list requests on a polling session and never sends the GET
// that would collect their acks: the server must close the session as a slow client.
func pollingNeverPolls() *abuser {
	const name = "polling, never polls"
	return &abuser{
		name: name,
		desc: "polling session that never GETs: POSTs of 10 lobby:list {limit: 500, includeFull: true}, 4 POSTs/s; a new session once closed",
		run: func(ctx context.Context, e *env, t *tally) {
			p := newPolling(e)
			defer p.close()
			e.measureListAck(ctx, t)
			for ctx.Err() == nil {
				sid, err := p.handshake(ctx)
				if err == nil {
					_, _, err = p.do(ctx, http.MethodPost, sid, "40")
				}
				if connectFailed(ctx, t, err) {
					sleepCtx(ctx, time.Second)
					continue
				}
				t.add("connections")
				start, n, status := time.Now(), int64(0), 0
				every(ctx, 250*time.Millisecond, func() bool {
					batch := make([]string, 10)
					for i := range batch {
						batch[i] = listRequest(n + int64(i))
					}
					body := strings.Join(batch, "\x1e")
					status, _, err = p.do(ctx, http.MethodPost, sid, body)
					if err == nil && status == http.StatusOK {
						n += int64(len(batch))
						t.wrote(len(body))
						return true
					}
					return false
				})
				t.addN("requests", n)
				switch {
				case ctx.Err() != nil:
					t.add("open at the end")
				case err != nil:
					t.add(writeFailed)
				case status != http.StatusBadRequest:
					t.add(fmt.Sprintf("%s (POST answered %d)", writeFailed, status))
				default:
					t.add("closed by the server")
					t.max("most requests before the close", n)
					t.max("longest time to the close (ms)", time.Since(start).Milliseconds())
				}
			}
		},
		// Nothing but the outbox holds a polling session's acks.
		check: neverReadCheck(name, outboxBytes),
	}
}

// halfOpenPolling opens polling sessions and never uses them. At 47 s of age, past
// pingInterval + pingTimeout, each is probed: the server has closed it and either forgot it
// (unknown sid) or keeps it for 30 s so that a GET can collect what was queued and the close
// packet, as the reference does.
func halfOpenPolling() *abuser {
	const name = "polling handshakes, never followed up"
	return &abuser{
		name: name,
		desc: "polling handshake GET and nothing more, 2/s; each probed once 47 s old",
		run: func(ctx context.Context, e *env, t *tally) {
			p := newPolling(e)
			defer p.close()
			type open struct {
				sid string
				at  time.Time
			}
			var pending []open
			every(ctx, 500*time.Millisecond, func() bool {
				sid, err := p.handshake(ctx)
				if connectFailed(ctx, t, err) {
					return true
				}
				t.add("handshakes")
				pending = append(pending, open{sid, time.Now()})
				if time.Since(pending[0].at) > 47*time.Second {
					t.add(p.probe(ctx, pending[0].sid))
					pending = pending[1:]
				}
				return true
			})
		},
		check: func(t *tally, _ time.Duration) []string {
			x := &expect{name: name}
			x.that(t.get("handshakes") > 0 && t.get(connFailed) == 0, "%s", t.String())
			x.that(t.sumPrefix("open at 47 s") == 0, "a session never used lived past pingInterval + pingTimeout: %s", t.String())
			return x.errs
		},
	}
}

// probe polls a session the server should have closed, up to three times (a GET gets what was
// queued before the close packet), and names what it found.
func (p *polling) probe(ctx context.Context, sid string) string {
	for range 3 {
		pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		status, body, err := p.do(pctx, http.MethodGet, sid, "")
		cancel()
		switch {
		case ctx.Err() != nil:
			return endOfRun
		case err != nil:
			return "open at 47 s (a GET waited 3 s)"
		case status == http.StatusBadRequest:
			return "closed by 47 s (unknown sid)"
		case status != http.StatusOK:
			return fmt.Sprintf("open at 47 s? GET answered %d", status)
		}
		for _, pkt := range strings.Split(body, "\x1e") {
			if pkt == "1" {
				return "closed by 47 s (close packet)"
			}
		}
	}
	return "open at 47 s (three GETs, no close packet)"
}

// trickle opens a polling session and sends a POST whose body comes a byte every 2 s, one
// every 5 s: the server must answer 408 once the ping timeout (20 s) has passed.
func trickle() *abuser {
	const name = "POST trickle"
	return &abuser{
		name: name,
		desc: "polling POST whose 20-byte body comes a byte every 2 s, a new one every 5 s",
		run: func(ctx context.Context, e *env, t *tally) {
			p := newPolling(e)
			defer p.close()
			var g group
			every(ctx, 5*time.Second, func() bool {
				sid, err := p.handshake(ctx)
				if connectFailed(ctx, t, err) {
					return true
				}
				t.add("POSTs")
				g.spawn(func() { trickleOne(ctx, e, t, sid) })
				return true
			})
			g.wait()
		},
		check: func(t *tally, _ time.Duration) []string {
			x := &expect{name: name}
			x.that(t.get("answered 408") > 0, "no trickle refused: %s", t.String())
			x.that(t.get("POSTs")-t.get("answered 408")-t.get(endOfRun) == 0, "%s", t.String())
			x.that(t.getMax("longest until the 408 (s)") <= 25, "a trickle held its POST %d s", t.getMax("longest until the 408 (s)"))
			return x.errs
		},
	}
}

func trickleOne(ctx context.Context, e *env, t *tally, sid string) {
	c, err := net.DialTimeout("tcp", e.addr, 10*time.Second)
	if err != nil {
		t.add(connFailed)
		return
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	body := `42["time:sync",{}]xx`
	fmt.Fprintf(c, "POST /socket.io/?EIO=4&transport=polling&sid=%s HTTP/1.1\r\nHost: soak\r\n"+
		"Content-Type: text/plain;charset=UTF-8\r\nContent-Length: %d\r\n\r\n", sid, len(body))
	start := time.Now()
	done := make(chan struct{})
	defer close(done)
	go func() {
		for i := 0; i < len(body); i++ {
			if _, err := c.Write([]byte{body[i]}); err != nil {
				return
			}
			select {
			case <-done:
				return
			case <-time.After(2 * time.Second):
			}
		}
	}()
	_ = c.SetReadDeadline(time.Now().Add(40 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	switch {
	case ctx.Err() != nil:
		t.add(endOfRun)
	case err != nil:
		t.add("no answer")
	default:
		res.Body.Close()
		t.add(fmt.Sprintf("answered %d", res.StatusCode))
		t.max("longest until the 408 (s)", int64(time.Since(start).Seconds()))
	}
}

// garbagePolling opens polling sessions and POSTs random bytes, then a CONNECT to see whether
// the session outlived it.
func garbagePolling() *abuser {
	const name = "garbage polling bodies"
	return &abuser{
		name: name,
		desc: "polling handshake, a POST of 1..2000 random bytes, then a POST of a CONNECT; 2/s",
		run: func(ctx context.Context, e *env, t *tally) {
			p := newPolling(e)
			defer p.close()
			rng := e.rng(name)
			every(ctx, 500*time.Millisecond, func() bool {
				sid, err := p.handshake(ctx)
				if connectFailed(ctx, t, err) {
					return true
				}
				junk := make([]byte, 1+rng.IntN(2000))
				for i := range junk {
					junk[i] = byte(rng.UintN(256))
				}
				t.wrote(len(junk))
				status, _, err := p.do(ctx, http.MethodPost, sid, string(junk))
				if err != nil {
					if ctx.Err() == nil {
						t.add("garbage POST failed")
					}
					return true
				}
				t.add(fmt.Sprintf("garbage POST answered %d", status))
				if status, _, err = p.do(ctx, http.MethodPost, sid, "40"); err == nil {
					t.add(fmt.Sprintf("then CONNECT answered %d", status))
				}
				return true
			})
		},
		check: func(t *tally, _ time.Duration) []string {
			x := &expect{name: name}
			x.that(t.get(connFailed)+t.get("garbage POST failed") == 0, "%s", t.String())
			x.that(t.get("garbage POST answered 400") > 0, "%s", t.String())
			x.that(t.sumPrefix("garbage POST answered 5")+t.sumPrefix("then CONNECT answered 5") == 0, "a server error: %s", t.String())
			return x.errs
		},
	}
}
