package rooms

// The contract's Joined, PlayerInfo and RoomInfo, built under Host.mu.

// joinedLocked builds the contract's Joined result; h.mu is held.
func (h *Host) joinedLocked(hr *hostedRoom, ref *seatRef) map[string]any {
	players := make([]map[string]any, 0, len(hr.players))
	for _, id := range sortedIDs(hr.players) {
		players = append(players, playerInfoLocked(hr, hr.players[id]))
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

// playerInfoLocked is the contract's PlayerInfo; h.mu is held.
func playerInfoLocked(hr *hostedRoom, p *seatRef) map[string]any {
	return map[string]any{
		"id": uint32(p.id), "name": p.name, "ready": p.ready, "host": p.id == hr.host,
		"connected": p.sock != nil, "bot": false,
	}
}

// roomInfoLocked is the contract's RoomInfo; h.mu is held.
func (h *Host) roomInfoLocked(hr *hostedRoom) map[string]any {
	return map[string]any{
		"id": hr.id, "code": hr.code, "mode": hr.mode, "name": hr.name,
		"players": len(hr.players), "maxPlayers": hr.room.Settings().MaxPlayers,
		"private": hr.private, "hasPassword": hr.pwHash != nil, "phase": hr.room.Phase().String(),
		"meta": hr.meta, "createdAt": hr.createdAt.UnixMilli(),
	}
}
