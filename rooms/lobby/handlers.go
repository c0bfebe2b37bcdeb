package lobby

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/tickroom/tickroom/game"
)

// The requests that make or take a seat: create, join (here), quickjoin
// (quickjoin.go), rejoin and leave (seatreqs.go). Each reads its payload
// into a typed request (parse*), then checks in the contract's order
// (docs/protocol.md): the payload's shape, the connection's bucket, its
// seat, then the room, then the room's rules.

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
	mode, settings, err := h.newRoomChecks(c, req.mode, req.newRoomReq)
	if err != nil {
		return nil, nil, err
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

// newRoomChecks makes the checks of a request that may make a room of
// modeName with the options of nr, in the contract's order: nr's shape
// and the mode's opinion of its options (BAD_REQUEST), the seat-request
// bucket, c's seat, the mode's existence. It returns the mode and the
// room's settings.
func (h *Host) newRoomChecks(c *conn, modeName string, nr newRoomReq) (game.Mode, game.Settings, error) {
	mode, known := h.cfg.Modes.Lookup(modeName)
	var settings game.Settings
	if known { // the create options are part of the payload's shape: BAD_REQUEST comes first
		var err error
		if settings, err = nr.configure(mode); err != nil {
			return nil, settings, err
		}
	}
	if err := h.seatRate(c); err != nil {
		return nil, settings, err
	}
	if c.seat.Load() != nil {
		return nil, settings, reqErr(CodeAlreadyInRoom, "leave your room first")
	}
	if !known {
		return nil, settings, reqErr(CodeUnknownMode, "no mode "+modeName)
	}
	return mode, settings, nil
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
	case errors.Is(err, ErrClosed):
		return reqErr(CodeUnavailable, "the server is shutting down")
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
