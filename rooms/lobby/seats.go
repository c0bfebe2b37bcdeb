package lobby

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"time"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/rooms"
)

// The life of a seat: seat takes one (create, join, quickjoin: meta is the
// request's playerMeta, for the mode's CanJoin), rejoin
// moves it to a new connection, disconnected keeps it for the grace
// period, giveUp frees it (leave, kick, grace expiry). Each runs as one
// step on the room goroutine (rooms.Room.Do), where the game's seat and the
// lobby's record of it change together.

// joiner is who takes a seat: a connection of this host, or (c nil) a
// player whose connection is on another node, for whom the seat waits in
// grace until it arrives with room:rejoin.
type joiner struct {
	c       *conn
	name    string
	subject string
	meta    map[string]any // the request's playerMeta, for the mode's CanJoin
}

// joinerOf is connection c taking a seat.
func joinerOf(c *conn, meta map[string]any) joiner {
	return joiner{c: c, name: c.name, subject: c.subject, meta: meta}
}

// seat takes the seat reserved in hr for c (hr.reserve succeeded) and
// builds the Joined result. The joiner's peer is held until the ack is out
// (Joined.held), then auto start is checked (after).
func (h *Host) seat(c *conn, hr *hostedRoom, meta map[string]any) (any, func(), error) {
	peer := rooms.NewSocketPeer(c.s)
	res, err := h.takeSeat(hr, joinerOf(c, meta), peer)
	if err != nil {
		return nil, nil, err
	}
	h.lateDisconnect(c)
	res.held = peer
	return res, func() { h.autoStart(hr) }, nil
}

// seatFor takes the seat reserved in hr for a player of another node: the
// seat waits in grace for its connection. Auto start counts it at once.
func (h *Host) seatFor(who joiner, hr *hostedRoom) (*Joined, error) {
	res, err := h.takeSeat(hr, who, nil)
	if err != nil {
		return nil, err
	}
	go h.autoStart(hr)
	return res, nil
}

// takeSeat seats who in hr, a seat of which is reserved for it, with peer
// (nil for a joiner of another node), in one step on the room goroutine:
// the game's seat, the lobby's record, the events to the others.
func (h *Host) takeSeat(hr *hostedRoom, who joiner, peer *rooms.SocketPeer) (*Joined, error) {
	ref := &seatRef{hr: hr, name: who.name, subject: who.subject}
	var res *Joined
	ctx, cancel := h.reqCtx()
	defer cancel()
	var p rooms.Peer
	if peer != nil {
		p = peer
	}
	err := hr.room.Do(ctx, func(tx *rooms.Tx) error {
		ref.id = game.PlayerID(hr.nextID.Add(1)) // here: a join that never ran takes no id
		seat, err := tx.Join(game.Player{ID: ref.id, Name: ref.name, Subject: who.subject, Meta: who.meta}, p)
		if err != nil {
			return err
		}
		ref.seat = seat
		h.newToken(ref)
		if len(hr.players) == 0 {
			hr.host = ref.id
		}
		hr.players[ref.id] = ref
		if who.c != nil {
			ref.conn, ref.peer = who.c, peer
			hr.connected.Add(1)
			who.c.seat.Store(ref)
		} else {
			h.startGrace(ref)
		}
		tx.OnUndo(func() { h.unseat(ref) })
		h.playerEvent(hr, OpJoin, ref, ref.id)
		h.roomInfoEvent(hr, ref.id)
		res = hr.joined(ref, hr.publish())
		return nil
	})
	if err != nil {
		h.release(hr)
		return nil, joinError(err)
	}
	return res, nil
}

// joinError maps a failed seat to its code.
func joinError(err error) error {
	switch {
	case errors.Is(err, rooms.ErrRoomFull):
		return reqErr(CodeRoomFull, "the room is full")
	case errors.Is(err, rooms.ErrLocked):
		return reqErr(CodeRoomLocked, "the room cannot be joined in its phase")
	case errors.Is(err, rooms.ErrClosed):
		return reqErr(CodeRoomNotFound, "the room has closed")
	}
	var refused *rooms.RefusedError
	if errors.As(err, &refused) {
		return reqErr(CodeRefused, refused.Reason)
	}
	return err
}

