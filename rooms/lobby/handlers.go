package lobby

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/rooms"
)

// The room requests. Each reads its payload into a typed request (parse*),
// then checks in the contract's order (docs/protocol.md): the payload's
// shape, then the connection's seat, then the room, then the room's rules.

// maxPasswordLen bounds a room password in code points.
const maxPasswordLen = 128

// newRoomReq is what room:create, and quickjoin's create object, ask of
// the room they make.
type newRoomReq struct {
	name       any // cleaned by the name rules; a non-string counts as none
	maxPlayers int64
	options    map[string]any
}

// parseNewRoom reads {name?, maxPlayers?, options?}.
func parseNewRoom(f fields) (newRoomReq, error) {
	var r newRoomReq
	var hasMax bool
	var err error
	if r.maxPlayers, hasMax, err = f.integer(keyMaxPlayers); err != nil {
		return r, err
	}
	// Absent means the mode's default; present, it must be a seat count
	// (the mode's Configure checks its own upper bound).
	if hasMax && (r.maxPlayers < 1 || r.maxPlayers > 1<<16) {
		return r, reqErr(CodeBadRequest, "maxPlayers out of range")
	}
	if r.options, _, err = f.object(keyOptions); err != nil {
		return r, err
	}
	r.name = f[keyName] // the name rules: a name that is not a string is ignored
	return r, nil
}

// configure asks mode for the settings of a room made for r (BAD_REQUEST
// when the mode refuses them).
func (r newRoomReq) configure(mode game.Mode) (game.Settings, error) {
	s, err := mode.Configure(game.Options{MaxPlayers: int(r.maxPlayers), Raw: r.options})
	if err != nil {
		return s, reqErr(CodeBadRequest, err.Error())
	}
	return s, nil
}

// createReq is room:create's payload.
type createReq struct {
	newRoomReq
	mode       string
	private    bool
	password   string
	meta       map[string]any
	playerMeta map[string]any
}

func parseCreate(payload []byte) (createReq, error) {
	var r createReq
	f, err := decodeFields(payload)
	if err != nil {
		return r, err
	}
	if r.mode, err = f.mode(); err != nil {
		return r, err
	}
	if r.newRoomReq, err = parseNewRoom(f); err != nil {
		return r, err
	}
	if r.private, _, err = f.boolean(keyPrivate); err != nil {
		return r, err
	}
	if r.password, _, err = f.str(keyPassword, maxPasswordLen); err != nil {
		return r, err
	}
	if r.meta, _, err = f.meta(keyMeta); err != nil {
		return r, err
	}
	if r.playerMeta, _, err = f.meta(keyPlayerMeta); err != nil {
		return r, err
	}
	return r, nil
}

func (h *Host) create(c *conn, payload []byte) (any, func(), error) {
	req, err := parseCreate(payload)
	if err != nil {
		return nil, nil, err
	}
	mode, known := h.cfg.Modes.Lookup(req.mode)
	var settings game.Settings
	if known {
		if settings, err = req.configure(mode); err != nil {
			return nil, nil, err
		}
	}
	if err := h.seatRate(c); err != nil {
		return nil, nil, err
	}
	if c.seat.Load() != nil {
		return nil, nil, reqErr(CodeAlreadyInRoom, "leave your room first")
	}
	if !known {
		return nil, nil, reqErr(CodeUnknownMode, "no mode "+req.mode)
	}
	spec := roomSpec{
		name:    cleanName(req.name, 48, func() string { return req.mode + " room" }),
		private: req.private, pwHash: hashPassword(req.password), meta: req.meta,
	}
	hr, err := h.launch(mode, settings, spec)
	if (errors.Is(err, ErrDraining) || errors.Is(err, ErrRoomCap)) && h.cfg.Cluster != nil {
		if node := h.cfg.Cluster.CreateNode(); node != "" { // another node makes it
			rr := h.remoteRequest(c, RemoteCreate, req.playerMeta)
			rr.Mode, rr.Meta, rr.Private, rr.Password = req.mode, req.meta, req.private, req.password
			rr.RoomName, rr.MaxPlayers, rr.Options = req.name, req.maxPlayers, req.options
			j, err := h.remote(node, rr, reqErr(CodeUnavailable, "the server chosen for the room went away"))
			return j, nil, err
		}
	}
	if err != nil {
		return nil, nil, h.launchError(c, err)
	}
	return h.seat(c, hr, req.playerMeta)
}

// remoteRequest starts a request for another node on behalf of c.
func (h *Host) remoteRequest(c *conn, op RemoteOp, playerMeta map[string]any) *RemoteRequest {
	return &RemoteRequest{ID: uuid.NewString(), Op: op, Name: c.name, Subject: c.subject, PlayerMeta: playerMeta}
}

