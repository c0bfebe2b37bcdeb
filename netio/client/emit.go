package client

import (
	"context"
	"time"

	"github.com/tickroom/tickroom/netio/engineio"
	"github.com/tickroom/tickroom/netio/sioparser"
)

// Emit sends an event. It never blocks: while the socket is connecting or reconnecting the
// event is buffered (up to QueueSize packets) and sent once the namespace is joined. It fails
// with ErrQueueFull when the queue is full and ErrDisconnected when the socket is not active.
func (s *Socket) Emit(event string, args ...any) error {
	return s.emit(event, args, false, nil, 0)
}

// Send emits a "message" event.
func (s *Socket) Send(args ...any) error { return s.Emit("message", args...) }

// EmitWithAck sends an event asking for an ack and calls cb once with the server's answer,
// ErrAckTimeout after Options.AckTimeout (when set), or ErrDisconnected. cb must not block.
func (s *Socket) EmitWithAck(event string, cb AckCallback, args ...any) error {
	return s.emit(event, args, false, cb, s.m.opts.AckTimeout)
}

// EmitWithAckContext sends an event and waits for its ack until ctx is done (ctx's error),
// the Options.AckTimeout passes (ErrAckTimeout) or the socket disconnects (ErrDisconnected).
// Do not call it from an event handler of the same Manager: the ack is read on that goroutine.
func (s *Socket) EmitWithAckContext(ctx context.Context, event string, args ...any) (Args, error) {
	return s.emitWait(ctx, event, args, false, s.m.opts.AckTimeout)
}

// Timeout returns an emitter whose acks fail with ErrAckTimeout after d (the npm client's
// socket.timeout(d).emit).
func (s *Socket) Timeout(d time.Duration) *Emitter { return &Emitter{s: s, timeout: d} }

// Volatile returns an emitter whose events are dropped, not queued, when the socket is not
// connected or the connection is busy writing (the npm client's socket.volatile.emit).
func (s *Socket) Volatile() *Emitter {
	return &Emitter{s: s, volatile: true, timeout: s.m.opts.AckTimeout}
}

// Emitter carries emit modifiers. It is a value owned by its caller, never shared state of the
// socket.
type Emitter struct {
	s        *Socket
	timeout  time.Duration
	volatile bool
}

// Timeout sets the ack timeout.
func (e *Emitter) Timeout(d time.Duration) *Emitter { c := *e; c.timeout = d; return &c }

// Volatile makes the events droppable.
func (e *Emitter) Volatile() *Emitter { c := *e; c.volatile = true; return &c }

// Emit sends an event with the emitter's modifiers.
func (e *Emitter) Emit(event string, args ...any) error {
	return e.s.emit(event, args, e.volatile, nil, 0)
}

// EmitWithAck sends an event and calls cb with the ack or an error.
func (e *Emitter) EmitWithAck(event string, cb AckCallback, args ...any) error {
	return e.s.emit(event, args, e.volatile, cb, e.timeout)
}

// EmitWithAckContext sends an event and waits for its ack (see Socket.EmitWithAckContext).
func (e *Emitter) EmitWithAckContext(ctx context.Context, event string, args ...any) (Args, error) {
	return e.s.emitWait(ctx, event, args, e.volatile, e.timeout)
}

func (s *Socket) emitWait(ctx context.Context, event string, args []any, volatile bool, timeout time.Duration) (Args, error) {
	type result struct {
		args Args
		err  error
	}
	ch := make(chan result, 1)
	id, err := s.emitID(event, args, volatile, func(a Args, err error) { ch <- result{a, err} }, timeout)
	if err != nil {
		return Args{}, err
	}
	select {
	case r := <-ch:
		return r.args, r.err
	case <-ctx.Done():
		s.dropAck(id)
		return Args{}, ctx.Err()
	}
}

func (s *Socket) emit(event string, args []any, volatile bool, cb AckCallback, timeout time.Duration) error {
	_, err := s.emitID(event, args, volatile, cb, timeout)
	return err
}