// unseat undoes seat's bookkeeping when its caller gave up while the join
// ran (the room gives the game seat up itself). On the room goroutine.
func (h *Host) unseat(ref *seatRef) {
	hr := ref.hr
	delete(hr.players, ref.id)
	h.dropToken(ref)
	if ref.grace != nil {
		ref.grace.Stop()
	}
	if ref.conn != nil {
		hr.connected.Add(-1)
		ref.conn.seat.CompareAndSwap(ref, nil)
	}
	h.playerEvent(hr, OpLeave, ref, 0)
	h.handOverHost(hr, ref)
	h.roomInfoEvent(hr, 0)
}

// newToken gives ref a fresh seat token (dropping its old one): every
// Joined carries a new token, and older ones stop working.
func (h *Host) newToken(ref *seatRef) {
	var b [32]byte
	_, _ = rand.Read(b[:])                            // never fails (crypto/rand, Go 1.24+)
	tok := base64.RawURLEncoding.EncodeToString(b[:]) // no dots: nodeOfToken cuts at the first
	if h.cfg.NodeID != "" {
		tok = h.cfg.NodeID + "." + tok
	}
	h.setToken(ref, tok)
}

// setToken makes tok ref's seat token, dropping its old one.
func (h *Host) setToken(ref *seatRef, tok string) {
	h.mu.Lock()
	if h.tokens[ref.token] == ref {
		delete(h.tokens, ref.token)
	}
	ref.token = tok
	h.tokens[tok] = ref
	h.mu.Unlock()
}

func (h *Host) dropToken(ref *seatRef) {
	h.mu.Lock()
	if h.tokens[ref.token] == ref {
		delete(h.tokens, ref.token)
	}
	h.mu.Unlock()
}

// tokenRef is the seat a token names, or nil.
func (h *Host) tokenRef(tok string) *seatRef {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.tokens[tok]
}

// errSeatGone: the seat ended while a request about it waited.
var errSeatGone = reqErr(CodeSeatExpired, "the seat is gone")

// rejoinSeat moves the seat ref, named by token tok, to connection c.
func (h *Host) rejoinSeat(c *conn, ref *seatRef, tok string) (any, func(), error) {
	hr := ref.hr
	peer := rooms.NewSocketPeer(c.s)
	var res *Joined
	ctx, cancel := h.reqCtx()
	defer cancel()
	err := hr.room.Do(ctx, func(tx *rooms.Tx) error {
		if hr.players[ref.id] != ref || ref.token != tok {
			return errSeatGone // given up, or rejoined by another request, meanwhile
		}
		old := ref.conn
		if old != nil && old != c {
			old.seat.CompareAndSwap(ref, nil) // before the room tells it room:closed {reason: "rejoined"}
		}
		if err := tx.Return(ref.id, peer); err != nil {
			if old != nil {
				old.seat.CompareAndSwap(nil, ref)
			}
			return errSeatGone
		}
		if ref.grace != nil {
			ref.grace.Stop()
			ref.grace = nil
		}
		if old == nil {
			hr.connected.Add(1)
		}
		ref.conn, ref.peer = c, peer
		h.newToken(ref)
		c.seat.Store(ref)
		tx.OnUndo(func() {
			// The player never got the new token: the one it holds works again.
			h.setToken(ref, tok)
			h.toGrace(tx, ref)
		})
		if old == nil {
			h.playerEvent(hr, OpUpdate, ref, ref.id)
		}
		res = hr.joined(ref, hr.publish())
		return nil
	})
	if err != nil {
		if errors.Is(err, rooms.ErrClosed) {
			return nil, nil, errSeatGone
		}
		return nil, nil, err
	}
	h.lateDisconnect(c)
	res.held = peer
	return res, nil, nil
}

// renew gives the seat ref, named by token tok, a fresh token for a rejoin
// on this node by a player whose request came through another node: the
// token it was sent with stops working.
func (h *Host) renew(ref *seatRef, tok string) (*Joined, error) {
	hr := ref.hr
	var res *Joined
	ctx, cancel := h.reqCtx()
	defer cancel()
	err := hr.room.Call(ctx, func() error {
		if hr.players[ref.id] != ref || ref.token != tok {
			return errSeatGone
		}
		h.newToken(ref)
		res = hr.joined(ref, hr.current.Load())
		return nil
	})
	if errors.Is(err, rooms.ErrClosed) {
		return nil, errSeatGone
	}
	return res, err
}

