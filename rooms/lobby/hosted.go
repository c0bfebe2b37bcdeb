package lobby

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/rooms"
)

// hostedRoom is a running room and what the lobby knows of it.
type hostedRoom struct {
	room       *rooms.Room    // static
	id, code   string         // static (code: from the store, before the room is visible)
	mode       string         // static
	name       string         // static
	created    time.Time      // static
	private    bool           // static
	pwHash     []byte         // static: sha256 of the password, nil without one
	meta       map[string]any // static, never nil
	maxPlayers int            // static
	listing    Listing        // static once registered

	// load is the seats taken (seats in grace included) plus the seats
	// promised to joins in flight; -1 once the room is being disposed, so
	// that no join can reserve a seat in it. reserve and release keep it.
	load atomic.Int32
	// idleGen counts reservations: a disposal timer armed before the last
	// one is stale.
	idleGen atomic.Uint64
	nextID  atomic.Uint32 // the last player id given out (ids are never reused)
	// wrongPasswords counts the room's wrong passwords (from all connections
	// together) over the last minute.
	wrongPasswords window
	// connected counts the seats with a connection, for Stats.
	connected atomic.Int32
	// current is the RoomInfo last published.
	current atomic.Pointer[RoomInfo]

	// Owned by the room goroutine: changed only inside room.Do and
	// room.Call functions (and read by forget once the room has stopped).
	players map[game.PlayerID]*seatRef
	host    game.PlayerID
}

// seatRef is a seat as the lobby tracks it.
type seatRef struct {
	hr      *hostedRoom   // static
	id      game.PlayerID // static
	seat    *rooms.Seat   // static once the seat is published to a conn
	name    string        // static
	subject string        // static: the verified account that took the seat ("" without a verifier); only it may rejoin

	// Owned by the room goroutine.
	ready bool
	conn  *conn             // nil while in grace
	peer  *rooms.SocketPeer // nil while in grace
	token string
	grace *time.Timer
	// graceGen counts the seat's grace periods: a timer of an earlier one
	// that fired while a rejoin ran does not end a later one.
	graceGen uint64
}

// roomSpec is what a room:create or room:quickjoin asks of a new room
// beyond the mode's settings.
type roomSpec struct {
	name    string
	private bool
	pwHash  []byte
	meta    map[string]any
}

// launch makes, registers and runs a new room, one seat of which is
// reserved for the caller before anyone else can see the room.
func (h *Host) launch(mode game.Mode, settings game.Settings, spec roomSpec) (*hostedRoom, error) {
	hr := &hostedRoom{
		id: uuid.NewString(), mode: mode.Name(), name: spec.name, created: time.Now(),
		private: spec.private, pwHash: spec.pwHash, meta: spec.meta, maxPlayers: settings.MaxPlayers,
		players: map[game.PlayerID]*seatRef{},
	}
	if hr.meta == nil {
		hr.meta = map[string]any{}
	}
	opts := &rooms.Options{
		FirstTick: h.phases.Next(time.Now(), time.Second/time.Duration(settings.TickRate)),
		OnEnd:     func(results map[string]any) { h.matchEnded(hr, results) }, // on the room goroutine
		OnClose:   func(rooms.CloseReason) { hr.letGo() },                     // likewise
	}
	r, err := rooms.NewRoom(hr.id, mode, settings, newSeed(), &h.cfg.Room, opts)
	if err != nil {
		return nil, err
	}
	hr.room = r
	hr.load.Store(1)
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil, ErrClosed
	}
	if h.draining.Load() {
		h.mu.Unlock()
		return nil, ErrDraining
	}
	if max := h.cfg.Limits.MaxRooms; max >= 0 && len(h.rooms) >= max {
		h.mu.Unlock()
		return nil, ErrRoomCap
	}
	info := hr.info(rooms.PhaseWaiting.String(), 0)
	listing, err := h.store.Add(info)
	if err != nil { // the store is closing with the host
		h.mu.Unlock()
		return nil, fmt.Errorf("%w: %w", ErrClosed, err)
	}
	hr.code, hr.listing = info.Code, listing
	hr.current.Store(info)
	h.rooms[hr.id] = hr
	h.wg.Add(1)
	h.mu.Unlock()
	go func() {
		defer h.wg.Done()
		if err := r.Run(h.ctx); err != nil {
			h.cfg.Logger.Error("lobby: room failed", "room", hr.id, "err", err)
		}
		h.forget(hr)
	}()
	return hr, nil
}

