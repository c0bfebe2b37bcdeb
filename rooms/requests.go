package rooms

import (
	"context"
	"crypto/rand"
	"errors"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/netio/socketio"
	"github.com/vmihailenco/msgpack/v5"
)

// Error codes of the game protocol's request acks.
const (
	CodeBadRequest    = "BAD_REQUEST"
	CodeUnknownMode   = "UNKNOWN_MODE"
	CodeRoomNotFound  = "ROOM_NOT_FOUND"
	CodeRoomFull      = "ROOM_FULL"
	CodeRoomLocked    = "ROOM_LOCKED"
	CodeAlreadyInRoom = "ALREADY_IN_ROOM"
	CodeNotInRoom     = "NOT_IN_ROOM"
	CodeNotHost       = "NOT_HOST"
	CodeSeatExpired   = "SEAT_EXPIRED"
	CodeWrongPassword = "WRONG_PASSWORD"
	CodeRateLimited   = "RATE_LIMITED"
	CodeUnauthorized  = "UNAUTHORIZED"
	CodeInternal      = "INTERNAL"
)

// RequestError is a request's failure as the client sees it.
type RequestError struct {
	Code    string
	Message string
}

func (e *RequestError) Error() string { return "rooms: " + e.Code + ": " + e.Message }

func reqErr(code, msg string) *RequestError { return &RequestError{Code: code, Message: msg} }

// handler is a request handler: the payload, already checked to be a map or
// absent, and the result fields of an ok ack. after, when not nil, runs once
// the ack has been queued (to release what the request caused).
type handler func(s *socketio.Socket, payload []byte) (result map[string]any, after func(), err error)

// request adapts a handler to a socket event: it checks the payload's shape,
// answers through the ack with {ok: true, ...} or {ok: false, error}, and
// drops a request without an ack (counted in the log at debug level).
func (h *Host) request(fn handler) socketio.EventHandler {
	return func(s *socketio.Socket, args socketio.Args, ack socketio.Ack) {
		if ack == nil {
			h.dropped.Add(1)
			h.log.Debug("rooms: request without ack dropped", "sid", s.ID())
			return
		}
		payload := args.Raw(0)
		if len(payload) > 0 && payload[0] != 0xc0 && !isMap(payload[0]) {
			_ = ack(errorAck(reqErr(CodeBadRequest, "the payload must be an object")))
			return
		}
		if len(payload) > 0 && payload[0] == 0xc0 {
			payload = nil
		}
		res, after, err := fn(s, payload)
		if err != nil {
			var re *RequestError
			if !errors.As(err, &re) {
				h.log.Error("rooms: request failed", "err", err)
				re = reqErr(CodeInternal, "internal error")
			}
			_ = ack(errorAck(re))
			return
		}
		if res == nil {
			res = map[string]any{}
		}
		res["ok"] = true
		_ = ack(res)
		if after != nil {
			after()
		}
	}
}

func isMap(c byte) bool { return c >= 0x80 && c <= 0x8f || c == 0xde || c == 0xdf }

func errorAck(e *RequestError) map[string]any {
	return map[string]any{"ok": false, "error": map[string]any{"code": e.Code, "message": e.Message}}
}

// decode unmarshals a payload (nil means {}) into v; a type mismatch is
// BAD_REQUEST.
func decode(payload []byte, v any) error {
	if len(payload) == 0 {
		return nil
	}
	if err := msgpack.Unmarshal(payload, v); err != nil {
		return reqErr(CodeBadRequest, "malformed payload: "+err.Error())
	}
	return nil
}

func (h *Host) reqCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(h.ctx, h.cfg.RequestTimeout)
}

// seatOf returns the socket's current seat, or nil.
func seatOf(s *socketio.Socket) *seatRef {
	ref, _ := s.Get(seatKey).(*seatRef)
	return ref
}

