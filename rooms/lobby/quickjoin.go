package lobby

import (
	"errors"

	"github.com/tickroom/tickroom/game"
)

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
	mode, settings, err := h.newRoomChecks(c, req.mode, req.create)
	if err != nil {
		return nil, nil, err
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
	var tried map[*hostedRoom]bool
	for attempt := 0; ; attempt++ {
		var err error
		h.quickMu.Lock()
		hr := h.quickPick(modeName, meta, tried)
		launched := hr == nil
		if launched {
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
		if !launched && attempt < quickRetries && errors.As(err, &re) && (re.Code == CodeRoomFull || re.Code == CodeRoomLocked || re.Code == CodeRoomNotFound) {
			// Lost a race with the room's phase or closing, or its mode's
			// CanJoin refused: pick again, among the others. A new room
			// that refuses is the answer: the mode will not seat this
			// player.
			if tried == nil {
				tried = make(map[*hostedRoom]bool)
			}
			tried[hr] = true
			continue
		}
		return res, err
	}
}

// quickRetries bounds how often one quickjoin picks again after losing a
// race for a seat; the last answer is the player's.
const quickRetries = 3

// quickPick reserves a seat in the public, passwordless, joinable, not full
// room of mode matching meta with the most players (seats promised to joins
// in flight count), the oldest on a tie; nil if there is none. h.quickMu is
// held. Rooms in skip are not considered.
func (h *Host) quickPick(mode string, meta map[string]any, skip map[*hostedRoom]bool) *hostedRoom {
	for {
		var best *hostedRoom
		var bestN int32 = -1
		h.mu.RLock()
		for _, hr := range h.rooms {
			if skip[hr] || hr.mode != mode || hr.private || hr.pwHash != nil || !joinablePhase(hr) || !metaMatch(hr.meta, meta) {
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
