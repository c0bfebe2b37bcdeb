package cluster

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/tickroom/tickroom/rooms/lobby"
	"github.com/vmihailenco/msgpack/v5"
)

// Send hands req to node over the bus (a request on the node's subject)
// and returns its answer. A node with no subscriber (it died) is
// lobby.ErrNodeGone; a try without an answer is sent again with the same
// request id (the node answers a retry as it did the first), until ctx or
// Config.RequestTimeout ends: then lobby.ErrUnavailable, as it is at once
// while the bus is down.
func (n *Node) Send(ctx context.Context, node string, req *lobby.RemoteRequest) (*lobby.Joined, error) {
	if node == n.id {
		if r := n.host.Load(); r != nil {
			return r.h.Remote(ctx, req)
		}
		return nil, fmt.Errorf("%w: this node serves no host yet", lobby.ErrUnavailable)
	}
	if !n.Ready() {
		return nil, fmt.Errorf("%w: the bus is down", lobby.ErrUnavailable)
	}
	data, err := msgpack.Marshal(req)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, n.cfg.RequestTimeout)
	defer cancel()
	for {
		try, end := context.WithTimeout(ctx, n.cfg.AttemptTimeout)
		msg, err := n.nc.RequestWithContext(try, n.subject(node), data)
		end()
		switch {
		case err == nil:
			return decodeReply(msg.Data)
		case errors.Is(err, nats.ErrNoResponders):
			return nil, fmt.Errorf("%w: %s", lobby.ErrNodeGone, node)
		case ctx.Err() != nil:
			return nil, fmt.Errorf("%w: %s did not answer in time", lobby.ErrUnavailable, node)
		case !n.nc.IsConnected():
			return nil, fmt.Errorf("%w: the bus is down", lobby.ErrUnavailable)
		}
		n.log.Debug("cluster: no answer yet; trying again", "to", node, "req", req.ID, "err", err)
	}
}

func decodeReply(b []byte) (*lobby.Joined, error) {
	var r reply
	if err := msgpack.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("cluster: bad answer: %w", err)
	}
	switch {
	case r.Err != nil:
		return nil, r.Err
	case r.Joined == nil || r.Joined.Room == nil:
		return nil, errors.New("cluster: an answer without a seat")
	}
	meta, err := normalizeMeta(r.Joined.Room.Meta)
	if err != nil {
		return nil, err
	}
	r.Joined.Room.Meta = meta
	return r.Joined, nil
}

// maxServing bounds the requests this node serves at once; past it the
// subscription waits (and the senders retry).
const maxServing = 256

// onRequest serves a request another node sent: on a goroutine of its own,
// so that a slow room does not hold the others' requests.
func (n *Node) onRequest(m *nats.Msg) {
	r := n.host.Load()
	if r == nil {
		return
	}
	n.serving <- struct{}{}
	go func() {
		defer func() { <-n.serving }()
		var rep reply
		req, err := decodeRequest(m.Data)
		if err == nil {
			ctx, cancel := context.WithTimeout(n.ctx, n.cfg.RequestTimeout)
			rep.Joined, err = r.h.Remote(ctx, req)
			cancel()
		}
		if err != nil {
			rep.Joined, rep.Err = nil, answerOf(err)
		}
		b, err := msgpack.Marshal(&rep)
		if err != nil {
			b, _ = msgpack.Marshal(&reply{Err: &lobby.RequestError{Code: lobby.CodeInternal, Message: "the answer could not be encoded"}})
		}
		_ = m.Respond(b)
	}()
}

// answerOf is the client's answer to a failed remote request.
func answerOf(err error) *lobby.RequestError {
	var re *lobby.RequestError
	switch {
	case errors.As(err, &re):
		return re
	case errors.Is(err, lobby.ErrClosed):
		return &lobby.RequestError{Code: lobby.CodeUnavailable, Message: "the room's server is shutting down"}
	}
	return &lobby.RequestError{Code: lobby.CodeInternal, Message: "the room's server failed"}
}