// cleanName applies the contract's name rules: trim, drop control and
// format characters, trim again, cut to max code points; empty gets def.
func cleanName(v any, max int, def func() string) string {
	s, _ := v.(string)
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			continue
		}
		out = append(out, r)
	}
	str := []rune(trimSpace(string(out)))
	if len(str) > max {
		str = []rune(trimSpace(string(str[:max])))
	}
	if len(str) == 0 {
		return def()
	}
	return string(str)
}

func trimSpace(s string) string {
	start, end := 0, len(s)
	for start < end {
		r, n := utf8.DecodeRuneInString(s[start:])
		if !unicode.IsSpace(r) {
			break
		}
		start += n
	}
	for end > start {
		r, n := utf8.DecodeLastRuneInString(s[:end])
		if !unicode.IsSpace(r) {
			break
		}
		end -= n
	}
	return s[start:end]
}

// defaultPlayerName is "player-" and 4 characters of [A-Z2-7] (the
// contract's Details).
func defaultPlayerName() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	var r [4]byte
	if _, err := rand.Read(r[:]); err != nil {
		panic("rooms: crypto/rand failed: " + err.Error())
	}
	for i, b := range r {
		r[i] = alphabet[b%32]
	}
	return "player-" + string(r[:])
}

// playerName is the socket's handshake name under the contract's rules.
// A verified token's name comes first.
func playerName(s *socketio.Socket) string {
	if id, ok := s.Get(identityKey).(Identity); ok && id.Name != "" {
		return cleanName(id.Name, 24, func() string { return cleanName(s.Handshake().Auth["name"], 24, defaultPlayerName) })
	}
	return cleanName(s.Handshake().Auth["name"], 24, defaultPlayerName)
}

func (h *Host) create(s *socketio.Socket, payload []byte) (map[string]any, func(), error) {
	f, err := decodeFields(payload)
	if err != nil {
		return nil, nil, err
	}
	modeName, err := f.mode()
	if err != nil {
		return nil, nil, err
	}
	maxPlayers, _, err := f.integer("maxPlayers")
	if err != nil {
		return nil, nil, err
	}
	if maxPlayers < 0 || maxPlayers > 1<<16 {
		return nil, nil, reqErr(CodeBadRequest, "maxPlayers out of range")
	}
	private, _, err := f.boolean("private")
	if err != nil {
		return nil, nil, err
	}
	password, _, err := f.str("password", maxPasswordLen)
	if err != nil {
		return nil, nil, err
	}
	meta, _, err := f.meta("meta")
	if err != nil {
		return nil, nil, err
	}
	var options map[string]any
	if v := f["options"]; v != nil {
		var ok bool
		if options, ok = v.(map[string]any); !ok {
			return nil, nil, reqErr(CodeBadRequest, "options must be an object")
		}
	}
	if v := f["name"]; v != nil {
		if _, ok := v.(string); !ok {
			return nil, nil, reqErr(CodeBadRequest, "name must be a string")
		}
	}
	mode, known := h.cfg.Modes.Lookup(modeName)
	var settings game.Settings
	if known {
		settings, err = mode.Configure(game.Options{MaxPlayers: int(maxPlayers), Raw: options})
		if err != nil {
			return nil, nil, reqErr(CodeBadRequest, err.Error())
		}
	}
	if seatOf(s) != nil {
		return nil, nil, reqErr(CodeAlreadyInRoom, "leave your room first")
	}
	if !known {
		return nil, nil, reqErr(CodeUnknownMode, "no mode "+modeName)
	}
	spec := roomSpec{
		name:    cleanName(f["name"], 48, func() string { return modeName + " room" }),
		private: private, pwHash: hashPassword(password), meta: meta,
	}
	hr, err := h.launch(mode, settings, spec)
	if err != nil {
		return nil, nil, err
	}
	return h.seat(s, hr)
}

