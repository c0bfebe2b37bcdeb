package rooms

import (
	"cmp"
	"slices"
	"time"

	"github.com/tickroom/tickroom/netio/socketio"
)

// Lobby limits of the contract.
const (
	listDefaultLimit = 100
	listMaxLimit     = 500
)

// filter is the room selection of lobby:list and lobby:watch.
type filter struct {
	mode        string
	meta        map[string]any
	includeFull bool
	limit       int
}

// parseFilter reads {mode?, meta?, includeFull?, limit?}: BAD_REQUEST for
// wrong types, then UNKNOWN_MODE.
func (h *Host) parseFilter(payload []byte) (filter, error) {
	f, err := decodeFields(payload)
	if err != nil {
		return filter{}, err
	}
	var flt filter
	if flt.mode, _, err = f.str("mode", 64); err != nil {
		return flt, err
	}
	if flt.meta, _, err = f.meta("meta"); err != nil {
		return flt, err
	}
	if flt.includeFull, _, err = f.boolean("includeFull"); err != nil {
		return flt, err
	}
	limit, ok, err := f.integer("limit")
	if err != nil {
		return flt, err
	}
	switch {
	case !ok:
		flt.limit = listDefaultLimit
	case limit < 1:
		return flt, reqErr(CodeBadRequest, "limit must be at least 1")
	default:
		flt.limit = int(min(limit, listMaxLimit))
	}
	if flt.mode != "" {
		if _, known := h.cfg.Modes.Lookup(flt.mode); !known {
			return flt, reqErr(CodeUnknownMode, "no mode "+flt.mode)
		}
	}
	return flt, nil
}

// matchLocked reports whether hr is in the filtered set; h.mu is held.
func (f *filter) matchLocked(hr *hostedRoom) bool {
	return !hr.gone && !hr.private &&
		(f.mode == "" || hr.mode == f.mode) &&
		(f.includeFull || len(hr.players) < hr.room.Settings().MaxPlayers) &&
		metaMatch(hr.meta, f.meta)
}

// listLocked returns the filtered rooms, most players first, then oldest,
// at most limit (0: all).
func (h *Host) listLocked(f *filter, limit int) []*hostedRoom {
	var out []*hostedRoom
	for _, hr := range h.rooms {
		if f.matchLocked(hr) {
			out = append(out, hr)
		}
	}
	slices.SortFunc(out, func(a, b *hostedRoom) int {
		if c := cmp.Compare(len(b.players), len(a.players)); c != 0 {
			return c
		}
		if c := a.createdAt.Compare(b.createdAt); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

func (h *Host) infosLocked(rooms []*hostedRoom) []map[string]any {
	infos := make([]map[string]any, 0, len(rooms))
	for _, hr := range rooms {
		infos = append(infos, h.roomInfoLocked(hr))
	}
	return infos
}

func (h *Host) list(_ *socketio.Socket, payload []byte) (map[string]any, func(), error) {
	flt, err := h.parseFilter(payload)
	if err != nil {
		return nil, nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return map[string]any{"rooms": h.infosLocked(h.listLocked(&flt, flt.limit))}, nil, nil
}

// watcher is one socket's lobby:watch: the rooms it has been told of and
// the changes not sent yet. Guarded by Host.mu.
type watcher struct {
	s       *socketio.Socket
	f       filter
	seen    map[string]bool        // room ids in the watcher's view
	changed map[string]*hostedRoom // entered or changed since the last update
	removed map[string]bool        // left the view since the last update
	active  bool                   // the watch ack is out
	last    time.Time              // when the last update went out
	timer   *time.Timer            // a flush waiting for the interval
}

func (h *Host) watch(s *socketio.Socket, payload []byte) (map[string]any, func(), error) {
	flt, err := h.parseFilter(payload)
	if err != nil {
		return nil, nil, err
	}
	w := &watcher{s: s, f: flt, seen: map[string]bool{}, changed: map[string]*hostedRoom{}, removed: map[string]bool{}}
	h.mu.Lock()
	if old := h.watchers[s]; old != nil && old.timer != nil {
		old.timer.Stop()
	}
	h.watchers[s] = w
	rooms := h.listLocked(&flt, 0)
	for _, hr := range rooms {
		w.seen[hr.id] = true
	}
	res := map[string]any{"rooms": h.infosLocked(rooms)}
	h.mu.Unlock()
	return res, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.watchers[s] == w {
			w.active = true
			w.last = time.Now()
			h.scheduleLocked(w)
		}
	}, nil
}

func (h *Host) unwatch(s *socketio.Socket, _ []byte) (map[string]any, func(), error) {
	h.unwatchSocket(s)
	return nil, nil, nil
}

func (h *Host) unwatchSocket(s *socketio.Socket) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if w := h.watchers[s]; w != nil {
		if w.timer != nil {
			w.timer.Stop()
		}
		delete(h.watchers, s)
	}
}

// touchLocked records that hr entered, changed or left (hr.gone) every
// watcher's view and schedules their updates; h.mu is held.
func (h *Host) touchLocked(hr *hostedRoom) {
	for _, w := range h.watchers {
		switch {
		case w.f.matchLocked(hr):
			w.seen[hr.id] = true
			w.changed[hr.id] = hr
			delete(w.removed, hr.id)
		case w.seen[hr.id]:
			delete(w.seen, hr.id)
			delete(w.changed, hr.id)
			w.removed[hr.id] = true
		default:
			continue
		}
		h.scheduleLocked(w)
	}
}

// scheduleLocked sends w's pending changes now if the last update is at
// least LobbyInterval old, else once it is.
func (h *Host) scheduleLocked(w *watcher) {
	if !w.active || w.timer != nil || len(w.changed)+len(w.removed) == 0 {
		return
	}
	wait := h.cfg.LobbyInterval - time.Since(w.last)
	if wait <= 0 {
		h.flushLocked(w)
		return
	}
	w.timer = time.AfterFunc(wait, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.watchers[w.s] != w {
			return
		}
		w.timer = nil
		h.flushLocked(w)
	})
}

// flushLocked emits one lobby:update with w's pending changes (the rooms'
// state now, so a batch carries each room once). Emit only queues.
func (h *Host) flushLocked(w *watcher) {
	if len(w.changed)+len(w.removed) == 0 {
		return
	}
	rooms := make([]*hostedRoom, 0, len(w.changed))
	for _, hr := range w.changed {
		rooms = append(rooms, hr)
	}
	slices.SortFunc(rooms, func(a, b *hostedRoom) int { return cmp.Compare(a.id, b.id) })
	removed := make([]string, 0, len(w.removed))
	for id := range w.removed {
		removed = append(removed, id)
	}
	slices.Sort(removed)
	_ = w.s.Emit("lobby:update", map[string]any{"rooms": h.infosLocked(rooms), "removed": removed})
	clear(w.changed)
	clear(w.removed)
	w.last = time.Now()
}