func newSeed() uint64 {
	var r [8]byte
	_, _ = rand.Read(r[:]) // never fails (crypto/rand, Go 1.24+)
	return binary.LittleEndian.Uint64(r[:])
}

// info builds the room's RoomInfo for its phase and seat count.
func (hr *hostedRoom) info(phase string, players int) *RoomInfo {
	return &RoomInfo{
		ID: hr.id, Code: hr.code, Mode: hr.mode, Name: hr.name, Players: players, MaxPlayers: hr.maxPlayers,
		Private: hr.private, HasPassword: hr.pwHash != nil, Phase: phase, Meta: hr.meta,
		CreatedAt: hr.created.UnixMilli(), Created: hr.created,
	}
}

// publish tells the store (and through it every watcher) the room's state
// now and returns it. On the room goroutine.
func (hr *hostedRoom) publish() *RoomInfo {
	info := hr.info(hr.room.Phase().String(), len(hr.players))
	hr.current.Store(info)
	hr.listing.Update(info)
	return info
}

// letGo frees every connection of the room from its seat: the room is
// closing, and a client that acts on its room:closed must find itself in
// no room. On the room goroutine.
func (hr *hostedRoom) letGo() {
	for _, ref := range hr.players {
		if ref.conn != nil {
			ref.conn.seat.CompareAndSwap(ref, nil)
		}
	}
}

// reserve promises the caller a seat: false when the room is full or being
// disposed (see load).
func (hr *hostedRoom) reserve() bool {
	for {
		n := hr.load.Load()
		if n < 0 || int(n) >= hr.maxPlayers {
			return false
		}
		if hr.load.CompareAndSwap(n, n+1) {
			hr.idleGen.Add(1)
			return true
		}
	}
}

// release gives back a reserved seat or a seat given up; the last one arms
// the room's disposal.
func (h *Host) release(hr *hostedRoom) {
	if hr.load.Add(-1) == 0 {
		gen := hr.idleGen.Load()
		time.AfterFunc(h.cfg.EmptyTimeout, func() {
			// A reservation since (idleGen moved on, or load left 0) keeps the room.
			if hr.idleGen.Load() == gen && hr.load.CompareAndSwap(0, -1) {
				h.safely("room disposal", func() { h.dispose(hr) })
			}
		})
	}
}

// dispose closes a room that stayed empty for EmptyTimeout. It leaves the
// lobby's store at once, so no join can find it while it closes (its load
// is -1 already: no seat can be reserved in it either); it stays in the
// host's table until it has stopped (forget), so a Shutdown that comes
// meanwhile still closes it. A room too busy to take the close within
// RequestTimeout (a mode stuck in its code) gets it when it can: the wait
// ends with the host.
func (h *Host) dispose(hr *hostedRoom) {
	hr.listing.Remove()
	_ = hr.room.Close(h.ctx, rooms.CloseEnded)
}

// forget drops a stopped room and its seats, and keeps its counters in the
// host's totals. It runs once per room, when its Run has returned: the
// room goroutine is gone, so its state is this goroutine's now.
func (h *Host) forget(hr *hostedRoom) {
	hr.load.Store(-1)
	h.mu.Lock()
	if h.rooms[hr.id] == hr {
		delete(h.rooms, hr.id)
	}
	for _, ref := range hr.players {
		delete(h.tokens, ref.token)
	}
	// Its counters move to the totals in the same step as it leaves the
	// table: Stats never counts it twice nor misses it.
	h.goneStats = h.goneStats.Add(hr.room.Stats())
	h.goneTicks = h.goneTicks.Add(hr.room.TickTimes())
	h.mu.Unlock()
	hr.listing.Remove()
	for _, ref := range hr.players {
		if ref.grace != nil {
			ref.grace.Stop()
		}
		if ref.conn != nil {
			ref.conn.seat.CompareAndSwap(ref, nil)
		}
	}
	hr.connected.Store(0)
}

