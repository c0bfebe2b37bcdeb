package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/tickroom/tickroom/netio/engineio"
)

// pollingTransport is Engine.IO over HTTP long-polling: the reader GETs in a loop, the writer
// POSTs payloads no larger than the server's maxPayload.
type pollingTransport struct {
	m          *Manager        // static
	url        string          // static: the session's URL, sid included
	maxPayload int             // static
	ctx        context.Context // set before the writer can run: the connection's, canceled on close
	paused     atomic.Bool     // set by an upgrade: the reader stops after its current GET
	stopped    chan struct{}   // closed when run returns
	stopOnce   sync.Once
}

func (t *pollingTransport) name() string { return engineio.TransportPolling }

// errPaused ends the polling reader when an upgrade takes over.
var errPaused = errors.New("client: polling paused for upgrade")

func (t *pollingTransport) run(c *engineConn) error {
	defer t.stopOnce.Do(func() { close(t.stopped) })
	var pkts []engineio.Packet
	for !t.paused.Load() {
		body, err := t.m.pollRequest(c.ctx, http.MethodGet, t.url, nil)
		if err != nil {
			return err
		}
		pkts, err = engineio.DecodePayload(pkts[:0], body)
		for _, p := range pkts {
			c.onPacket(p)
		}
		clear(pkts)
		if err != nil {
			return &parseError{err}
		}
	}
	return errPaused
}

func (t *pollingTransport) write(pkts []engineio.Packet) error {
	ctx := t.ctx
	var body []byte
	for i := 0; i < len(pkts); {
		// Send as many packets as fit in maxPayload, at least one.
		body = engineio.AppendPacket(body[:0], pkts[i])
		i++
		for i < len(pkts) {
			n := len(body)
			body = engineio.AppendPacket(append(body, engineio.PayloadSeparator), pkts[i])
			if len(body) > t.maxPayload {
				body = body[:n]
				break
			}
			i++
		}
		if _, err := t.m.pollRequest(ctx, http.MethodPost, t.url, body); err != nil {
			return err
		}
	}
	return nil
}

func (t *pollingTransport) shutdown(graceful bool) {
	if !graceful {
		return // the connection's context cancels the pending GET
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, _ = t.m.pollRequest(ctx, http.MethodPost, t.url, []byte{'0' + byte(engineio.PacketClose)})
}

// pollRequest makes one polling request and returns the body of a 200 answer.
func (m *Manager) pollRequest(ctx context.Context, method, u string, body []byte) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	for k, v := range m.opts.Header {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	resp, err := m.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("client: %s %s: %s: %s", method, u, resp.Status, bytes.TrimSpace(b))
	}
	return b, nil
}

// openPolling makes a new Engine.IO session over polling: the first GET answers the handshake.
func (m *Manager) openPolling(ctx context.Context) (*engineConn, error) {
	u := m.engineURL(engineio.TransportPolling, "")
	body, err := m.pollRequest(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	pkts, err := engineio.DecodePayload(nil, body)
	if err != nil {
		return nil, err
	}
	if len(pkts) == 0 {
		return nil, errors.New("client: empty handshake")
	}
	hs, err := parseHandshake(pkts[0])
	if err != nil {
		return nil, err
	}
	maxPayload := int(hs.MaxPayload)
	if maxPayload <= 0 {
		maxPayload = 1e6
	}
	q := u.Query()
	q.Set("sid", hs.SID)
	u.RawQuery = q.Encode()
	tr := &pollingTransport{m: m, url: u.String(), maxPayload: maxPayload, stopped: make(chan struct{})}
	c := newEngineConn(m, hs, tr, m.opts.QueueSize, &m.wg)
	tr.ctx = c.ctx
	c.start(pkts[1:])
	if m.opts.Transport == TransportUpgrade && hs.offers(engineio.TransportWebSocket) {
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			if err := c.upgrade(m, tr); err != nil {
				m.log().Debug("client: upgrade failed, staying on polling", "err", err)
			}
		}()
	}
	return c, nil
}

// engineURL is the Engine.IO URL for transport, with the session id when sid is not empty.
func (m *Manager) engineURL(transport, sid string) *url.URL {
	u := *m.base
	u.Path = m.opts.Path
	q := url.Values{}
	for k, v := range m.opts.Query {
		q[k] = v
	}
	q.Set("EIO", "4")
	q.Set("transport", transport)
	if sid != "" {
		q.Set("sid", sid)
	}
	u.RawQuery = q.Encode()
	return &u
}

// upgrade probes a WebSocket for the polling session and, when the server answers, pauses
// polling and switches: the npm client's upgrade sequence. On success this goroutine becomes
// the WebSocket reader. On failure before the switch the session stays on polling.
func (c *engineConn) upgrade(m *Manager, pt *pollingTransport) error {
	wc, err := m.dialWebSocket(c.ctx, c.hs.SID)
	if err != nil {
		return err
	}
	ws := wc.ws
	window := pingWindow(c.hs)
	fail := func(err error) error {
		wc.close()
		return err
	}
	stop := context.AfterFunc(c.ctx, wc.close)
	defer stop()
	_ = ws.SetWriteDeadline(time.Now().Add(window))
	if err := ws.WriteMessage(websocket.TextMessage, []byte("2probe")); err != nil {
		return fail(err)
	}
	_ = ws.SetReadDeadline(time.Now().Add(window))
	p, err := wc.readPacket()
	if err != nil {
		return fail(err)
	}
	if p.Type != engineio.PacketPong || string(p.Data) != "probe" {
		return fail(fmt.Errorf("client: bad probe answer %v %q", p.Type, p.Data))
	}
	_ = ws.SetReadDeadline(time.Time{})

	// Hold the writer back and let the pending poll return (the server answers it with a
	// noop once probed), then complete the switch.
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return fail(ErrDisconnected)
	}
	c.paused = true
	c.mu.Unlock()
	pt.paused.Store(true)
	c.writeMu.Lock()
	wst, err := c.switchTo(pt, wc, window)
	c.writeMu.Unlock()
	if err != nil {
		return fail(err)
	}
	c.readLoop(wst)
	return nil
}

// switchTo waits for the polling reader to stop, sends the upgrade packet and makes ws the
// connection's transport. The caller holds writeMu, so no POST is in flight.
func (c *engineConn) switchTo(pt *pollingTransport, wc *wsConn, window time.Duration) (*wsTransport, error) {
	ws := wc.ws
	timer := time.NewTimer(window)
	defer timer.Stop()
	select {
	case <-pt.stopped:
	case <-c.done:
		return nil, ErrDisconnected
	case <-timer.C:
		err := errors.New("client: polling did not pause for the upgrade")
		c.close(ReasonTransportError, err, false) // not graceful: needs no writeMu
		return nil, err
	}
	_ = ws.SetWriteDeadline(time.Now().Add(window))
	if err := ws.WriteMessage(websocket.TextMessage, []byte("5")); err != nil {
		c.close(ReasonTransportError, err, false)
		return nil, err
	}
	wst := newWSTransport(wc, window)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrDisconnected
	}
	c.tr = wst
	c.paused = false
	c.kickLocked()
	return wst, nil
}
