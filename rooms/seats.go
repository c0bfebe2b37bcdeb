package rooms

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"slices"
	"time"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/netio/socketio"
)

// maxPasswordLen bounds a room password in code points.
const maxPasswordLen = 128

// roomSpec is what a room:create or room:quickjoin asks of a new room
// beyond the mode's settings.
type roomSpec struct {
	name    string
	private bool
	pwHash  []byte
	meta    map[string]any
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

// joinablePhase: waiting, or playing where the mode allows joining in
// progress.
func joinablePhase(hr *hostedRoom) bool {
	switch hr.room.Phase() {
	case PhaseWaiting:
		return true
	case PhasePlaying:
		return hr.room.Settings().JoinInProgress
	}
	return false
}

func sortedIDs(players map[game.PlayerID]*seatRef) []game.PlayerID {
	ids := make([]game.PlayerID, 0, len(players))
	for id := range players {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// playerEventLocked sends room:player {op, player} to every attached seat
// of hr except the player except (0: nobody). Peers queue without
// blocking, and sending under h.mu keeps events in the order of the changes.
func (h *Host) playerEventLocked(hr *hostedRoom, op string, subject *seatRef, except game.PlayerID) {
	ev := map[string]any{"op": op, "player": playerInfoLocked(hr, subject)}
	h.roomEventLocked(hr, "room:player", ev, except)
}

// roomInfoEventLocked sends room:info to every attached seat but except.
func (h *Host) roomInfoEventLocked(hr *hostedRoom, except game.PlayerID) {
	h.roomEventLocked(hr, "room:info", h.roomInfoLocked(hr), except)
}

func (h *Host) roomEventLocked(hr *hostedRoom, name string, arg any, except game.PlayerID) {
	for _, id := range sortedIDs(hr.players) {
		p := hr.players[id]
		if id != except && p.peer != nil {
			_ = p.peer.Event(name, arg)
		}
	}
}

// armIdleLocked starts the disposal timer of a room that has no seat and no
// join in flight.
func (h *Host) armIdleLocked(hr *hostedRoom) {
	if len(hr.players) > 0 || hr.reserved > 0 || hr.gone || hr.idle != nil {
		return
	}
	hr.idleGen++
	gen := hr.idleGen
	hr.idle = time.AfterFunc(h.cfg.EmptyTimeout, func() { h.dispose(hr, gen) })
}

// dispose closes a room that stayed empty for EmptyTimeout. It leaves the
// lookup tables at once, so no join can reach it while it closes.
func (h *Host) dispose(hr *hostedRoom, gen uint64) {
	h.mu.Lock()
	if hr.idle == nil || hr.idleGen != gen || len(hr.players) > 0 || hr.reserved > 0 || hr.gone {
		h.mu.Unlock()
		return
	}
	hr.idle = nil
	hr.gone = true
	if h.rooms[hr.id] == hr {
		delete(h.rooms, hr.id)
		delete(h.codes, hr.code)
	}
	h.touchLocked(hr)
	h.mu.Unlock()
	ctx, cancel := h.reqCtx()
	defer cancel()
	_ = hr.room.Close(ctx, "ended")
}

// autoStart starts a waiting room when its mode's rule says so: always
// (quickjoin rooms), when full (AutoStartWhenFull), or when at least
// MinPlayers are seated and all of them are ready.
func (h *Host) autoStart(hr *hostedRoom) {
	st := hr.room.Settings()
	h.mu.Lock()
	n := len(hr.players)
	allReady := n >= st.MinPlayers
	for _, p := range hr.players {
		allReady = allReady && p.ready
	}
	h.mu.Unlock()
	if hr.room.Phase() != PhaseWaiting || n < st.MinPlayers {
		return
	}
	switch {
	case st.AutoStart == game.AutoStartImmediately:
	case st.AutoStart == game.AutoStartWhenFull && n >= st.MaxPlayers:
	case allReady:
	default:
		return
	}
	ctx, cancel := h.reqCtx()
	defer cancel()
	if err := hr.room.Start(ctx); err == nil {
		h.started(hr)
	}
}

// started tells everyone in hr and the lobby that the phase changed.
func (h *Host) started(hr *hostedRoom) { h.phaseChanged(hr) }

// phaseChanged sends room:info to every seat and updates the lobby. The
// room goroutine calls it at the end of a match, so it only queues.
func (h *Host) phaseChanged(hr *hostedRoom) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if hr.gone {
		return
	}
	h.roomInfoEventLocked(hr, 0)
	h.touchLocked(hr)
}

func (h *Host) ready(s *socketio.Socket, payload []byte) (map[string]any, func(), error) {
	f, err := decodeFields(payload)
	if err != nil {
		return nil, nil, err
	}
	ready, ok, err := f.boolean("ready")
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, reqErr(CodeBadRequest, "ready is required")
	}
	ref := seatOf(s)
	if ref == nil {
		return nil, nil, reqErr(CodeNotInRoom, "you are not in a room")
	}
	if ref.hr.room.Phase() != PhaseWaiting {
		return nil, nil, reqErr(CodeRoomLocked, "the room has started")
	}
	h.mu.Lock()
	changed := ref.ready != ready
	ref.ready = ready
	if changed {
		h.playerEventLocked(ref.hr, "update", ref, ref.id)
	}
	h.mu.Unlock()
	return nil, func() { h.autoStart(ref.hr) }, nil
}

func (h *Host) kick(s *socketio.Socket, payload []byte) (map[string]any, func(), error) {
	f, err := decodeFields(payload)
	if err != nil {
		return nil, nil, err
	}
	pid, ok, err := f.integer("playerId")
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, reqErr(CodeBadRequest, "playerId is required")
	}
	ref := seatOf(s)
	if ref == nil {
		return nil, nil, reqErr(CodeNotInRoom, "you are not in a room")
	}
	hr := ref.hr
	h.mu.Lock()
	var target *seatRef
	if pid > 0 && pid <= 1<<32-1 {
		target = hr.players[game.PlayerID(pid)]
	}
	isHost := hr.host == ref.id
	h.mu.Unlock()
	switch {
	case target == nil:
		return nil, nil, reqErr(CodeBadRequest, "no such player in your room")
	case target == ref:
		return nil, nil, reqErr(CodeBadRequest, "you cannot kick yourself")
	case !isHost:
		return nil, nil, reqErr(CodeNotHost, "only the host can kick")
	}
	return nil, func() { h.kickOut(target) }, nil
}