// room looks up one of this host's rooms by id.
func (h *Host) room(id string) *hostedRoom {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.rooms[id]
}

// The lobby's events to a room's players; all on the room goroutine, so
// they go out in the order of the changes. Each is encoded once for every
// player (rooms.Event).

// playerEvent sends room:player {op, player} to every attached seat of hr
// but the player except (0: nobody).
func (h *Host) playerEvent(hr *hostedRoom, op PlayerOp, subject *seatRef, except game.PlayerID) {
	h.roomEvent(hr, rooms.NewEvent(eventPlayer, PlayerEvent{Op: op, Player: hr.playerInfo(subject)}), except)
}

// roomInfoEvent publishes the room's state and sends room:info to every
// attached seat but except.
func (h *Host) roomInfoEvent(hr *hostedRoom, except game.PlayerID) {
	h.roomEvent(hr, rooms.NewEvent(eventInfo, hr.publish()), except)
}

func (h *Host) roomEvent(hr *hostedRoom, ev *rooms.Event, except game.PlayerID) {
	for _, id := range sortedIDs(hr.players) {
		if p := hr.players[id]; id != except && p.peer != nil {
			_ = p.peer.Send(ev)
		}
	}
}

// phaseChanged tells every seat and the lobby that the phase changed. On
// the room goroutine (the room's OnEnd, or a Call).
func (h *Host) phaseChanged(hr *hostedRoom) { h.roomInfoEvent(hr, 0) }

// matchEnded is the room's OnEnd: the phase changed, and the application
// hears of the results. On the room goroutine: OnMatchEnd runs on its own.
func (h *Host) matchEnded(hr *hostedRoom, results map[string]any) {
	h.phaseChanged(hr)
	if h.cfg.OnMatchEnd == nil {
		return
	}
	me := MatchEnd{Room: hr.current.Load(), Results: results, Players: make([]PlayerInfo, 0, len(hr.players))}
	for _, id := range sortedIDs(hr.players) {
		me.Players = append(me.Players, hr.playerInfo(hr.players[id]))
	}
	go h.safely("OnMatchEnd", func() { h.cfg.OnMatchEnd(me) })
}

func sortedIDs(players map[game.PlayerID]*seatRef) []game.PlayerID {
	ids := make([]game.PlayerID, 0, len(players))
	for id := range players {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// playerInfo is the contract's PlayerInfo of p; on the room goroutine.
func (hr *hostedRoom) playerInfo(p *seatRef) PlayerInfo {
	return PlayerInfo{ID: p.id, Name: p.name, Ready: p.ready, Host: p.id == hr.host, Connected: p.conn != nil}
}

// joined builds the contract's Joined for ref; on the room goroutine.
func (hr *hostedRoom) joined(ref *seatRef, info *RoomInfo) *Joined {
	players := make([]PlayerInfo, 0, len(hr.players))
	for _, id := range sortedIDs(hr.players) {
		players = append(players, hr.playerInfo(hr.players[id]))
	}
	return &Joined{
		Room: info, You: You{PlayerID: ref.id, SeatToken: ref.token}, Players: players,
		Schema: schemaOf(hr.room.Mode()),
	}
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

// joinablePhase: waiting, or playing where the mode allows joining in
// progress.
func joinablePhase(hr *hostedRoom) bool {
	switch hr.room.Phase() {
	case rooms.PhaseWaiting:
		return true
	case rooms.PhasePlaying:
		return hr.room.Settings().JoinInProgress
	}
	return false
}
