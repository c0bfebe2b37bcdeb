package rooms

import (
	"context"
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

func defaultPlayerName() string { return "player-" + newCode()[:4] }

// playerName is the socket's handshake name under the contract's rules.
func playerName(s *socketio.Socket) string {
	return cleanName(s.Handshake().Auth["name"], 24, defaultPlayerName)
}

type createReq struct {
	Mode       string         `msgpack:"mode"`
	Name       any            `msgpack:"name"`
	MaxPlayers int            `msgpack:"maxPlayers"`
	Options    map[string]any `msgpack:"options"`
}

func (h *Host) create(s *socketio.Socket, payload []byte) (map[string]any, func(), error) {
	var req createReq
	if err := decode(payload, &req); err != nil {
		return nil, nil, err
	}
	if req.Mode == "" {
		return nil, nil, reqErr(CodeBadRequest, "mode is required")
	}
	if seatOf(s) != nil {
		return nil, nil, reqErr(CodeAlreadyInRoom, "leave your room first")
	}
	mode, ok := h.cfg.Modes.Lookup(req.Mode)
	if !ok {
		return nil, nil, reqErr(CodeUnknownMode, "no mode "+req.Mode)
	}
	settings, err := mode.Configure(game.Options{MaxPlayers: req.MaxPlayers, Raw: req.Options})
	if err != nil {
		return nil, nil, reqErr(CodeBadRequest, err.Error())
	}
	name := cleanName(req.Name, 48, func() string { return req.Mode + " room" })
	hr, err := h.launch(mode, settings, name)
	if err != nil {
		return nil, nil, err
	}
	return h.seat(s, hr)
}

type joinReq struct {
	RoomID *string `msgpack:"roomId"`
	Code   *string `msgpack:"code"`
}

func (h *Host) join(s *socketio.Socket, payload []byte) (map[string]any, func(), error) {
	var req joinReq
	if err := decode(payload, &req); err != nil {
		return nil, nil, err
	}
	if (req.RoomID == nil) == (req.Code == nil) {
		return nil, nil, reqErr(CodeBadRequest, "give exactly one of roomId and code")
	}
	if seatOf(s) != nil {
		return nil, nil, reqErr(CodeAlreadyInRoom, "leave your room first")
	}
	h.mu.Lock()
	var hr *hostedRoom
	if req.RoomID != nil {
		hr = h.rooms[*req.RoomID]
	} else {
		hr = h.codes[upperASCII(*req.Code)]
	}
	h.mu.Unlock()
	if hr == nil {
		return nil, nil, reqErr(CodeRoomNotFound, "no such room")
	}
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

// seat takes a seat in hr for s and builds the Joined result.
func (h *Host) seat(s *socketio.Socket, hr *hostedRoom) (map[string]any, func(), error) {
	h.mu.Lock()
	hr.nextID++
	ref := &seatRef{hr: hr, id: game.PlayerID(hr.nextID), name: playerName(s)}
	h.mu.Unlock()
	peer := newSocketPeer(s)
	ctx, cancel := h.reqCtx()
	defer cancel()
	seat, err := hr.room.Join(ctx, game.Player{ID: ref.id, Name: ref.name}, peer)
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
	ref.seat, ref.sock, ref.token = seat, s, newToken()
	if len(hr.players) == 0 {
		hr.host = ref.id
	}
	hr.players[ref.id] = ref
	h.tokens[ref.token] = ref
	res := h.joinedLocked(hr, ref)
	h.mu.Unlock()
	s.Set(seatKey, ref)
	return res, peer.activate, nil
}

// joinedLocked builds the contract's Joined result; h.mu is held.
func (h *Host) joinedLocked(hr *hostedRoom, ref *seatRef) map[string]any {
	players := make([]map[string]any, 0, len(hr.players))
	for _, p := range hr.players {
		players = append(players, map[string]any{
			"id": uint32(p.id), "name": p.name, "ready": false, "host": p.id == hr.host,
			"connected": p.sock != nil, "bot": false,
		})
	}
	return map[string]any{
		"room":    h.roomInfoLocked(hr),
		"you":     map[string]any{"playerId": uint32(ref.id), "seatToken": ref.token},
		"players": players,
		// An addition to the contract's Joined: the mode's schema, without which a
		// client cannot read the snapshot's entity section (docs/snapshot-format.md).
		"schema": hr.room.mode.Schema().Describe(),
	}
}

// roomInfoLocked is the contract's RoomInfo; h.mu is held.
func (h *Host) roomInfoLocked(hr *hostedRoom) map[string]any {
	return map[string]any{
		"id": hr.id, "code": hr.code, "mode": hr.mode, "name": hr.name,
		"players": len(hr.players), "maxPlayers": hr.room.Settings().MaxPlayers,
		"private": false, "hasPassword": false, "phase": hr.room.Phase().String(),
		"meta": map[string]any{}, "createdAt": hr.createdAt.UnixMilli(),
	}
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
	if ref.grace != nil {
		ref.grace.Stop()
		ref.grace = nil
	}
	delete(h.tokens, ref.token)
	ref.token = newToken()
	h.tokens[ref.token] = ref
	ref.sock = s
	res := h.joinedLocked(ref.hr, ref)
	h.mu.Unlock()
	if old != nil && old != s {
		old.Set(seatKey, nil) // the room told it room:closed {reason: "rejoined"}
	}
	s.Set(seatKey, ref)
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

// giveUp frees a seat: leave, or grace expiry.
func (h *Host) giveUp(ref *seatRef) {
	h.mu.Lock()
	delete(h.tokens, ref.token)
	delete(ref.hr.players, ref.id)
	if ref.grace != nil {
		ref.grace.Stop()
		ref.grace = nil
	}
	if ref.hr.host == ref.id {
		ref.hr.host = longestSeated(ref.hr.players)
	}
	h.mu.Unlock()
	ctx, cancel := h.reqCtx()
	defer cancel()
	_ = ref.hr.room.Leave(ctx, ref.id)
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
	h.mu.Unlock()
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
	return nil, nil, nil
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
	ref.sock = nil
	ref.grace = time.AfterFunc(h.cfg.Grace, func() {
		h.mu.Lock()
		back := ref.sock != nil // a rejoin won the race with the timer
		h.mu.Unlock()
		if !back {
			h.giveUp(ref)
		}
	})
	h.mu.Unlock()
	ctx, cancel := h.reqCtx()
	defer cancel()
	_ = ref.hr.room.Drop(ctx, ref.id)
}