// launchError maps a failed launch to its code.
func (h *Host) launchError(c *conn, err error) error {
	switch {
	case errors.Is(err, ErrRoomCap):
		h.refuse(RefusedRoomCap, c)
		return reqErr(CodeUnavailable, "the server runs as many rooms as it can")
	case errors.Is(err, ErrDraining):
		return reqErr(CodeUnavailable, "the server is draining: it makes no new rooms")
	}
	return err
}

// seatRate spends a token of c's seat request bucket: RATE_LIMITED when
// there is none.
func (h *Host) seatRate(c *conn) error {
	if l := &h.cfg.Limits; !c.seats.take(time.Now(), l.SeatRate, l.SeatBurst) {
		h.refuse(RefusedSeatRate, c)
		return reqErr(CodeRateLimited, "too many requests for seats")
	}
	return nil
}

// failedJoin charges c's seat bucket for a join that guessed wrong (the
// request's own token is spent already).
func (h *Host) failedJoin(c *conn) {
	l := &h.cfg.Limits
	c.seats.charge(time.Now(), l.FailedJoinCost-1, l.SeatRate, l.SeatBurst)
}

// joinReq is room:join's payload: exactly one of roomId and code.
type joinReq struct {
	roomID, code string
	byID         bool
	password     string
	playerMeta   map[string]any
}

func parseJoin(payload []byte) (joinReq, error) {
	var r joinReq
	f, err := decodeFields(payload)
	if err != nil {
		return r, err
	}
	var byCode bool
	if r.roomID, r.byID, err = f.str(keyRoomID, 64); err != nil {
		return r, err
	}
	if r.code, byCode, err = f.str(keyCode, 16); err != nil {
		return r, err
	}
	if r.byID == byCode {
		return r, reqErr(CodeBadRequest, "give exactly one of roomId and code")
	}
	if r.password, _, err = f.str(keyPassword, maxPasswordLen); err != nil {
		return r, err
	}
	if r.playerMeta, _, err = f.meta(keyPlayerMeta); err != nil {
		return r, err
	}
	return r, nil
}

func (h *Host) join(c *conn, payload []byte) (any, func(), error) {
	req, err := parseJoin(payload)
	if err != nil {
		return nil, nil, err
	}
	if err := h.seatRate(c); err != nil {
		return nil, nil, err
	}
	if c.seat.Load() != nil {
		return nil, nil, reqErr(CodeAlreadyInRoom, "leave your room first")
	}
	e, found := h.entry(req)
	if found && !h.local(e) { // the room is on another node: it reserves the seat
		rr := h.remoteRequest(c, RemoteJoin, req.playerMeta)
		rr.RoomID, rr.Password = e.Info.ID, req.password
		j, err := h.remote(e.Node, rr, reqErr(CodeRoomNotFound, "no such room"))
		var re *RequestError
		if errors.As(err, &re) && (re.Code == CodeRoomNotFound || re.Code == CodeWrongPassword) {
			h.failedJoin(c)
		}
		return j, nil, err
	}
	var hr *hostedRoom
	if found {
		hr = h.room(e.Info.ID)
	}
	if err := h.admit(hr, req.password, c); err != nil {
		return nil, nil, err
	}
	return h.seat(c, hr, req.playerMeta)
}

// admit checks a join into hr (nil: no such room) with password, in the
// contract's order, and reserves a seat. c is the joiner's connection, nil
// when the request came from another node (that node charges its
// connection for a failed join).
func (h *Host) admit(hr *hostedRoom, password string, c *conn) error {
	failed := func() {
		if c != nil {
			h.failedJoin(c)
		}
	}
	switch {
	case hr == nil:
		failed()
		return reqErr(CodeRoomNotFound, "no such room")
	case !joinablePhase(hr):
		return reqErr(CodeRoomLocked, "the room cannot be joined in its phase")
	case hr.pwHash != nil && !checkPassword(hr.pwHash, password):
		failed()
		if l := &h.cfg.Limits; l.WrongPasswords >= 0 && !hr.wrongPasswords.take(time.Now(), l.WrongPasswords) {
			h.refuse(RefusedWrongPassword, c)
			return reqErr(CodeRateLimited, "too many wrong passwords for this room; try later")
		}
		return reqErr(CodeWrongPassword, "wrong password")
	case !hr.reserve():
		if hr.load.Load() < 0 {
			return reqErr(CodeRoomNotFound, "the room has closed")
		}
		return reqErr(CodeRoomFull, "the room is full")
	}
	return nil
}

