package soak

import (
	"context"
	"errors"
	"time"

	"github.com/tickroom/tickroom/netio/client"
	"github.com/vmihailenco/msgpack/v5"
)

// The Go client (netio/client) as the abusers use it: requests and their outcomes.

// Outcomes that are not the server's answer.
const (
	notSent    = "not sent"              // the client refused to queue it
	noAnswer   = "no answer in 10 s"     // the server did not answer in time
	lost       = "connection lost"       // the connection ended while the request waited
	endOfRun   = "unanswered at the end" // the abuser closed its connection (the window's end, or its own rotation)
	connFailed = "connect failed"
)

// connectFailed reports whether err ended a connect, and counts it unless the window's end
// did.
func connectFailed(ctx context.Context, t *tally, err error) bool {
	if err != nil && ctx.Err() == nil {
		t.add(connFailed)
	}
	return err != nil
}

// dial connects a Go client to the main namespace. It does not reconnect: every loss shows.
func (e *env) dial(ctx context.Context, tr client.Transport, auth any) (*client.Socket, error) {
	o := client.DefaultOptions()
	o.Transport = tr
	o.Reconnection = false
	o.ConnectTimeout = 10 * time.Second
	o.AckTimeout = 10 * time.Second
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return client.Dial(cctx, e.url, auth, &o)
}

// joined is what the abusers keep of a Joined.
type joined struct {
	Room struct {
		ID   string `msgpack:"id"`
		Code string `msgpack:"code"`
	} `msgpack:"room"`
	You struct {
		SeatToken string `msgpack:"seatToken"`
	} `msgpack:"you"`
}

// answerOf names a request's outcome: "OK", the error code, or what happened instead.
func answerOf(ctx context.Context, args client.Args, err error, out any) string {
	switch {
	case err != nil && ctx.Err() != nil:
		return endOfRun
	case errors.Is(err, client.ErrAckTimeout):
		return noAnswer
	case err != nil:
		return lost
	}
	var a struct {
		OK    bool `msgpack:"ok"`
		Error *struct {
			Code string `msgpack:"code"`
		} `msgpack:"error"`
	}
	if args.Len() != 1 || msgpack.Unmarshal(args.Raw(0), &a) != nil || (!a.OK && a.Error == nil) {
		return "malformed ack"
	}
	if !a.OK {
		return a.Error.Code
	}
	if out != nil && msgpack.Unmarshal(args.Raw(0), out) != nil {
		return "malformed ack"
	}
	return "OK"
}

// ask sends a request and waits for its answer; out, when not nil, receives an OK result.
func ask(ctx context.Context, s *client.Socket, event string, payload any, out any) string {
	args, err := s.EmitWithAckContext(ctx, event, payload)
	return answerOf(ctx, args, err, out)
}

// askAsync sends a request without waiting and counts its answer in t as prefix+answer.
func askAsync(ctx context.Context, s *client.Socket, event string, payload any, t *tally, prefix string) {
	err := s.EmitWithAck(event, func(args client.Args, err error) {
		t.add(prefix + answerOf(ctx, args, err, nil))
	}, payload)
	if err != nil {
		t.add(prefix + notSent)
	}
}

// unanswered is how many of t's requests got no answer from a server that was up.
func unanswered(t *tally) int64 {
	return t.sumPrefix(noAnswer) + t.sumPrefix(lost) + t.sumPrefix(notSent) + t.sumPrefix("malformed ack")
}

// answered is how many requests got an answer.
func answered(t *tally) int64 {
	return t.get("requests") - unanswered(t) - t.get(endOfRun)
}

// closeSocket ends a Go client's connection.
func closeSocket(s *client.Socket) { _ = s.Manager().Close() }

// requestChecks are every request abuser's: the server answered each request, none timed out,
// no connection was lost.
func requestChecks(x *expect, t *tally) {
	x.that(unanswered(t) == 0, "%d requests unanswered or connections lost", unanswered(t))
	x.that(t.get(connFailed) == 0, "%d connects failed", t.get(connFailed))
	x.that(answered(t) > 0, "no request answered")
}
