package socketio

import (
	"sync"

	"github.com/tickroom/tickroom/netio/sioparser"
)

// Prepared is an event encoded once for every socket it goes to (encode
// once, send many): its arguments when it is made, its Socket.IO packet at
// most once per parser the receiving connections speak. Make it with
// Prepare, send it with Socket.EmitPrepared; it never changes after
// Prepare, so any goroutine may send it.
type Prepared struct {
	event string // static
	data  []byte // static: the EVENT's data, canonical msgpack

	once sync.Once
	nsp  string     // the namespace of out
	out  *outPacket // the packet for nsp, encoded lazily per parser
}

// Prepare encodes an event and its arguments for Socket.EmitPrepared. A
// reserved event name is ErrReservedEvent.
func Prepare(event string, args ...any) (*Prepared, error) {
	if sioparser.IsReservedEvent(event) {
		return nil, ErrReservedEvent
	}
	data, err := sioparser.EncodeArgs(event, args)
	if err != nil {
		return nil, err
	}
	return &Prepared{event: event, data: data}, nil
}

// Event is the prepared event's name.
func (p *Prepared) Event() string { return p.event }

// packet returns the packet for namespace nsp: the shared one for the
// first namespace it is sent on (in practice the only one), a fresh one for
// any other.
func (p *Prepared) packet(nsp string) *outPacket {
	p.once.Do(func() {
		p.nsp = nsp
		p.out = newOutPacket(sioparser.Packet{Type: sioparser.Event, Namespace: nsp, Data: p.data})
	})
	if nsp == p.nsp {
		return p.out
	}
	return newOutPacket(sioparser.Packet{Type: sioparser.Event, Namespace: nsp, Data: p.data})
}

// EmitPrepared sends a prepared event to this socket, like Emit. It never
// blocks; an error means the event could not be queued.
func (s *Socket) EmitPrepared(p *Prepared) error {
	o := p.packet(s.nspName)
	if !s.Connected() {
		return ErrDisconnected
	}
	return s.client.send(o, false)
}
