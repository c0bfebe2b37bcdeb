package cluster

import (
	"errors"
	"fmt"
	"time"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/rooms/lobby"
	"github.com/vmihailenco/msgpack/v5"
)

// nodeValue is a node's key in the nodes bucket, re-put at every heartbeat.
type nodeValue struct {
	URL      string `msgpack:"url"`
	Draining bool   `msgpack:"draining"`
	At       int64  `msgpack:"at"` // Unix ms of the put, for people reading the bucket
	Rooms    int    `msgpack:"rooms"`
}

// roomValue is a room's key in the rooms bucket, put on every change of its
// RoomInfo (never on a tick).
type roomValue struct {
	Node string          `msgpack:"node"`
	Info *lobby.RoomInfo `msgpack:"info"`
	// Created is RoomInfo.Created in Unix ns: the lobby's order of rooms
	// made in the same millisecond, which RoomInfo does not carry.
	Created int64 `msgpack:"created"`
}

// reply is a node's answer to a lobby.RemoteRequest: exactly one of its
// fields is set.
type reply struct {
	Joined *lobby.Joined       `msgpack:"joined,omitempty"`
	Err    *lobby.RequestError `msgpack:"error,omitempty"`
}

func encodeRoom(node string, info *lobby.RoomInfo) ([]byte, error) {
	return msgpack.Marshal(&roomValue{Node: node, Info: info, Created: info.Created.UnixNano()})
}

// decodeRoom reads a rooms bucket value into the RoomInfo lobby:list shows:
// the same as on the room's own node (meta as the lobby normalizes it,
// Created restored).
func decodeRoom(b []byte) (*roomValue, error) {
	var v roomValue
	if err := msgpack.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	if v.Info == nil || v.Info.ID == "" || v.Node == "" {
		return nil, errors.New("cluster: room value without room or node")
	}
	v.Info.Created = time.Unix(0, v.Created)
	meta, err := normalizeMeta(v.Info.Meta)
	if err != nil {
		return nil, err
	}
	v.Info.Meta = meta
	return &v, nil
}

func decodeRequest(b []byte) (*lobby.RemoteRequest, error) {
	var req lobby.RemoteRequest
	if err := msgpack.Unmarshal(b, &req); err != nil {
		return nil, err
	}
	// A quickjoin's meta is matched against rooms' meta by value and type:
	// the node that parsed it normalized it, msgpack's decoding did not.
	if req.Meta != nil {
		meta, err := normalizeMeta(req.Meta)
		if err != nil {
			return nil, err
		}
		req.Meta = meta
	}
	return &req, nil
}

// normalizeMeta puts decoded meta values back in the lobby's form: strings,
// booleans, int64 for whole numbers, float64 for the rest. It never returns
// nil: a room's meta is never nil.
func normalizeMeta(in map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(in))
	for k, v := range in {
		switch x := v.(type) {
		case string, bool:
			out[k] = x
		case float32:
			out[k] = numberOf(float64(x))
		case float64:
			out[k] = numberOf(x)
		default:
			n, ok := game.WholeNumber(v)
			if !ok {
				return nil, fmt.Errorf("cluster: meta %q: a %T", k, v)
			}
			out[k] = n
		}
	}
	return out, nil
}

// numberOf is a float as the lobby keeps it: int64 when whole.
func numberOf(x float64) any {
	if n, ok := game.WholeNumber(x); ok {
		return n
	}
	return x
}