// kickOut gives up target's seat, then tells its connection room:closed
// {reason: "kicked"}; its token is gone, so a rejoin answers SEAT_EXPIRED.
func (h *Host) kickOut(target *seatRef) {
	h.mu.Lock()
	peer, sock := target.peer, target.sock
	h.mu.Unlock()
	h.giveUp(target)
	if sock != nil && sock.Get(seatKey) == target {
		sock.Set(seatKey, nil)
	}
	if peer != nil {
		_ = peer.Event("room:closed", map[string]any{"reason": "kicked"})
	}
}

func (h *Host) quickjoin(s *socketio.Socket, payload []byte) (map[string]any, func(), error) {
	f, err := decodeFields(payload)
	if err != nil {
		return nil, nil, err
	}
	modeName, err := f.mode()
	if err != nil {
		return nil, nil, err
	}
	meta, _, err := f.meta("meta")
	if err != nil {
		return nil, nil, err
	}
	if seatOf(s) != nil {
		return nil, nil, reqErr(CodeAlreadyInRoom, "leave your room first")
	}
	mode, known := h.cfg.Modes.Lookup(modeName)
	if !known {
		return nil, nil, reqErr(CodeUnknownMode, "no mode "+modeName)
	}
	settings, err := mode.Configure(game.Options{})
	if err != nil {
		return nil, nil, err
	}
	settings.AutoStart = game.AutoStartImmediately
	for {
		// A room made in advance, so that the pick and the creation are one
		// step under h.mu: simultaneous quickjoins never make two rooms
		// where one would do.
		fresh, err := h.newHosted(mode, settings, roomSpec{name: modeName + " room", meta: meta})
		if err != nil {
			return nil, nil, err
		}
		h.mu.Lock()
		hr := h.quickPickLocked(modeName, meta)
		if hr == nil {
			hr = fresh
			err = h.registerLocked(hr)
		} else {
			hr.reserved++
		}
		h.mu.Unlock()
		if err != nil {
			return nil, nil, err
		}
		if hr == fresh {
			h.run(hr)
		}
		res, after, err := h.seat(s, hr)
		var re *RequestError
		if errors.As(err, &re) && (re.Code == CodeRoomFull || re.Code == CodeRoomLocked || re.Code == CodeRoomNotFound) {
			continue // lost a race with the room's phase or closing: pick again
		}
		return res, after, err
	}
}

// quickPickLocked returns the public, passwordless, joinable, not full room
// of mode matching meta with the most players (seats promised to joins in
// flight count), the oldest on a tie; nil if there is none.
func (h *Host) quickPickLocked(mode string, meta map[string]any) *hostedRoom {
	var best *hostedRoom
	bestN := -1
	for _, hr := range h.rooms {
		if hr.gone || hr.mode != mode || hr.private || hr.pwHash != nil || !joinablePhase(hr) || !metaMatch(hr.meta, meta) {
			continue
		}
		n := len(hr.players) + hr.reserved
		if n >= hr.room.Settings().MaxPlayers {
			continue
		}
		if n > bestN || n == bestN && hr.createdAt.Before(best.createdAt) {
			best, bestN = hr, n
		}
	}
	return best
}