// entry returns the store's entry of the room a join names.
func (h *Host) entry(req joinReq) (Entry, bool) {
	if req.byID {
		return h.store.Get(req.roomID)
	}
	return h.store.ByCode(upperASCII(req.code))
}

// find returns the room a join names, if this host runs it.
func (h *Host) find(req joinReq) *hostedRoom {
	e, ok := h.entry(req)
	if !ok || !h.local(e) {
		return nil
	}
	return h.room(e.Info.ID)
}

func upperASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// hashPassword returns the sha256 of a non-empty password, nil for none.
// Comparing fixed-size hashes keeps the compare constant-time whatever the
// lengths.
func hashPassword(pw string) []byte {
	if pw == "" {
		return nil
	}
	sum := sha256.Sum256([]byte(pw))
	return sum[:]
}

func checkPassword(hash []byte, pw string) bool {
	sum := sha256.Sum256([]byte(pw))
	return subtle.ConstantTimeCompare(hash, sum[:]) == 1
}

// quickjoinReq is room:quickjoin's payload: create is used only when no
// room fits and quickjoin makes one.
type quickjoinReq struct {
	mode       string
	meta       map[string]any
	create     newRoomReq
	playerMeta map[string]any
}

func parseQuickjoin(payload []byte) (quickjoinReq, error) {
	var r quickjoinReq
	f, err := decodeFields(payload)
	if err != nil {
		return r, err
	}
	if r.mode, err = f.mode(); err != nil {
		return r, err
	}
	if r.meta, _, err = f.meta(keyMeta); err != nil {
		return r, err
	}
	create, _, err := f.object(keyCreate)
	if err != nil {
		return r, err
	}
	if r.create, err = parseNewRoom(fields(create)); err != nil {
		return r, err
	}
	if r.playerMeta, _, err = f.meta(keyPlayerMeta); err != nil {
		return r, err
	}
	return r, nil
}

func (h *Host) quickjoin(c *conn, payload []byte) (any, func(), error) {
	req, err := parseQuickjoin(payload)
	if err != nil {
		return nil, nil, err
	}
	mode, known := h.cfg.Modes.Lookup(req.mode)
	var settings game.Settings
	if known { // the create options are part of the payload's shape: BAD_REQUEST comes first
		if settings, err = req.create.configure(mode); err != nil {
			return nil, nil, err
		}
	}
	if err := h.seatRate(c); err != nil {
		return nil, nil, err
	}
	if c.seat.Load() != nil {
		return nil, nil, reqErr(CodeAlreadyInRoom, "leave your room first")
	}
	if !known {
		return nil, nil, reqErr(CodeUnknownMode, "no mode "+req.mode)
	}
	if h.cfg.Cluster != nil { // one node places every quickjoin of this mode and meta: no twin rooms
		if node := h.cfg.Cluster.QuickjoinNode(req.mode, req.meta); node != "" && node != h.cfg.NodeID {
			rr := h.remoteRequest(c, RemoteQuickjoin, req.playerMeta)
			rr.Mode, rr.Meta = req.mode, req.meta
			rr.RoomName, rr.MaxPlayers, rr.Options = req.create.name, req.create.maxPlayers, req.create.options
			j, err := h.remote(node, rr, reqErr(CodeUnavailable, "the server placing this game went away"))
			return j, nil, err
		}
	}
	var after func()
	res, err := h.placeQuickjoin(joinerOf(c, req.playerMeta), mode, settings, req.meta, req.create.name, &after)
	return res, after, err
}

// placeQuickjoin seats who in the fullest room of mode fitting meta, or in
// a new one made with settings (from the request's create options) and
// name. after (for a joiner of this host) receives what runs once the ack
// is out.
func (h *Host) placeQuickjoin(who joiner, mode game.Mode, settings game.Settings, meta map[string]any, name any, after *func()) (*Joined, error) {
	// A quickjoin room starts as soon as the mode allows: when MinPlayers
	// are seated (autoStart).
	settings.AutoStart = game.AutoStartImmediately
	modeName := mode.Name()
	spec := roomSpec{name: cleanName(name, 48, func() string { return modeName + " room" }), meta: meta}
	var err error
	for {
		h.quickMu.Lock()
		hr := h.quickPick(modeName, meta)
		if hr == nil {
			hr, err = h.launch(mode, settings, spec)
		}
		h.quickMu.Unlock()
		if err != nil {
			return nil, h.launchError(who.c, err)
		}
		var res *Joined
		if who.c != nil {
			var r any
			r, *after, err = h.seat(who.c, hr, who.meta)
			res, _ = r.(*Joined)
		} else {
			res, err = h.seatFor(who, hr)
		}
		var re *RequestError
		if errors.As(err, &re) && (re.Code == CodeRoomFull || re.Code == CodeRoomLocked || re.Code == CodeRoomNotFound) {
			continue // lost a race with the room's phase or closing: pick again
		}
		return res, err
	}
}

