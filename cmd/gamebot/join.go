package main

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/netio/client"
	"github.com/vmihailenco/msgpack/v5"
)

// ack is a request's ack: {ok: false, error} or, for a seat request, the part of a Joined a
// bot needs (docs/protocol.md, "RoomInfo, PlayerInfo, Joined"; url: docs/cluster.md).
type ack struct {
	OK    bool          `msgpack:"ok"`
	Error *requestError `msgpack:"error"`
	Room  struct {
		Code  string `msgpack:"code"`
		Phase string `msgpack:"phase"`
	} `msgpack:"room"`
	You struct {
		PlayerID  int64  `msgpack:"playerId"`
		SeatToken string `msgpack:"seatToken"`
	} `msgpack:"you"`
	Schema *game.SchemaDescription `msgpack:"schema"`
	// URL, in a cluster, is the origin of the node that holds the seat when it is not the one
	// that answered: the bot follows it there (follow).
	URL string `msgpack:"url"`
}

// group is one private room's rendezvous: its first bot (the host) creates the room and
// closes ready (code set) or failed; each other bot settles once its join is done, and the
// host starts the room when all have.
type group struct {
	ready, failed chan struct{}
	code          string // written before ready is closed
	failOnce      sync.Once
	left          atomic.Int64  // joiners yet to settle
	settled       chan struct{} // closed when left reaches 0
}

func newGroup(joiners int) *group {
	g := &group{ready: make(chan struct{}), failed: make(chan struct{}), settled: make(chan struct{})}
	g.left.Store(int64(joiners))
	if joiners == 0 {
		close(g.settled)
	}
	return g
}

func (g *group) fail() { g.failOnce.Do(func() { close(g.failed) }) }

func (g *group) settle() {
	if g.left.Add(-1) == 0 {
		close(g.settled)
	}
}

// isHost reports whether the bot makes its group's private room.
func (b *bot) isHost() bool {
	return b.r.cfg.Rooms == RoomsPrivate && b.index%b.r.cfg.RoomSize == 0
}

// settle tells a joiner's group that its join is done, once.
func (b *bot) settle() {
	if b.r.cfg.Rooms != RoomsPrivate || b.isHost() || b.settled {
		return
	}
	b.settled = true
	b.r.group(b.index).settle()
}

// join seats the bot: room:quickjoin, or for private rooms room:create and, once the group
// has joined, room:start by its host, room:join by code for the others. A failure returns the
// request it happened in.
//
// The host starts its room only when every other bot of its group is done joining, so gamebot
// need not know the mode's minimum of players: a group of at least that many starts, and one
// with fewer gets the server's own answer (BAD_REQUEST "fewer players than the mode's
// minimum"), in the report. A room that started by itself (a mode that starts when full)
// answers ROOM_LOCKED, which is no error here.
func (b *bot) join(ctx context.Context) (op string, err error) {
	cfg := &b.r.cfg
	start := time.Now()
	switch {
	case cfg.Rooms == RoomsQuickjoin:
		op = "quickjoin"
		_, err = b.request(ctx, "room:quickjoin", map[string]any{"mode": cfg.Mode}, true)
	case b.isHost():
		g := b.r.group(b.index)
		var a ack
		a, err = b.request(ctx, "room:create", map[string]any{"mode": cfg.Mode, "private": true,
			"maxPlayers": cfg.RoomSize, "name": b.name}, true)
		if err != nil {
			g.fail()
			return "create", err
		}
		g.code = a.Room.Code
		close(g.ready)
		b.r.stats.joinTime.record(time.Since(start))
		select {
		case <-g.settled:
		case <-b.lost:
			return "start", errLost
		case <-ctx.Done():
			return "start", ctx.Err()
		}
		if _, err = b.request(ctx, "room:start", map[string]any{}, false); err != nil && !isCode(err, "ROOM_LOCKED") {
			return "start", err
		}
		return "", nil
	default:
		op = "join"
		g := b.r.group(b.index)
		select {
		case <-g.ready:
		case <-g.failed:
			return op, fail(codeHostFailed, "the host of the bot's group could not make the room")
		case <-ctx.Done():
			return op, ctx.Err()
		}
		start = time.Now()
		_, err = b.request(ctx, "room:join", map[string]any{"code": g.code}, true)
		b.settle()
	}
	if err != nil {
		return op, err
	}
	b.r.stats.joinTime.record(time.Since(start))
	return "", nil
}

// request sends a request and waits for its ack; {ok: false} is a *requestError. For a seat
// request (seat) the Joined is taken by seat in the ack's callback, on the connection's
// reader: the snapshots that follow the Joined are read after it, and find the seat's mirror
// in place. A Joined with url is a seat on another node, which the bot follows there.
func (b *bot) request(ctx context.Context, event string, payload any, seat bool) (ack, error) {
	a, err := b.ask(ctx, b.s, event, payload, seat)
	if err != nil || !seat || a.URL == "" {
		return a, err
	}
	return b.follow(ctx, a)
}

