package socketio

import (
	"sync"
)

// Middleware runs for every connection to a namespace before the socket is
// connected. A non-nil error refuses the connection with CONNECT_ERROR; use
// *ConnectError to send data along with the message.
type Middleware func(s *Socket) error

// Namespace is a Socket.IO namespace: a set of sockets, its middleware and
// connection handlers, and its rooms.
type Namespace struct {
	srv    *Server                           // static
	name   string                            // static; "" for a dynamic parent
	match  func(name string, auth Auth) bool // static; set on dynamic parents
	parent *Namespace                        // static after creation; the dynamic parent of a child

	mu         sync.RWMutex
	middleware []Middleware                    // guarded by mu
	onConnect  []func(*Socket)                 // guarded by mu
	children   []*Namespace                    // guarded by mu (dynamic parents)
	sockets    map[string]*Socket              // guarded by mu: by socket id
	rooms      map[string]map[*Socket]struct{} // guarded by mu
}

func newNamespace(s *Server, name string, match func(string, Auth) bool) *Namespace {
	return &Namespace{
		srv:     s,
		name:    name,
		match:   match,
		sockets: make(map[string]*Socket),
		rooms:   make(map[string]map[*Socket]struct{}),
	}
}

// Name is the namespace's name, e.g. "/" or "/chat". A dynamic parent has
// an empty name.
func (n *Namespace) Name() string { return n.name }

// Use appends middleware. It applies to connections made after the call.
func (n *Namespace) Use(mw Middleware) {
	n.mu.Lock()
	n.middleware = append(n.middleware, mw)
	n.mu.Unlock()
}

// OnConnection registers a handler called for each connected socket, after
// the client has been told it is connected. Register event handlers on the
// socket inside it.
func (n *Namespace) OnConnection(h func(*Socket)) {
	n.mu.Lock()
	n.onConnect = append(n.onConnect, h)
	n.mu.Unlock()
}

func (n *Namespace) addChild(c *Namespace) {
	n.mu.Lock()
	n.children = append(n.children, c)
	n.mu.Unlock()
}

func (n *Namespace) runMiddleware(s *Socket) error {
	var mws []Middleware
	if n.parent != nil {
		n.parent.mu.RLock()
		mws = append(mws, n.parent.middleware...)
		n.parent.mu.RUnlock()
	}
	n.mu.RLock()
	mws = append(mws, n.middleware...)
	n.mu.RUnlock()
	for _, mw := range mws {
		if err := mw(s); err != nil {
			return err
		}
	}
	return nil
}

func (n *Namespace) fireConnection(s *Socket) {
	var hs []func(*Socket)
	if n.parent != nil {
		n.parent.mu.RLock()
		hs = append(hs, n.parent.onConnect...)
		n.parent.mu.RUnlock()
	}
	n.mu.RLock()
	hs = append(hs, n.onConnect...)
	n.mu.RUnlock()
	for _, h := range hs {
		h(s)
	}
}

func (n *Namespace) add(s *Socket) {
	n.mu.Lock()
	n.sockets[s.id] = s // its own id room is implicit: see inRoom
	n.mu.Unlock()
}

func (n *Namespace) remove(s *Socket) {
	n.mu.Lock()
	delete(n.sockets, s.id)
	for room := range s.rooms {
		n.leaveLocked(s, room)
	}
	n.mu.Unlock()
}

// joinLocked adds s to room; n.mu is held. Joining the socket's own id room
// is a no-op: every socket is in it implicitly, which spares a map per socket.
func (n *Namespace) joinLocked(s *Socket, room string) {
	if room == s.id {
		return
	}
	if s.rooms == nil {
		s.rooms = make(map[string]struct{})
	}
	m := n.rooms[room]
	if m == nil {
		m = make(map[*Socket]struct{})
		n.rooms[room] = m
	}
	m[s] = struct{}{}
	s.rooms[room] = struct{}{}
}

// leaveLocked removes s from room; n.mu is held. Empty rooms are deleted so
// the room map does not only grow.
func (n *Namespace) leaveLocked(s *Socket, room string) {
	if m := n.rooms[room]; m != nil {
		delete(m, s)
		if len(m) == 0 {
			delete(n.rooms, room)
		}
	}
	delete(s.rooms, room)
}

// inRoom reports whether s is in room (its own id room included); n.mu is held.
func (n *Namespace) inRoom(s *Socket, room string) bool {
	if room == s.id {
		return true
	}
	_, ok := n.rooms[room][s]
	return ok
}

// Socket returns the connected socket with the given id, or nil.
func (n *Namespace) Socket(id string) *Socket {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.sockets[id]
}

// Len is the number of connected sockets.
func (n *Namespace) Len() int {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return len(n.sockets)
}

func (n *Namespace) op() *Broadcast { return &Broadcast{nsp: n} }

// Emit broadcasts an event to every socket of the namespace (of every child
// for a dynamic parent).
func (n *Namespace) Emit(event string, args ...any) error { return n.op().Emit(event, args...) }

// Send emits a "message" event to every socket.
func (n *Namespace) Send(args ...any) error { return n.op().Emit("message", args...) }

// To selects the sockets in any of rooms.
func (n *Namespace) To(rooms ...string) *Broadcast { return n.op().To(rooms...) }

// In is To.
func (n *Namespace) In(rooms ...string) *Broadcast { return n.op().To(rooms...) }

// Except leaves out the sockets in any of rooms.
func (n *Namespace) Except(rooms ...string) *Broadcast { return n.op().Except(rooms...) }

// Volatile makes the broadcast skip connections that are busy.
func (n *Namespace) Volatile() *Broadcast { return n.op().Volatile() }

// FetchSockets returns the connected sockets.
func (n *Namespace) FetchSockets() []*Socket { return n.op().FetchSockets() }

// DisconnectSockets disconnects every socket; close also closes their
// connections.
func (n *Namespace) DisconnectSockets(close bool) { n.op().DisconnectSockets(close) }
