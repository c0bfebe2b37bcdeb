package cluster

import (
	"reflect"
	"testing"

	"github.com/tickroom/tickroom/rooms/lobby"
	"github.com/vmihailenco/msgpack/v5"
)

// TestRoomValue: a room read from the bucket is the RoomInfo its node
// published: meta in the lobby's types, Created to the nanosecond.
func TestRoomValue(t *testing.T) {
	info := newInfo("arena", 3)
	info.Meta["big"] = int64(1 << 40)
	info.Meta["neg"] = int64(-7)
	info.Code = "ABCDEF"
	b, err := encodeRoom("n1", info)
	if err != nil {
		t.Fatal(err)
	}
	v, err := decodeRoom(b)
	if err != nil {
		t.Fatal(err)
	}
	if v.Node != "n1" || !v.Info.Created.Equal(info.Created) {
		t.Fatalf("node or created: %+v", v)
	}
	v.Info.Created = info.Created
	if !reflect.DeepEqual(v.Info, info) {
		t.Fatalf("round trip:\n got %#v\nwant %#v", v.Info, info)
	}
	if _, err := decodeRoom([]byte{0xc1}); err == nil {
		t.Fatal("garbage decoded")
	}
	empty := newInfo("arena", 0)
	empty.Meta = map[string]any{}
	b, _ = encodeRoom("n1", empty)
	if v, err := decodeRoom(b); err != nil || v.Info.Meta == nil {
		t.Fatalf("empty meta: %v %#v", err, v)
	}
}

// TestRequestMeta: a quickjoin's meta arrives in the lobby's types, so it
// matches rooms' meta by value and type.
func TestRequestMeta(t *testing.T) {
	req := &lobby.RemoteRequest{ID: "r1", Op: lobby.RemoteQuickjoin, Mode: "arena",
		Meta: map[string]any{"a": int64(1), "b": int64(300), "c": 2.5, "d": "x", "e": false}}
	b, _ := msgpack.Marshal(req)
	got, err := decodeRequest(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, req) {
		t.Fatalf("got %#v", got)
	}
	bad, _ := msgpack.Marshal(&lobby.RemoteRequest{Meta: map[string]any{"x": []any{1}}})
	if _, err := decodeRequest(bad); err == nil {
		t.Fatal("a list in meta decoded")
	}
}