// giveUp frees a seat (leave, kick, grace expiry): the others get
// room:player leave (and update for a new host) and room:info. On the room
// goroutine.
func (h *Host) giveUp(tx *rooms.Tx, ref *seatRef) {
	hr := ref.hr
	if hr.players[ref.id] != ref {
		return // already given up (a kick racing a leave)
	}
	_ = tx.Leave(ref.id)
	delete(hr.players, ref.id)
	h.dropToken(ref)
	if ref.grace != nil {
		ref.grace.Stop()
		ref.grace = nil
	}
	if ref.conn != nil {
		hr.connected.Add(-1)
		ref.conn.seat.CompareAndSwap(ref, nil)
	}
	h.playerEvent(hr, OpLeave, ref, 0)
	h.handOverHost(hr, ref)
	h.roomInfoEvent(hr, 0)
	h.release(hr)
}

// handOverHost makes the longest-seated player host when gone was host.
func (h *Host) handOverHost(hr *hostedRoom, gone *seatRef) {
	if hr.host != gone.id {
		return
	}
	hr.host = longestSeated(hr.players)
	if next := hr.players[hr.host]; next != nil {
		h.playerEvent(hr, OpUpdate, next, 0)
	}
}

// lateDisconnect puts a seat into grace when its connection went away while
// the request that seated it ran (its disconnect handler saw no seat yet);
// disconnected is idempotent, so a handler that did see it is harmless.
func (h *Host) lateDisconnect(c *conn) {
	if !c.s.Connected() {
		h.disconnected(c)
	}
}

// disconnected keeps the seat of a connection that went away without
// room:leave for the grace period.
func (h *Host) disconnected(c *conn) {
	ref := c.seat.Load()
	if ref == nil {
		return
	}
	// Not bounded by RequestTimeout: a seat left attached to a connection
	// that is gone would never expire. It ends with the host or the room.
	err := ref.hr.room.Do(h.ctx, func(tx *rooms.Tx) error {
		if ref.conn == c && ref.hr.players[ref.id] == ref { // not taken over by a rejoin, not given up
			h.toGrace(tx, ref)
		}
		return nil
	})
	if err != nil && !errors.Is(err, rooms.ErrClosed) {
		h.cfg.Logger.Warn("lobby: a disconnected seat could not be put into grace", "room", ref.hr.id, "err", err)
	}
}

// toGrace detaches ref's connection and keeps the seat for the grace
// period. On the room goroutine.
func (h *Host) toGrace(tx *rooms.Tx, ref *seatRef) {
	_ = tx.Drop(ref.id)
	hr := ref.hr
	ref.conn.seat.CompareAndSwap(ref, nil)
	ref.conn, ref.peer = nil, nil
	hr.connected.Add(-1)
	h.playerEvent(hr, OpUpdate, ref, ref.id)
	h.startGrace(ref)
}

// startGrace starts ref's grace period. On the room goroutine.
func (h *Host) startGrace(ref *seatRef) {
	ref.graceGen++
	gen := ref.graceGen
	ref.grace = time.AfterFunc(h.cfg.Grace, func() { h.safely("seat grace", func() { h.graceExpired(ref, gen) }) })
}

// graceExpired gives up a seat whose grace period gen ended, unless a
// rejoin won the race (and, perhaps, a later disconnect started another).
// Not bounded by RequestTimeout: it must happen.
func (h *Host) graceExpired(ref *seatRef, gen uint64) {
	_ = ref.hr.room.Do(h.ctx, func(tx *rooms.Tx) error {
		if ref.conn == nil && ref.graceGen == gen {
			h.giveUp(tx, ref)
		}
		return nil
	})
}

// autoStart starts a waiting room when its mode's rule says so: always
// (quickjoin rooms), when full (AutoStartWhenFull), or when at least
// MinPlayers are seated and all of them are ready.
func (h *Host) autoStart(hr *hostedRoom) {
	st := hr.room.Settings()
	if hr.room.Phase() != rooms.PhaseWaiting {
		return
	}
	ctx, cancel := h.reqCtx()
	defer cancel()
	_ = hr.room.Do(ctx, func(tx *rooms.Tx) error {
		n := len(hr.players)
		allReady := n >= st.MinPlayers
		for _, p := range hr.players {
			allReady = allReady && p.ready
		}
		switch {
		case hr.room.Phase() != rooms.PhaseWaiting || n < st.MinPlayers:
			return nil
		case st.AutoStart == game.AutoStartImmediately:
		case st.AutoStart == game.AutoStartWhenFull && n >= st.MaxPlayers:
		case allReady:
		default:
			return nil
		}
		if tx.Start() == nil {
			h.phaseChanged(hr)
		}
		return nil
	})
}
