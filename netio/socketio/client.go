package socketio

import (
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tickroom/tickroom/netio/engineio"
	"github.com/tickroom/tickroom/netio/sioparser"
	"github.com/vmihailenco/msgpack/v5"
)

// client is one Engine.IO connection and the sockets (one per namespace)
// multiplexed over it. Its OnMessage runs on the session's reader path, one
// message at a time.
type client struct {
	srv  *Server           // static
	sess *engineio.Session // static

	parser atomic.Uint32 // parserKind, set once by the first packet

	textDec *sioparser.TextDecoder // owned by the reader path; made for text-parser peers only

	mu           sync.Mutex
	sockets      map[string]*Socket // guarded by mu: by namespace name
	lastSock     *Socket            // guarded by mu: the one last looked up (nearly always the only one)
	everJoined   bool               // guarded by mu
	closed       bool               // guarded by mu
	connectTimer *time.Timer        // guarded by mu
}

func newClient(s *Server, sess *engineio.Session) *client {
	c := &client{srv: s, sess: sess, sockets: make(map[string]*Socket)}
	c.connectTimer = time.AfterFunc(s.cfg.ConnectTimeout, c.onConnectTimeout)
	return c
}

func (c *client) kind() parserKind { return parserKind(c.parser.Load()) }

func (c *client) onConnectTimeout() {
	c.mu.Lock()
	joined := c.everJoined || len(c.sockets) > 0
	c.mu.Unlock()
	if !joined {
		c.srv.count(&c.srv.counts.connectTimeouts, slog.LevelInfo, "socketio: no namespace joined in time",
			"sid", c.sess.ID(), "client", c.sess.ClientAddr(), "connect_timeout", c.srv.cfg.ConnectTimeout)
		c.sess.Close(ReasonForcedClose)
	}
}

// BorrowsMessages implements engineio.BorrowingHandler: OnMessage keeps nothing of m.Data
// (DecodeMsgpack writes its own copy, the text decoder copies text and attachments), so a
// player's input is read where the reader's buffer holds it.
func (c *client) BorrowsMessages() {}

var _ engineio.BorrowingHandler = (*client)(nil)

// OnMessage implements engineio.SessionHandler.
func (c *client) OnMessage(m engineio.Message) {
	kind := c.kind()
	if kind == parserUnknown {
		kind = parserText
		if m.Binary {
			kind = parserMsgpack
		}
		c.parser.Store(uint32(kind))
	}
	var (
		pkt  sioparser.Packet
		done = true
		err  error
	)
	switch {
	case kind == parserMsgpack && m.Binary:
		pkt, err = sioparser.DecodeMsgpack(m.Data)
	case kind == parserMsgpack:
		err = errors.New("socketio: text frame on a msgpack connection")
	case m.Binary:
		pkt, done, err = c.textDecoder().AddBinary(m.Data)
	default:
		pkt, done, err = c.textDecoder().AddText(string(m.Data))
	}
	if err != nil {
		c.srv.log.Debug("socketio: parse error", "sid", c.sess.ID(), "err", err)
		c.sess.Close(ReasonParseError)
		return
	}
	if !done {
		return
	}
	c.handlePacket(&pkt)
}

func (c *client) textDecoder() *sioparser.TextDecoder {
	if c.textDec == nil {
		c.textDec = new(sioparser.TextDecoder)
	}
	return c.textDec
}

func (c *client) handlePacket(p *sioparser.Packet) {
	if p.Type == sioparser.Connect {
		c.connect(p)
		return
	}
	c.mu.Lock()
	// Every input of a player comes here: a field of the client is in cache where the map's
	// memory, one map per connection, is not.
	sock := c.lastSock
	if sock == nil || sock.nspName != p.Namespace {
		sock = c.sockets[p.Namespace]
		c.lastSock = sock
	}
	c.mu.Unlock()
	if sock == nil {
		// A packet for a namespace not joined closes the connection.
		c.sess.Close(ReasonParseError)
		return
	}
	switch p.Type {
	case sioparser.Disconnect:
		sock.onClose(ReasonClientNamespaceDisconnect)
	case sioparser.Event, sioparser.BinaryEvent:
		sock.onEvent(p)
	case sioparser.Ack, sioparser.BinaryAck:
		sock.onAck(p)
	default:
		c.sess.Close(ReasonParseError)
	}
}