// maxMoves bounds the nodes one seat request is sent on to: the owner answers for its own
// seats without url, so a chain of urls means the nodes disagree about where the seat is.
const maxMoves = 3

// follow takes a seat that is on another node of a cluster, a Joined with url (the owner's
// origin) whose seat waits there like a seat in grace: it connects to url with the same
// options, makes that the bot's connection and closes the one before (a bot has one at a
// time), and sends room:rejoin with the Joined's token, whose ack seats the bot. A failure is
// a *moveError.
func (b *bot) follow(ctx context.Context, a ack) (ack, error) {
	start := time.Now()
	for hop := 0; a.URL != ""; hop++ {
		if hop == maxMoves {
			return a, &moveError{a.URL, fail(codeMoveLoop, "the seat was sent on %d times, last to %s", maxMoves, a.URL)}
		}
		s, err := b.dial(ctx, a.URL)
		if err != nil {
			return a, &moveError{a.URL, err}
		}
		old := b.s
		b.s = s
		b.live.Store(s)
		_ = old.Manager().Close()
		to := a.URL
		if a, err = b.ask(ctx, s, "room:rejoin", map[string]any{"seatToken": a.You.SeatToken}, true); err != nil {
			return a, &moveError{to, err}
		}
	}
	st := &b.r.stats
	st.moveTime.record(time.Since(start))
	if !b.moved {
		b.moved = true
		st.botsMoved.Add(1)
	}
	return a, nil
}

// ask sends a request on s and waits for its ack (see request); a Joined with url is not
// taken.
func (b *bot) ask(ctx context.Context, s *client.Socket, event string, payload any, seat bool) (ack, error) {
	ctx, cancel := context.WithTimeout(ctx, b.r.cfg.JoinTimeout)
	defer cancel()
	type result struct {
		a   ack
		err error
	}
	done := make(chan result, 1)
	err := s.EmitWithAck(event, func(args client.Args, err error) {
		var a ack
		if err == nil {
			a, err = decodeAck(args)
		}
		switch {
		case err != nil || !seat:
		case a.URL == "":
			err = b.seat(&a)
		default: // the seat is elsewhere: this connection is in no room, and is left
			b.live.CompareAndSwap(s, nil)
		}
		done <- result{a, err}
	}, payload)
	if err != nil {
		return ack{}, err
	}
	select {
	case r := <-done:
		return r.a, r.err
	case <-ctx.Done():
		return ack{}, ctx.Err()
	}
}

func decodeAck(args client.Args) (ack, error) {
	var a ack
	if args.Len() != 1 {
		return a, fail(codeBadAck, "an ack with %d arguments", args.Len())
	}
	if err := msgpack.Unmarshal(args.Raw(0), &a); err != nil {
		return a, fail(codeBadAck, "the ack does not decode: %v", err)
	}
	if !a.OK {
		if a.Error == nil {
			return a, &requestError{Code: codeUnknown, Message: "{ok: false} without an error"}
		}
		return a, a.Error
	}
	return a, nil
}

// seat takes a Joined: a mirror of the schema it carries, the strategy for that schema, and
// fresh per-seat measurements. It runs on the connection's reader.
func (b *bot) seat(a *ack) error {
	s, strat, err := b.r.seatOf(a)
	if err != nil {
		b.mu.Lock()
		b.refused, b.mirror = true, nil // the snapshots that follow are not the bot's to take
		b.mu.Unlock()
		return err
	}
	select {
	case <-b.ended: // a signal of the last seat's end, not of this one
	default:
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.endSeat()
	b.seated, b.matchOver, b.refused, b.seatedAt, b.phase = true, false, false, time.Now(), a.Room.Phase
	b.mirror, b.strat, b.in, b.pid = game.NewMirror(s), strat, newInput(s.Inputs), a.You.PlayerID
	b.changed, b.seatSnap, b.seatIn = false, 0, 0
	b.lastAcked = b.lastSent // inputs sent to another room are acked by none
	return nil
}

// seatOf reads the schema of a Joined and makes the seat's strategy for it.
func (r *runner) seatOf(a *ack) (*game.Schema, strategy, error) {
	if a.Schema == nil {
		return nil, nil, fail(codeBadSchema, "the Joined carries no schema")
	}
	s, err := a.Schema.Schema()
	if err != nil {
		return nil, nil, fail(codeBadSchema, "%v", err)
	}
	strat, err := r.newStrategy(s)
	if err != nil {
		return nil, nil, fail(codeStrategy, "%v", err)
	}
	return s, strat, nil
}
