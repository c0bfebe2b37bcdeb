package lobby

import (
	"time"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/rooms"
)

// RoomInfo is the contract's RoomInfo: a room as lobby:list, lobby:watch,
// room:info and Joined show it. A published RoomInfo never changes; a
// change to the room publishes a new one (hostedRoom.publish).
type RoomInfo struct {
	ID          string         `msgpack:"id"`
	Code        string         `msgpack:"code"`
	Mode        string         `msgpack:"mode"`
	Name        string         `msgpack:"name"`
	Players     int            `msgpack:"players"` // seats taken, seats in grace included
	MaxPlayers  int            `msgpack:"maxPlayers"`
	Private     bool           `msgpack:"private"`
	HasPassword bool           `msgpack:"hasPassword"`
	Phase       string         `msgpack:"phase"`
	Meta        map[string]any `msgpack:"meta"`
	CreatedAt   int64          `msgpack:"createdAt"` // Unix ms

	// Created orders rooms made within the same millisecond (oldest first).
	Created time.Time `msgpack:"-"`
}

// PlayerInfo is the contract's PlayerInfo.
type PlayerInfo struct {
	ID        game.PlayerID `msgpack:"id"`
	Name      string        `msgpack:"name"`
	Ready     bool          `msgpack:"ready"`
	Host      bool          `msgpack:"host"`
	Connected bool          `msgpack:"connected"`
	Bot       bool          `msgpack:"bot"`
}

// You is Joined.you: who the joiner is and its seat token.
type You struct {
	PlayerID  game.PlayerID `msgpack:"playerId"`
	SeatToken string        `msgpack:"seatToken"`
}

// Joined is the ok result of every request that seats a player.
type Joined struct {
	Room    *RoomInfo    `msgpack:"room"`
	You     You          `msgpack:"you"`
	Players []PlayerInfo `msgpack:"players"`
	// Schema is an addition to the contract's Joined: the mode's schema,
	// without which a client cannot read the snapshot's entity section
	// (docs/snapshot-format.md).
	Schema *game.SchemaDescription `msgpack:"schema"`
	// URL, in a cluster, is the origin of the node that holds the seat,
	// when it is not the node that answered: the client connects there and
	// sends room:rejoin with You.SeatToken. Empty: the seat is here.
	URL string `msgpack:"url,omitempty"`

	// held is the seated connection's peer, held until the ack is out:
	// answer writes the ack and releases it in one step (never encoded).
	held *rooms.SocketPeer
}

// Names of the events the lobby sends.
const (
	eventPlayer      = "room:player"
	eventInfo        = "room:info"
	eventChat        = "room:chat"
	eventLobbyUpdate = "lobby:update"
)

// PlayerOp is room:player's op.
type PlayerOp string

// The ops of room:player.
const (
	OpJoin   PlayerOp = "join"
	OpLeave  PlayerOp = "leave"
	OpUpdate PlayerOp = "update"
)

// PlayerEvent is room:player's argument.
type PlayerEvent struct {
	Op     PlayerOp   `msgpack:"op"`
	Player PlayerInfo `msgpack:"player"`
}

// ChatEvent is room:chat's argument.
type ChatEvent struct {
	From game.PlayerID `msgpack:"from"`
	Name string        `msgpack:"name"`
	Text string        `msgpack:"text"`
	At   int64         `msgpack:"at"` // Unix ms
}

// LobbyUpdate is lobby:update's argument: rooms that entered or changed in
// the watcher's filtered set, and ids of rooms that left it.
type LobbyUpdate struct {
	Rooms   []*RoomInfo `msgpack:"rooms"`
	Removed []string    `msgpack:"removed"`
}

// roomList is the ok result of lobby:list and lobby:watch.
type roomList struct {
	Rooms []*RoomInfo `msgpack:"rooms"`
}

// timeSyncResult is time:sync's ok result.
type timeSyncResult struct {
	T0         any   `msgpack:"t0"`
	ServerTime int64 `msgpack:"serverTime"`
}
