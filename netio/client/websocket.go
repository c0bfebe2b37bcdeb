package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
	"github.com/tickroom/tickroom/netio/engineio"
)

// wsTransport is Engine.IO over one WebSocket: a text frame per text packet, a binary frame
// per binary message.
type wsTransport struct {
	ws           *websocket.Conn // static
	writeTimeout time.Duration   // static
	deadline     time.Time       // guarded by engineConn.writeMu: the write deadline last set
}

func (t *wsTransport) name() string { return engineio.TransportWebSocket }

func (t *wsTransport) write(pkts []engineio.Packet) error {
	var buf []byte
	for _, p := range pkts {
		// The deadline moves only when a quarter of it has passed: setting it on every
		// frame cost more than the check.
		if now := time.Now(); t.deadline.Sub(now) < t.writeTimeout-t.writeTimeout/4 {
			t.deadline = now.Add(t.writeTimeout)
			_ = t.ws.SetWriteDeadline(t.deadline)
		}
		var err error
		if p.Binary {
			err = t.ws.WriteMessage(websocket.BinaryMessage, p.Data)
		} else {
			buf = engineio.AppendPacket(buf[:0], p)
			err = t.ws.WriteMessage(websocket.TextMessage, buf)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (t *wsTransport) run(c *engineConn) error {
	for {
		p, err := readWSPacket(t.ws)
		if err != nil {
			return err
		}
		c.onPacket(p)
	}
}

// readWSPacket reads one frame as a packet; a clean end of the connection is
// errTransportClosed and a bad text frame a *parseError.
func readWSPacket(ws *websocket.Conn) (engineio.Packet, error) {
	mt, data, err := ws.ReadMessage()
	if err != nil {
		var ce *websocket.CloseError
		var ne net.Error
		if errors.As(err, &ce) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
			errors.Is(err, net.ErrClosed) || errors.As(err, &ne) {
			return engineio.Packet{}, errTransportClosed
		}
		return engineio.Packet{}, err
	}
	if mt == websocket.BinaryMessage {
		return engineio.Packet{Type: engineio.PacketMessage, Binary: true, Data: data}, nil
	}
	p, err := engineio.DecodePacket(data)
	if err != nil {
		return p, &parseError{err}
	}
	return p, nil
}

func (t *wsTransport) shutdown(graceful bool) {
	if graceful {
		msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
		_ = t.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
	}
	_ = t.ws.NetConn().Close()
}

// dialWebSocket opens the Engine.IO WebSocket, for a new session (sid empty) or to upgrade one.
func (m *Manager) dialWebSocket(ctx context.Context, sid string) (*websocket.Conn, error) {
	u := m.engineURL(engineio.TransportWebSocket, sid)
	switch u.Scheme {
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	}
	d := websocket.Dialer{
		Proxy:            http.ProxyFromEnvironment,
		HandshakeTimeout: m.opts.ConnectTimeout,
		ReadBufferSize:   m.opts.WebSocketReadBufferSize,
		WriteBufferSize:  m.opts.WebSocketWriteBufferSize,
		WriteBufferPool:  m.wsPool,
	}
	if m.opts.HTTPClient != nil && m.opts.HTTPClient.Jar != nil {
		d.Jar = m.opts.HTTPClient.Jar
	}
	ws, resp, err := d.DialContext(ctx, u.String(), m.opts.Header)
	var refused []byte
	if resp != nil && resp.Body != nil {
		if err != nil {
			refused, _ = io.ReadAll(io.LimitReader(resp.Body, 512))
		}
		resp.Body.Close()
	}
	if errors.Is(err, websocket.ErrBadHandshake) && resp != nil {
		// The server's answer says why (a connection cap's 429 or 503, a 403 origin),
		// which gorilla's error leaves out.
		return nil, fmt.Errorf("client: websocket %s: %w: %s: %s", u.Redacted(), err, resp.Status, bytes.TrimSpace(refused))
	}
	if err != nil {
		return nil, err
	}
	return ws, nil
}

// openWebSocket makes a new Engine.IO session over WebSocket: the first frame is the
// handshake.
func (m *Manager) openWebSocket(ctx context.Context) (*engineConn, error) {
	ws, err := m.dialWebSocket(ctx, "")
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { _ = ws.NetConn().Close() })
	p, err := readWSPacket(ws)
	stop()
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	var hs handshake
	if err == nil {
		hs, err = parseHandshake(p)
	}
	if err != nil {
		_ = ws.NetConn().Close()
		return nil, err
	}
	tr := &wsTransport{ws: ws, writeTimeout: pingWindow(hs)}
	c := newEngineConn(m, hs, tr, m.opts.QueueSize, &m.wg)
	c.start(nil)
	return c, nil
}

func pingWindow(hs handshake) time.Duration {
	return time.Duration(hs.PingInterval+hs.PingTimeout) * time.Millisecond
}
