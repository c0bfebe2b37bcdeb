package lobby

import (
	"errors"
	"fmt"
	"time"

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

// answerer is a request handler that answers by calling answer, exactly
// once, from any goroutine: one whose answer is made where the request is
// served (a room:message, answered on the room goroutine before the events
// its handler sent).
type answerer func(c *conn, payload []byte, answer answerFunc)

// answerFunc sends a request's ack: {ok: true, ...result}, then runs
// after; or {ok: false, error} for err (INTERNAL for an err that is not a
// *RequestError).
type answerFunc func(result any, after func(), err error)

// route is one request event, its handler and its counters.
type route struct {
	event string
	fn    answerer
	stats *RequestStats
}

// newRoutes lists the game protocol's requests.
func (h *Host) newRoutes() []*route {
	sync := func(fn handler) answerer {
		return func(c *conn, payload []byte, answer answerFunc) { answer(fn(c, payload)) }
	}
	var routes []*route
	add := func(event string, fn answerer) {
		routes = append(routes, &route{event: event, fn: fn, stats: newRequestStats(event)})
	}
	for _, r := range []struct {
		event string
		fn    handler
	}{
		{"room:create", h.create}, {"room:join", h.join}, {"room:rejoin", h.rejoin},
		{"room:leave", h.leave}, {"room:quickjoin", h.quickjoin}, {"room:ready", h.ready},
		{"room:kick", h.kick}, {"room:chat", h.chat},
		{"lobby:list", h.list}, {"lobby:watch", h.watch}, {"lobby:unwatch", h.unwatch},
		{"room:resync", h.resync}, {"time:sync", timeSync},
	} {
		add(r.event, sync(r.fn))
	}
	add("room:message", h.message) // answered on the room goroutine
	add("room:start", h.start)     // answered in the tick step that starts the game
	return routes
}

// serve adapts a route to a socket event: it checks the payload's shape
// and size, hands it over with the function that answers through the ack,
// and drops a request without an ack (counted, logged at debug level). A
// panic in the handler (or in mode code it called, Configure) ends this
// connection, never the process. Every answer is counted by its code, with
// the time it took.
func (h *Host) serve(c *conn, r *route) socketio.EventHandler {
	fn := r.fn
	return func(s *socketio.Socket, args socketio.Args, ack socketio.Ack) {
		start := time.Now()
		if ack != nil {
			next := ack
			ack = func(a ...any) error {
				r.stats.observe(a, time.Since(start))
				return next(a...)
			}
		}
		defer func() {
			if v := recover(); v != nil {
				h.recovered("request handler", v)
				s.Disconnect(true)
			}
		}()
		if ack == nil {
			r.stats.dropped.Add(1)
			h.dropped.Add(1)
			h.cfg.Logger.Debug("lobby: request without ack dropped", "sid", s.ID())
			return
		}
		payload := args.Raw(0)
		kind, ok := payloadKind(payload)
		if kind == mpwire.Nil {
			payload = nil // absent or nil counts as {}
		}
		if !ok || kind != mpwire.Nil && kind != mpwire.Map {
			_ = ack(errorAck{Error: reqErr(CodeBadRequest, "the payload must be an object")})
			return
		}
		if max := h.cfg.Limits.MaxPayload; max >= 0 && len(payload) > max {
			h.refuse(RefusedPayload, c)
			_ = ack(errorAck{Error: reqErr(CodeBadRequest, fmt.Sprintf("the payload is over %d bytes", max))})
			return
		}
		fn(c, payload, func(res any, after func(), err error) { h.answer(ack, res, after, err) })
	}
}

// answer acks a request with its result or its error.
func (h *Host) answer(ack socketio.Ack, res any, after func(), err error) {
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
	send := func() { _ = ack(out) }
	if j, ok := res.(*Joined); ok && j.held != nil {
		// The ack, then what the seat held, in one step: a room closing
		// right after the client has its ack (a shutdown) still reaches it
		// with room:closed, before the connection closes.
		j.held.ActivateWith(send)
	} else {
		send()
	}
	if after != nil {
		after()
	}
}

// payloadKind is the kind of a request's payload: Nil when absent, false
// when it does not even start as msgpack.
func payloadKind(payload []byte) (mpwire.Kind, bool) {
	if len(payload) == 0 {
		return mpwire.Nil, true
	}
	h, _, err := mpwire.ReadHead(payload, 0)
	return h.Kind, err == nil
}

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
