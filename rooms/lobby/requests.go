package lobby

import (
	"errors"
	"fmt"

	"github.com/tickroom/tickroom/internal/mpwire"
	"github.com/tickroom/tickroom/netio/socketio"
	"github.com/vmihailenco/msgpack/v5"
)

// handler is a request handler: the payload, already checked to be a map or
// absent (nil), and the ok result (a struct encoding as a map, or nil for
// {}). after, when not nil, runs once the ack has been queued (to release
// what the request caused: the contract sends the ack before any event the
// request causes reaches the requester).
type handler func(c *conn, payload []byte) (result any, after func(), err error)

// request adapts a handler to a socket event: it checks the payload's shape,
// answers through the ack with {ok: true, ...result} or {ok: false, error},
// and drops a request without an ack (counted, logged at debug level).
func (h *Host) request(c *conn, fn handler) socketio.EventHandler {
	return func(s *socketio.Socket, args socketio.Args, ack socketio.Ack) {
		defer func() {
			// A panic in a handler (or in mode code it called, Configure)
			// ends this connection, never the process.
			if v := recover(); v != nil {
				h.recovered("request handler", v)
				s.Disconnect(true)
			}
		}()
		if ack == nil {
			h.dropped.Add(1)
			h.cfg.Logger.Debug("lobby: request without ack dropped", "sid", s.ID())
			return
		}
		payload := args.Raw(0)
		if len(payload) > 0 && payload[0] == 0xc0 {
			payload = nil // nil counts as {}
		}
		if len(payload) > 0 && !isMap(payload[0]) {
			_ = ack(errorAck{Error: reqErr(CodeBadRequest, "the payload must be an object")})
			return
		}
		if max := h.cfg.Limits.MaxPayload; max >= 0 && len(payload) > max {
			h.refuse(RefusedPayload, c)
			_ = ack(errorAck{Error: reqErr(CodeBadRequest, fmt.Sprintf("the payload is over %d bytes", max))})
			return
		}
		res, after, err := fn(c, payload)
		if err != nil {
			var re *RequestError
			if !errors.As(err, &re) {
				h.cfg.Logger.Error("lobby: request failed", "err", err)
				re = reqErr(CodeInternal, "internal error")
			}
			_ = ack(errorAck{Error: re})
			return
		}
		out, err := okAck(res)
		if err != nil {
			h.cfg.Logger.Error("lobby: result not encodable", "err", err)
			_ = ack(errorAck{Error: reqErr(CodeInternal, "internal error")})
			return
		}
		_ = ack(out)
		if after != nil {
			after()
		}
	}
}

// isMap reports whether a msgpack value starting with byte c is a map.
func isMap(c byte) bool { return c >= 0x80 && c <= 0x8f || c == 0xde || c == 0xdf }

// errorAck is {ok: false, error: {code, message}}.
type errorAck struct {
	OK    bool          `msgpack:"ok"`
	Error *RequestError `msgpack:"error"`
}

// okEntry is the msgpack map entry ok: true; okOnly is {ok: true}, the ack
// of a request without result fields.
const (
	okEntry = "\xa2ok\xc3"
	okOnly  = "\x81" + okEntry
)

// okAck is {ok: true, ...result}: result's fields with ok in front of them.
func okAck(result any) (msgpack.RawMessage, error) {
	if result == nil {
		return msgpack.RawMessage(okOnly), nil
	}
	b, err := msgpack.Marshal(result)
	if err != nil {
		return nil, err
	}
	h, head, err := mpwire.ReadHead(b, 0)
	if err != nil || h.Kind != mpwire.Map {
		return nil, errors.New("lobby: a request's result must encode as a map")
	}
	out := mpwire.AppendMapHeader(make([]byte, 0, len(b)+8), h.N+1)
	out = append(out, okEntry...)
	return append(out, b[head:]...), nil
}
