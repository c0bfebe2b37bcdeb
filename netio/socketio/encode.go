package socketio

import (
	"sync"

	"github.com/tickroom/tickroom/netio/engineio"
	"github.com/tickroom/tickroom/netio/sioparser"
)

// parserKind is the Socket.IO parser a connection speaks.
type parserKind uint32

const (
	parserUnknown parserKind = iota
	parserMsgpack
	parserText
)

// outPacket is a packet encoded lazily once per parser kind, so a broadcast
// to many connections encodes at most twice.
type outPacket struct {
	pkt sioparser.Packet

	mpOnce, txtOnce sync.Once
	mp, txt         []engineio.Message
	mpErr, txtErr   error
}

func newOutPacket(p sioparser.Packet) *outPacket { return &outPacket{pkt: p} }

// messages returns the Engine.IO messages for a connection speaking kind.
func (o *outPacket) messages(kind parserKind) ([]engineio.Message, error) {
	if kind == parserText {
		o.txtOnce.Do(func() {
			text, atts, err := sioparser.EncodeText(&o.pkt)
			if err != nil {
				o.txtErr = err
				return
			}
			msgs := make([]engineio.Message, 0, 1+len(atts))
			msgs = append(msgs, engineio.Message{Data: []byte(text)})
			for _, a := range atts {
				msgs = append(msgs, engineio.Message{Binary: true, Data: a})
			}
			o.txt = msgs
		})
		return o.txt, o.txtErr
	}
	o.mpOnce.Do(func() {
		b, err := sioparser.EncodeMsgpack(&o.pkt)
		if err != nil {
			o.mpErr = err
			return
		}
		o.mp = []engineio.Message{{Binary: true, Data: b}}
	})
	return o.mp, o.mpErr
}
