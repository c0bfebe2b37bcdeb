package lobby

import (
	"errors"
	"sync"
	"time"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/internal/mpwire"
	"github.com/tickroom/tickroom/rooms"
)

// maxMessageType is the longest room:message type, in characters of
// [A-Za-z0-9_.:-].
const maxMessageType = 32

// messageReq is room:message's payload: the type, and data as the
// canonical msgpack of whatever value the client sent (nil for none).
type messageReq struct {
	typ  string
	data []byte
}

func parseMessage(payload []byte) (messageReq, error) {
	var r messageReq
	f, err := decodeFields(payload)
	if err != nil {
		return r, err
	}
	var ok bool
	if r.typ, ok, err = f.str(keyType, 0); err != nil {
		return r, err
	}
	if !ok || !validMessageType(r.typ) {
		return r, reqErr(CodeBadRequest, "type must be 1..32 characters of A-Z a-z 0-9 _ . : -")
	}
	r.data = rawField(payload, keyData)
	return r, nil
}

func validMessageType(t string) bool {
	if len(t) < 1 || len(t) > maxMessageType {
		return false
	}
	for _, c := range []byte(t) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '.', c == ':', c == '-':
		default:
			return false
		}
	}
	return true
}

// rawField returns the msgpack bytes of the value of key in payload, a
// canonical msgpack map that decodeFields already read (so it is well
// formed), or nil when absent or nil.
func rawField(payload []byte, key string) []byte {
	h, i, err := mpwire.ReadHead(payload, 0)
	if err != nil || h.Kind != mpwire.Map {
		return nil
	}
	for range h.N {
		k, j, err := mpwire.ReadHead(payload, i)
		if err != nil {
			return nil
		}
		start := j + k.N // the value, after the key's bytes
		end, err := mpwire.Skip(payload, start, maxFieldDepth)
		if err != nil {
			return nil
		}
		if k.Kind == mpwire.Str && string(payload[j:start]) == key {
			if payload[start] == 0xc0 {
				return nil // nil counts as absent
			}
			return payload[start:end]
		}
		i = end
	}
	return nil
}

// maxFieldDepth bounds the nesting rawField walks through (the parser has
// bounded it already).
const maxFieldDepth = 64

// messageResult is room:message's ok result when the handler replied.
type messageResult struct {
	Reply any `msgpack:"reply"`
}

// message hands a room:message to the mode's handler, on the room
// goroutine, and answers there (before the events the handler sent). The
// checks, in the contract's order: shape, type and size; the bucket; the
// seat; the handler; its answer.
func (h *Host) message(c *conn, payload []byte, answer answerFunc) {
	req, err := parseMessage(payload)
	if err != nil {
		answer(nil, nil, err)
		return
	}
	if l := &h.cfg.Limits; !c.msgs.take(time.Now(), l.MessageRate, l.MessageBurst) {
		h.refuse(RefusedMessageRate, c)
		answer(nil, nil, reqErr(CodeRateLimited, "too many messages"))
		return
	}
	ref := c.seat.Load()
	if ref == nil {
		answer(nil, nil, errNotInRoom)
		return
	}
	ctx, cancel := h.reqCtx()
	defer cancel()
	var once sync.Once // a room that answered just as the wait timed out answers once
	err = ref.hr.room.Message(ctx, game.Message{From: ref.id, Type: req.typ, Data: req.data}, func(reply any, err error) {
		once.Do(func() { answer(messageAnswer(req.typ, reply, err)) })
	})
	if err != nil { // the room did not answer: it closed, or did not get to it in time
		once.Do(func() { answer(messageAnswer(req.typ, nil, err)) })
	}
}

// messageAnswer maps a room's answer to a message to the request's.
func messageAnswer(typ string, reply any, err error) (any, func(), error) {
	var refused *rooms.RefusedError
	switch {
	case errors.Is(err, rooms.ErrNotSeated), errors.Is(err, rooms.ErrClosed):
		return nil, nil, errNotInRoom
	case errors.Is(err, game.ErrNoHandler):
		return nil, nil, reqErr(CodeBadRequest, "this room has no handler for messages of type "+typ)
	case errors.As(err, &refused):
		return nil, nil, reqErr(CodeRefused, refused.Reason)
	case err != nil:
		return nil, nil, err
	case reply == nil:
		return nil, nil, nil
	}
	return messageResult{Reply: reply}, nil, nil
}