// emitID encodes and queues an event; with cb it registers an ack and returns its id. An
// error means cb will not be called.
func (s *Socket) emitID(event string, args []any, volatile bool, cb AckCallback, timeout time.Duration) (uint64, error) {
	if sioparser.IsReservedEvent(event) {
		return 0, ErrReservedEvent
	}
	// An event of canonical arguments without an ack (a bot's input) is written in one go,
	// with no array or packet encoded on the way; the rest goes through the parser.
	if cb == nil && s.m.opts.Parser == ParserMsgpack {
		if tried, err := s.emitEncoded(volatile, func(dst []byte) ([]byte, bool) {
			return sioparser.AppendCanonicalEvent(dst, s.nsp, event, args)
		}); tried {
			return 0, err
		}
	}
	data, err := sioparser.EncodeArgs(event, args)
	if err != nil {
		return 0, err
	}
	p := sioparser.Packet{Type: sioparser.Event, Namespace: s.nsp, Data: data}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.active {
		return 0, ErrDisconnected
	}
	if volatile && !s.connected {
		return 0, nil // dropped, as the npm client drops volatile emits while disconnected
	}
	var id uint64
	if cb != nil {
		id = s.nextAck
		s.nextAck++
		p.ID, p.HasID = id, true
	}
	msgs, err := s.m.encode(&p)
	if err != nil {
		return 0, err
	}
	if err := s.sendLocked(msgs, volatile, false); err != nil {
		return 0, err
	}
	if cb != nil {
		pa := &pendingAck{cb: cb}
		s.acks[id] = pa
		if timeout > 0 {
			pa.timer = time.AfterFunc(timeout, func() { s.failAck(id, ErrAckTimeout) })
		}
	}
	return id, nil
}

// EmitCanonical sends an event of one argument already encoded as canonical msgpack, as
// Emit(event, arg) would, without boxing arg into an interface (an allocation per emit:
// cmd/gamebot's inputs). arg is copied: the caller may reuse it once EmitCanonical returns.
func (s *Socket) EmitCanonical(event string, arg sioparser.Canonical) error {
	if sioparser.IsReservedEvent(event) {
		return ErrReservedEvent
	}
	if s.m.opts.Parser == ParserMsgpack {
		if tried, err := s.emitEncoded(false, func(dst []byte) ([]byte, bool) {
			return sioparser.AppendCanonicalEvent1(dst, s.nsp, event, arg)
		}); tried {
			return err
		}
	}
	return s.emit(event, []any{arg}, false, nil, 0)
}

// emitEncoded sends the one binary message enc appends to the socket's encoding buffer;
// tried is false, and nothing is sent, when enc cannot write it (the parser's path must). The
// buffer is reused by the next emit: what is queued rather than written keeps a copy.
func (s *Socket) emitEncoded(volatile bool, enc func(dst []byte) ([]byte, bool)) (tried bool, err error) {
	s.encMu.Lock()
	defer s.encMu.Unlock()
	b, ok := enc(s.enc[:0])
	if !ok {
		return false, nil
	}
	if cap(b) <= maxKeptBuffer {
		s.enc = b
	}
	one := [1]engineio.Packet{{Type: engineio.PacketMessage, Binary: true, Data: b}}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.active {
		return true, ErrDisconnected
	}
	if volatile && !s.connected {
		return true, nil // dropped, as the npm client drops volatile emits while disconnected
	}
	return true, s.sendLocked(one[:], volatile, true)
}

// sendLocked sends msgs on the connection, or buffers them until the namespace is joined;
// borrowed says their data is a buffer the caller reuses, copied if kept. s.mu is held.
func (s *Socket) sendLocked(msgs []engineio.Packet, volatile, borrowed bool) error {
	if !s.connected {
		return s.bufferLocked(msgs, borrowed)
	}
	err := s.conn.sendPackets(msgs, volatile, borrowed)
	if err == ErrDisconnected && !volatile {
		err = s.bufferLocked(msgs, borrowed) // the connection just died: wait for the next one
	}
	return err
}

// bufferLocked keeps a copy of msgs (an emit's may be on its stack), and of their data when
// it is borrowed.
func (s *Socket) bufferLocked(msgs []engineio.Packet, borrowed bool) error {
	if s.bufN+len(msgs) > s.m.opts.QueueSize {
		return ErrQueueFull
	}
	s.buf = append(s.buf, appendOwned(nil, msgs, borrowed))
	s.bufN += len(msgs)
	return nil
}

func (s *Socket) failAck(id uint64, err error) {
	s.mu.Lock()
	pa := s.acks[id]
	delete(s.acks, id)
	s.mu.Unlock()
	if pa == nil {
		return
	}
	pa.cb(Args{}, err)
}

func (s *Socket) dropAck(id uint64) {
	s.mu.Lock()
	pa := s.acks[id]
	delete(s.acks, id)
	s.mu.Unlock()
	if pa != nil && pa.timer != nil {
		pa.timer.Stop()
	}
}
