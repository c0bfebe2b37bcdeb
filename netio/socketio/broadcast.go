package socketio

import (
	"github.com/tickroom/tickroom/netio/sioparser"
)

// Broadcast selects sockets of a namespace by room and emits to them. Each
// method returns a new value, so a Broadcast can be kept and reused.
type Broadcast struct {
	nsp      *Namespace
	rooms    []string
	except   []string
	skip     *Socket // the emitting socket, for socket.broadcast / socket.to
	volatile bool
}

func (b *Broadcast) clone() *Broadcast {
	c := *b
	c.rooms = append([]string(nil), b.rooms...)
	c.except = append([]string(nil), b.except...)
	return &c
}

// To adds rooms: the broadcast reaches sockets in any of them.
func (b *Broadcast) To(rooms ...string) *Broadcast {
	c := b.clone()
	c.rooms = append(c.rooms, rooms...)
	return c
}

// In is To.
func (b *Broadcast) In(rooms ...string) *Broadcast { return b.To(rooms...) }

// Except leaves out sockets in any of rooms.
func (b *Broadcast) Except(rooms ...string) *Broadcast {
	c := b.clone()
	c.except = append(c.except, rooms...)
	return c
}

// Volatile drops the event for connections that are busy.
func (b *Broadcast) Volatile() *Broadcast {
	c := b.clone()
	c.volatile = true
	return c
}

// targets resolves the selection under the namespace's read lock.
func (b *Broadcast) targets() []*Socket {
	var out []*Socket
	for _, n := range b.namespaces() {
		out = n.collect(b, out)
	}
	return out
}

func (b *Broadcast) namespaces() []*Namespace {
	if b.nsp.match == nil {
		return []*Namespace{b.nsp}
	}
	b.nsp.mu.RLock()
	defer b.nsp.mu.RUnlock()
	return append([]*Namespace(nil), b.nsp.children...)
}

func (n *Namespace) collect(b *Broadcast, out []*Socket) []*Socket {
	n.mu.RLock()
	defer n.mu.RUnlock()
	excluded := func(s *Socket) bool {
		if s == b.skip {
			return true
		}
		for _, r := range b.except {
			if n.inRoom(s, r) {
				return true
			}
		}
		return false
	}
	if len(b.rooms) == 0 {
		for _, s := range n.sockets {
			if !excluded(s) {
				out = append(out, s)
			}
		}
		return out
	}
	var seen map[*Socket]struct{}
	if len(b.rooms) > 1 {
		seen = make(map[*Socket]struct{})
	}
	add := func(s *Socket) {
		if seen != nil {
			if _, dup := seen[s]; dup {
				return
			}
			seen[s] = struct{}{}
		}
		if !excluded(s) {
			out = append(out, s)
		}
	}
	for _, r := range b.rooms {
		if s := n.sockets[r]; s != nil { // a socket's own id room
			add(s)
		}
		for s := range n.rooms[r] {
			add(s)
		}
	}
	return out
}

// Emit sends the event to every selected socket. The packet is encoded once
// per parser kind; no connection is waited for. Broadcasts cannot ask for
// acks.
func (b *Broadcast) Emit(event string, args ...any) error {
	if sioparser.IsReservedEvent(event) {
		return ErrReservedEvent
	}
	data, err := sioparser.EncodeArgs(event, args)
	if err != nil {
		return err
	}
	targets := b.targets()
	if len(targets) == 0 {
		return nil
	}
	byNsp := make(map[string]*outPacket, 1)
	for _, s := range targets {
		o := byNsp[s.nspName]
		if o == nil {
			o = newOutPacket(sioparser.Packet{Type: sioparser.Event, Namespace: s.nspName, Data: data})
			byNsp[s.nspName] = o
		}
		// A failed send closes that connection only; others go on.
		_ = s.client.send(o, b.volatile)
	}
	return nil
}

// Send emits a "message" event.
func (b *Broadcast) Send(args ...any) error { return b.Emit("message", args...) }

// FetchSockets returns the selected sockets.
func (b *Broadcast) FetchSockets() []*Socket { return b.targets() }

// DisconnectSockets disconnects the selected sockets; close also closes
// their connections.
func (b *Broadcast) DisconnectSockets(close bool) {
	for _, s := range b.targets() {
		s.Disconnect(close)
	}
}

// SocketsJoin makes the selected sockets join rooms.
func (b *Broadcast) SocketsJoin(rooms ...string) {
	for _, s := range b.targets() {
		s.Join(rooms...)
	}
}

// SocketsLeave makes the selected sockets leave room.
func (b *Broadcast) SocketsLeave(room string) {
	for _, s := range b.targets() {
		s.Leave(room)
	}
}