// quickPick reserves a seat in the public, passwordless, joinable, not full
// room of mode matching meta with the most players (seats promised to joins
// in flight count), the oldest on a tie; nil if there is none. h.quickMu is
// held.
func (h *Host) quickPick(mode string, meta map[string]any) *hostedRoom {
	for {
		var best *hostedRoom
		var bestN int32 = -1
		h.mu.RLock()
		for _, hr := range h.rooms {
			if hr.mode != mode || hr.private || hr.pwHash != nil || !joinablePhase(hr) || !metaMatch(hr.meta, meta) {
				continue
			}
			n := hr.load.Load()
			if n < 0 || int(n) >= hr.maxPlayers {
				continue
			}
			if n > bestN || n == bestN && hr.created.Before(best.created) {
				best, bestN = hr, n
			}
		}
		h.mu.RUnlock()
		if best == nil || best.reserve() {
			return best
		}
		// A room:join took the seat meanwhile: pick again.
	}
}

// rejoinReq is room:rejoin's payload.
type rejoinReq struct{ token string }

func parseRejoin(payload []byte) (rejoinReq, error) {
	var r rejoinReq
	f, err := decodeFields(payload)
	if err != nil {
		return r, err
	}
	var ok bool
	if r.token, ok, err = f.str(keySeatToken, 0); err != nil {
		return r, err
	}
	if !ok || r.token == "" {
		return r, reqErr(CodeBadRequest, "seatToken is required")
	}
	return r, nil
}

func (h *Host) rejoin(c *conn, payload []byte) (any, func(), error) {
	req, err := parseRejoin(payload)
	if err != nil {
		return nil, nil, err
	}
	if err := h.seatRate(c); err != nil {
		return nil, nil, err
	}
	if node := h.nodeOfToken(req.token); node != "" && h.cfg.Cluster != nil {
		if c.seat.Load() != nil {
			return nil, nil, reqErr(CodeAlreadyInRoom, "leave your room first")
		}
		rr := h.remoteRequest(c, RemoteRejoin, nil)
		rr.Token = req.token
		j, err := h.remote(node, rr, errSeatGone)
		return j, nil, err
	}
	ref := h.tokenRef(req.token)
	if ref != nil && ref.subject != c.subject {
		return nil, nil, reqErr(CodeUnauthorized, "the seat belongs to another account")
	}
	if c.seat.Load() != nil { // its own seat included: it holds it already
		return nil, nil, reqErr(CodeAlreadyInRoom, "leave your room first")
	}
	if ref == nil {
		return nil, nil, errSeatGone
	}
	return h.rejoinSeat(c, ref, req.token)
}

func (h *Host) leave(c *conn, _ []byte) (any, func(), error) {
	ref := c.seat.Load()
	if ref == nil {
		return nil, nil, reqErr(CodeNotInRoom, "you are not in a room")
	}
	err := h.onSeat(ref, func(tx *rooms.Tx) error {
		h.giveUp(tx, ref)
		return nil
	})
	c.seat.CompareAndSwap(ref, nil)
	if err != nil && !errors.Is(err, rooms.ErrClosed) {
		return nil, nil, err
	}
	return nil, nil, nil
}

// onSeat runs fn in a tick step of ref's room, bounded by RequestTimeout.
func (h *Host) onSeat(ref *seatRef, fn func(tx *rooms.Tx) error) error {
	ctx, cancel := h.reqCtx()
	defer cancel()
	return ref.hr.room.Do(ctx, fn)
}

// inRoom runs fn on ref's room goroutine between ticks, bounded by
// RequestTimeout; a seat given up meanwhile, or a room gone, is
// NOT_IN_ROOM.
func (h *Host) inRoom(ref *seatRef, fn func() error) error {
	ctx, cancel := h.reqCtx()
	defer cancel()
	err := ref.hr.room.Call(ctx, func() error {
		if ref.hr.players[ref.id] != ref {
			return errNotInRoom
		}
		return fn()
	})
	if errors.Is(err, rooms.ErrClosed) {
		return errNotInRoom
	}
	return err
}

var errNotInRoom = reqErr(CodeNotInRoom, "you are not in a room")