func (c *client) connect(p *sioparser.Packet) {
	c.mu.Lock()
	_, dup := c.sockets[p.Namespace]
	c.mu.Unlock()
	if dup {
		c.sess.Close(ReasonParseError)
		return
	}
	if max := c.srv.cfg.MaxAuthBytes; max >= 0 && len(p.Data) > max {
		// Refused before decoding: nothing of it is kept.
		c.srv.count(&c.srv.counts.badAuth, slog.LevelWarn, "socketio: connect refused: auth too large",
			"sid", c.sess.ID(), "client", c.sess.ClientAddr(), "bytes", len(p.Data), "max_auth_bytes", max)
		c.sendConnectError(p.Namespace, &ConnectError{Message: "bad auth"})
		return
	}
	// Middleware, OfFunc matchers and connection handlers are the user's.
	defer c.recoverHandler("connect", p.Namespace)
	auth := Auth{}
	if len(p.Data) > 0 {
		var m map[string]any
		if err := msgpack.Unmarshal(p.Data, &m); err != nil {
			c.sess.Close(ReasonParseError)
			return
		}
		if m != nil {
			auth = m
		}
	}
	nsp := c.srv.lookup(p.Namespace, auth)
	if nsp == nil {
		c.sendConnectError(p.Namespace, &ConnectError{Message: "Invalid namespace"})
		return
	}
	sock := newSocket(nsp, c, auth, p.Namespace)
	if err := nsp.runMiddleware(sock); err != nil {
		var ce *ConnectError
		if !errors.As(err, &ce) {
			ce = &ConnectError{Message: err.Error()}
		}
		c.sendConnectError(p.Namespace, ce)
		return
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.sockets[p.Namespace] = sock
	c.everJoined = true
	if c.connectTimer != nil {
		c.connectTimer.Stop()
		c.connectTimer = nil
	}
	c.mu.Unlock()
	nsp.add(sock)
	data, _ := sioparser.EncodeValue(connectReply{SID: sock.id})
	c.send(newOutPacket(sioparser.Packet{Type: sioparser.Connect, Namespace: p.Namespace, Data: data}), false)
	nsp.fireConnection(sock)
}

// connectReply is the data of a CONNECT reply.
type connectReply struct {
	SID string `msgpack:"sid"`
}

// connectErrorReply is the data of a CONNECT_ERROR without data, connectErrorDataReply with
// it. Two types rather than omitempty, which would also drop a Data of false, 0 or "". The
// fields' order is the keys' order on the wire: message first, as the reference sends it.
type connectErrorReply struct {
	Message string `msgpack:"message"`
}

type connectErrorDataReply struct {
	Message string `msgpack:"message"`
	Data    any    `msgpack:"data"`
}

func (c *client) sendConnectError(nsp string, ce *ConnectError) {
	var v any = connectErrorReply{Message: ce.Message}
	if ce.Data != nil {
		v = connectErrorDataReply{Message: ce.Message, Data: ce.Data}
	}
	data, err := sioparser.EncodeValue(v)
	if err != nil { // Data cannot be encoded: the message alone
		data, _ = sioparser.EncodeValue(connectErrorReply{Message: ce.Message})
	}
	c.send(newOutPacket(sioparser.Packet{Type: sioparser.ConnectError, Namespace: nsp, Data: data}), false)
}

// send hands an encoded packet to the session without waiting. A volatile
// packet is dropped when the session is busy.
func (c *client) send(o *outPacket, volatile bool) error {
	msgs, err := o.messages(c.kind())
	if err != nil {
		return err
	}
	if volatile {
		c.sess.SendVolatile(msgs...)
		return nil
	}
	return c.sess.Send(msgs...)
}

func (c *client) removeSocket(nsp string) {
	c.mu.Lock()
	delete(c.sockets, nsp)
	if c.lastSock != nil && c.lastSock.nspName == nsp {
		c.lastSock = nil
	}
	c.mu.Unlock()
}

// OnClose implements engineio.SessionHandler: every socket of the connection
// disconnects with the session's reason.
func (c *client) OnClose(reason string, _ error) {
	c.mu.Lock()
	c.closed = true
	if c.connectTimer != nil {
		c.connectTimer.Stop()
		c.connectTimer = nil
	}
	socks := make([]*Socket, 0, len(c.sockets))
	for _, s := range c.sockets {
		socks = append(socks, s)
	}
	c.mu.Unlock()
	for _, s := range socks {
		s.onClose(reason)
	}
}

// disconnectAll sends DISCONNECT on every namespace and closes the session
// (Socket.Disconnect(true)).
func (c *client) disconnectAll() {
	c.mu.Lock()
	socks := make([]*Socket, 0, len(c.sockets))
	for _, s := range c.sockets {
		socks = append(socks, s)
	}
	c.mu.Unlock()
	for _, s := range socks {
		s.Disconnect(false)
	}
	c.sess.Close(ReasonForcedClose)
}