func (h *Host) join(s *socketio.Socket, payload []byte) (map[string]any, func(), error) {
	f, err := decodeFields(payload)
	if err != nil {
		return nil, nil, err
	}
	roomID, byID, err := f.str("roomId", 64)
	if err != nil {
		return nil, nil, err
	}
	code, byCode, err := f.str("code", 16)
	if err != nil {
		return nil, nil, err
	}
	if byID == byCode {
		return nil, nil, reqErr(CodeBadRequest, "give exactly one of roomId and code")
	}
	password, _, err := f.str("password", maxPasswordLen)
	if err != nil {
		return nil, nil, err
	}
	if seatOf(s) != nil {
		return nil, nil, reqErr(CodeAlreadyInRoom, "leave your room first")
	}
	h.mu.Lock()
	var hr *hostedRoom
	if byID {
		hr = h.rooms[roomID]
	} else {
		hr = h.codes[upperASCII(code)]
	}
	if hr == nil || hr.gone {
		h.mu.Unlock()
		return nil, nil, reqErr(CodeRoomNotFound, "no such room")
	}
	if !joinablePhase(hr) {
		h.mu.Unlock()
		return nil, nil, reqErr(CodeRoomLocked, "the room cannot be joined in its phase")
	}
	if hr.pwHash != nil && !checkPassword(hr.pwHash, password) {
		h.mu.Unlock()
		return nil, nil, reqErr(CodeWrongPassword, "wrong password")
	}
	if len(hr.players)+hr.reserved >= hr.room.Settings().MaxPlayers {
		h.mu.Unlock()
		return nil, nil, reqErr(CodeRoomFull, "the room is full")
	}
	hr.reserved++
	h.mu.Unlock()
	return h.seat(s, hr)
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

// seat takes the seat reserved in hr for s (hr.reserved was raised by the
// caller under h.mu) and builds the Joined result. The others hear of the
// new player, and auto start is checked, once the ack is out.
func (h *Host) seat(s *socketio.Socket, hr *hostedRoom) (map[string]any, func(), error) {
	h.mu.Lock()
	hr.nextID++
	ref := &seatRef{hr: hr, id: game.PlayerID(hr.nextID), name: playerName(s), subject: subjectOf(s)}
	h.mu.Unlock()
	peer := newSocketPeer(s)
	ctx, cancel := h.reqCtx()
	defer cancel()
	seat, err := hr.room.Join(ctx, game.Player{ID: ref.id, Name: ref.name}, peer)
	if err != nil {
		h.mu.Lock()
		hr.reserved--
		h.armIdleLocked(hr)
		h.mu.Unlock()
	}
	switch {
	case errors.Is(err, ErrRoomFull):
		return nil, nil, reqErr(CodeRoomFull, "the room is full")
	case errors.Is(err, ErrLocked):
		return nil, nil, reqErr(CodeRoomLocked, "the room cannot be joined in its phase")
	case errors.Is(err, ErrClosed):
		return nil, nil, reqErr(CodeRoomNotFound, "the room has closed")
	case err != nil:
		return nil, nil, err
	}
	h.mu.Lock()
	hr.reserved--
	ref.seat, ref.sock, ref.peer, ref.token = seat, s, peer, newToken()
	if len(hr.players) == 0 {
		hr.host = ref.id
	}
	hr.players[ref.id] = ref
	h.tokens[ref.token] = ref
	if hr.idle != nil {
		hr.idle.Stop()
		hr.idle = nil
	}
	res := h.joinedLocked(hr, ref)
	h.playerEventLocked(hr, "join", ref, ref.id)
	h.roomInfoEventLocked(hr, ref.id)
	h.touchLocked(hr)
	h.mu.Unlock()
	s.Set(seatKey, ref)
	h.lateDisconnect(s)
	return res, func() {
		peer.activate()
		h.autoStart(hr)
	}, nil
}

type rejoinReq struct {
	SeatToken string `msgpack:"seatToken"`
}

func (h *Host) rejoin(s *socketio.Socket, payload []byte) (map[string]any, func(), error) {
	var req rejoinReq
	if err := decode(payload, &req); err != nil {
		return nil, nil, err
	}
	if req.SeatToken == "" {
		return nil, nil, reqErr(CodeBadRequest, "seatToken is required")
	}
	h.mu.Lock()
	ref := h.tokens[req.SeatToken]
	if ref != nil && ref.subject != subjectOf(s) {
		h.mu.Unlock()
		return nil, nil, reqErr(CodeUnauthorized, "the seat belongs to another account")
	}
	if cur := seatOf(s); cur != nil && cur != ref {
		h.mu.Unlock()
		return nil, nil, reqErr(CodeAlreadyInRoom, "leave your room first")
	}
	if ref == nil {
		h.mu.Unlock()
		return nil, nil, reqErr(CodeSeatExpired, "the seat is gone")
	}
	old := ref.sock
	h.mu.Unlock()
	peer := newSocketPeer(s)
	ctx, cancel := h.reqCtx()
	defer cancel()
	if err := ref.hr.room.Return(ctx, ref.id, peer); err != nil {
		if errors.Is(err, ErrNotSeated) || errors.Is(err, ErrClosed) {
			return nil, nil, reqErr(CodeSeatExpired, "the seat is gone")
		}
		return nil, nil, err
	}
	h.mu.Lock()
	if ref.hr.players[ref.id] != ref { // the grace period ended meanwhile
		h.mu.Unlock()
		return nil, nil, reqErr(CodeSeatExpired, "the seat is gone")
	}
	if ref.grace != nil {
		ref.grace.Stop()
		ref.grace = nil
	}
	delete(h.tokens, ref.token)
	ref.token = newToken()
	h.tokens[ref.token] = ref
	wasGone := ref.sock == nil
	ref.sock, ref.peer = s, peer
	res := h.joinedLocked(ref.hr, ref)
	if wasGone {
		h.playerEventLocked(ref.hr, "update", ref, ref.id)
	}
	h.mu.Unlock()
	if old != nil && old != s {
		old.Set(seatKey, nil) // the room told it room:closed {reason: "rejoined"}
	}
	s.Set(seatKey, ref)
	h.lateDisconnect(s)
	return res, peer.activate, nil
}

func (h *Host) leaveReq(s *socketio.Socket, _ []byte) (map[string]any, func(), error) {
	ref := seatOf(s)
	if ref == nil {
		return nil, nil, reqErr(CodeNotInRoom, "you are not in a room")
	}
	s.Set(seatKey, nil)
	h.giveUp(ref)
	return nil, nil, nil
}

// giveUp frees a seat: leave, kick, or grace expiry. The others get
// room:player leave (and update for a new host) and room:info.
func (h *Host) giveUp(ref *seatRef) { h.giveUpIf(ref, nil) }

// giveUpIf gives up the seat if cond, checked under h.mu, holds (nil:
// always), so that a grace expiry and a rejoin cannot both win.
func (h *Host) giveUpIf(ref *seatRef, cond func() bool) {
	h.mu.Lock()
	hr := ref.hr
	if hr.players[ref.id] != ref || cond != nil && !cond() {
		h.mu.Unlock()
		return // already given up (a kick racing a leave), or back in time
	}
	delete(h.tokens, ref.token)
	delete(hr.players, ref.id)
	if ref.grace != nil {
		ref.grace.Stop()
		ref.grace = nil
	}
	h.playerEventLocked(hr, "leave", ref, 0)
	if hr.host == ref.id {
		hr.host = longestSeated(hr.players)
		if next := hr.players[hr.host]; next != nil {
			h.playerEventLocked(hr, "update", next, 0)
		}
	}
	h.roomInfoEventLocked(hr, 0)
	h.touchLocked(hr)
	h.armIdleLocked(hr)
	h.mu.Unlock()
	ctx, cancel := h.reqCtx()
	defer cancel()
	_ = hr.room.Leave(ctx, ref.id)
}

// longestSeated is the player seated first (the lowest id: ids rise).
func longestSeated(players map[game.PlayerID]*seatRef) game.PlayerID {
	var best game.PlayerID
	for id := range players {
		if best == 0 || id < best {
			best = id
		}
	}
	return best
}

func (h *Host) start(s *socketio.Socket, _ []byte) (map[string]any, func(), error) {
	ref := seatOf(s)
	if ref == nil {
		return nil, nil, reqErr(CodeNotInRoom, "you are not in a room")
	}
	h.mu.Lock()
	isHost := ref.hr.host == ref.id
	seated := len(ref.hr.players)
	h.mu.Unlock()
	// The contract's order: BAD_REQUEST (too few seated) before ROOM_LOCKED before NOT_HOST.
	if seated < ref.hr.room.Settings().MinPlayers {
		return nil, nil, reqErr(CodeBadRequest, "fewer players than the mode's minimum")
	}
	if ref.hr.room.Phase() != PhaseWaiting {
		return nil, nil, reqErr(CodeRoomLocked, "the room has started")
	}
	if !isHost {
		return nil, nil, reqErr(CodeNotHost, "only the host can start")
	}
	ctx, cancel := h.reqCtx()
	defer cancel()
	switch err := ref.hr.room.Start(ctx); {
	case errors.Is(err, ErrTooFewPlayers):
		return nil, nil, reqErr(CodeBadRequest, "fewer players than the mode's minimum")
	case errors.Is(err, ErrLocked):
		return nil, nil, reqErr(CodeRoomLocked, "the room has started")
	case err != nil:
		return nil, nil, err
	}
	return nil, func() { h.started(ref.hr) }, nil
}

func (h *Host) resync(s *socketio.Socket, _ []byte) (map[string]any, func(), error) {
	ref := seatOf(s)
	if ref == nil {
		return nil, nil, reqErr(CodeNotInRoom, "you are not in a room")
	}
	ctx, cancel := h.reqCtx()
	defer cancel()
	if err := ref.hr.room.Resync(ctx, ref.id); err != nil {
		return nil, nil, reqErr(CodeNotInRoom, "you are not in a room")
	}
	return nil, nil, nil
}

type timeSyncReq struct {
	T0 any `msgpack:"t0"`
}

func timeSync(_ *socketio.Socket, payload []byte) (map[string]any, func(), error) {
	var req timeSyncReq
	if err := decode(payload, &req); err != nil {
		return nil, nil, err
	}
	switch req.T0.(type) {
	case int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64:
	default:
		return nil, nil, reqErr(CodeBadRequest, "t0 must be a number")
	}
	return map[string]any{"t0": req.T0, "serverTime": time.Now().UnixMilli()}, nil, nil
}

// input hands an `input` payload to the socket's seat; it never blocks.
// Input from a socket without a seat is dropped.
func (h *Host) input(s *socketio.Socket, args socketio.Args, _ socketio.Ack) {
	if ref := seatOf(s); ref != nil {
		h.mu.Lock()
		seat := ref.seat
		h.mu.Unlock()
		seat.PushInput(args.Raw(0))
	}
}

// lateDisconnect puts a seat into grace when its socket went away while the
// request that seated it ran (its disconnect handler saw no seat yet);
// disconnected is idempotent, so a handler that did see it is harmless.
func (h *Host) lateDisconnect(s *socketio.Socket) {
	if !s.Connected() {
		h.disconnected(s)
	}
}

// disconnected keeps the seat of a socket that went away without
// room:leave for the grace period.
func (h *Host) disconnected(s *socketio.Socket) {
	ref := seatOf(s)
	if ref == nil {
		return
	}
	h.mu.Lock()
	if ref.sock != s { // already taken over by a rejoin
		h.mu.Unlock()
		return
	}
	ref.sock, ref.peer = nil, nil
	h.playerEventLocked(ref.hr, "update", ref, ref.id)
	ref.grace = time.AfterFunc(h.cfg.Grace, func() {
		h.giveUpIf(ref, func() bool { return ref.sock == nil }) // a rejoin may have won
	})
	h.mu.Unlock()
	ctx, cancel := h.reqCtx()
	defer cancel()
	_ = ref.hr.room.Drop(ctx, ref.id)
}
