package lobby

import (
	"cmp"
	"slices"
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
	if flt.mode, _, err = f.str(keyMode, 64); err != nil {
		return flt, err
	}
	if flt.meta, _, err = f.meta(keyMeta); err != nil {
		return flt, err
	}
	if flt.includeFull, _, err = f.boolean(keyIncludeFull); err != nil {
		return flt, err
	}
	limit, ok, err := f.integer(keyLimit)
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

// match reports whether a room is in the filtered set.
func (f *filter) match(info *RoomInfo) bool {
	return !info.Private &&
		(f.mode == "" || info.Mode == f.mode) &&
		(f.includeFull || info.Players < info.MaxPlayers) &&
		metaMatch(info.Meta, f.meta)
}

// selectRooms returns the rooms of the store in the filtered set, most
// players first, then oldest, at most limit (0: all). It reads the store's
// published infos and holds no lock while it filters and sorts.
func (h *Host) selectRooms(f *filter, limit int) []*RoomInfo {
	var out []*RoomInfo
	for _, e := range h.store.List(nil) {
		if f.match(e.Info) {
			out = append(out, e.Info)
		}
	}
	slices.SortFunc(out, listOrder)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	if out == nil {
		out = []*RoomInfo{} // an empty list, not nil, on the wire
	}
	return out
}

// listOrder is the contract's order: most players first, then oldest (ties
// broken by id, so the order is total).
func listOrder(a, b *RoomInfo) int {
	if c := cmp.Compare(b.Players, a.Players); c != 0 {
		return c
	}
	if c := a.Created.Compare(b.Created); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

func (h *Host) list(_ *conn, payload []byte) (any, func(), error) {
	flt, err := h.parseFilter(payload)
	if err != nil {
		return nil, nil, err
	}
	return roomList{Rooms: h.selectRooms(&flt, flt.limit)}, nil, nil
}