func (h *Host) ready(c *conn, payload []byte) (any, func(), error) {
	f, err := decodeFields(payload)
	if err != nil {
		return nil, nil, err
	}
	ready, ok, err := f.boolean(keyReady)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, reqErr(CodeBadRequest, "ready is required")
	}
	ref := c.seat.Load()
	if ref == nil {
		return nil, nil, errNotInRoom
	}
	if ref.hr.room.Phase() != rooms.PhaseWaiting {
		return nil, nil, reqErr(CodeRoomLocked, "the room has started")
	}
	err = h.inRoom(ref, func() error {
		if ref.ready != ready {
			ref.ready = ready
			h.playerEvent(ref.hr, OpUpdate, ref, ref.id)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return nil, func() { h.autoStart(ref.hr) }, nil
}

func (h *Host) kick(c *conn, payload []byte) (any, func(), error) {
	f, err := decodeFields(payload)
	if err != nil {
		return nil, nil, err
	}
	pid, ok, err := f.integer(keyPlayerID)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, reqErr(CodeBadRequest, "playerId is required")
	}
	ref := c.seat.Load()
	if ref == nil {
		return nil, nil, errNotInRoom
	}
	hr := ref.hr
	var target *seatRef
	err = h.inRoom(ref, func() error {
		if pid > 0 && pid <= 1<<32-1 {
			target = hr.players[game.PlayerID(pid)]
		}
		switch {
		case target == nil:
			return reqErr(CodeBadRequest, "no such player in your room")
		case target == ref:
			return reqErr(CodeBadRequest, "you cannot kick yourself")
		case hr.host != ref.id:
			return reqErr(CodeNotHost, "only the host can kick")
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return nil, func() { h.kickOut(target) }, nil
}

// kickOut gives up target's seat, then tells its connection room:closed
// {reason: "kicked"}; its token is gone, so a rejoin answers SEAT_EXPIRED.
func (h *Host) kickOut(target *seatRef) {
	_ = h.onSeat(target, func(tx *rooms.Tx) error {
		peer := target.peer
		h.giveUp(tx, target)
		if peer != nil {
			_ = peer.Send(rooms.NewEvent(rooms.EventClosed, rooms.Closed{Reason: rooms.CloseKicked}))
		}
		return nil
	})
}

func (h *Host) start(c *conn, _ []byte) (any, func(), error) {
	ref := c.seat.Load()
	if ref == nil {
		return nil, nil, errNotInRoom
	}
	hr := ref.hr
	err := h.onSeat(ref, func(tx *rooms.Tx) error {
		if hr.players[ref.id] != ref {
			return errNotInRoom
		}
		// The contract's order: BAD_REQUEST (too few seated) before ROOM_LOCKED before NOT_HOST.
		switch {
		case len(hr.players) < hr.room.Settings().MinPlayers:
			return reqErr(CodeBadRequest, "fewer players than the mode's minimum")
		case hr.room.Phase() != rooms.PhaseWaiting:
			return reqErr(CodeRoomLocked, "the room has started")
		case hr.host != ref.id:
			return reqErr(CodeNotHost, "only the host can start")
		}
		switch err := tx.Start(); {
		case errors.Is(err, rooms.ErrTooFewPlayers):
			return reqErr(CodeBadRequest, "fewer players than the mode's minimum")
		case errors.Is(err, rooms.ErrLocked):
			return reqErr(CodeRoomLocked, "the room has started")
		default:
			return err
		}
	})
	if errors.Is(err, rooms.ErrClosed) {
		return nil, nil, errNotInRoom
	}
	if err != nil {
		return nil, nil, err
	}
	return nil, func() { h.afterPhase(hr) }, nil
}

// afterPhase tells the room and the lobby of a phase change once the
// request's ack is out.
func (h *Host) afterPhase(hr *hostedRoom) {
	ctx, cancel := h.reqCtx()
	defer cancel()
	_ = hr.room.Call(ctx, func() error {
		h.phaseChanged(hr)
		return nil
	})
}

func (h *Host) resync(c *conn, _ []byte) (any, func(), error) {
	ref := c.seat.Load()
	if ref == nil {
		return nil, nil, errNotInRoom
	}
	ctx, cancel := h.reqCtx()
	defer cancel()
	if err := ref.hr.room.Resync(ctx, ref.id); err != nil {
		return nil, nil, errNotInRoom
	}
	return nil, nil, nil
}

func timeSync(_ *conn, payload []byte) (any, func(), error) {
	f, err := decodeFields(payload)
	if err != nil {
		return nil, nil, err
	}
	switch f[keyT0].(type) {
	case int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64:
	default:
		return nil, nil, reqErr(CodeBadRequest, "t0 must be a number")
	}
	return timeSyncResult{T0: f[keyT0], ServerTime: time.Now().UnixMilli()}, nil, nil
}
