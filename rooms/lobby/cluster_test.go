package lobby

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/arena"
	"github.com/tickroom/tickroom/netio/client"
)

// sharedRegistry is an in-memory stand-in for a cluster's registry: every
// node's rooms, each tagged with its node. nodeStore is one node's view.
type sharedRegistry struct {
	mu    sync.Mutex
	rooms map[string]*sharedRoom
	codes map[string]string
	subs  []func(string)
}

type sharedRoom struct {
	info *RoomInfo
	node string
}

type nodeStore struct {
	r    *sharedRegistry
	node string
}

func (s nodeStore) Add(info *RoomInfo) (Listing, error) {
	s.r.mu.Lock()
	info.Code = NewCode()
	s.r.rooms[info.ID] = &sharedRoom{info, s.node}
	s.r.codes[info.Code] = info.ID
	s.r.mu.Unlock()
	return nodeListing{s, info.ID}, nil
}
func (s nodeStore) Get(id string) (Entry, bool) {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	if r := s.r.rooms[id]; r != nil {
		return Entry{Info: r.info, Node: r.node}, true
	}
	return Entry{}, false
}
func (s nodeStore) ByCode(code string) (Entry, bool) {
	s.r.mu.Lock()
	id := s.r.codes[code]
	s.r.mu.Unlock()
	return s.Get(id)
}
func (s nodeStore) List(dst []Entry) []Entry {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	for _, r := range s.r.rooms {
		dst = append(dst, Entry{Info: r.info, Node: r.node})
	}
	return dst
}
func (s nodeStore) Subscribe(fn func(string)) {}

type nodeListing struct {
	s  nodeStore
	id string
}

func (l nodeListing) Update(info *RoomInfo) {
	l.s.r.mu.Lock()
	defer l.s.r.mu.Unlock()
	if r := l.s.r.rooms[l.id]; r != nil {
		r.info = info
	}
}
func (l nodeListing) Remove() {
	l.s.r.mu.Lock()
	defer l.s.r.mu.Unlock()
	if r := l.s.r.rooms[l.id]; r != nil {
		delete(l.s.r.codes, r.info.Code)
		delete(l.s.r.rooms, l.id)
	}
}

// fakeCluster sends remote requests by calling the other hosts directly.
type fakeCluster struct {
	mu       sync.Mutex
	hosts    map[string]*Host
	quick    string // the node placing quickjoins
	create   string // the node taking rooms from a draining one
	down     bool
	requests int
}

func (f *fakeCluster) Send(ctx context.Context, node string, req *RemoteRequest) (*Joined, error) {
	f.mu.Lock()
	h, down := f.hosts[node], f.down
	f.requests++
	f.mu.Unlock()
	switch {
	case down:
		return nil, ErrUnavailable
	case h == nil:
		return nil, ErrNodeGone
	}
	return h.Remote(ctx, req)
}
func (f *fakeCluster) QuickjoinNode(string, map[string]any) string { return f.quick }
func (f *fakeCluster) CreateNode() string                          { return f.create }

// TestClusterRouting: with two nodes sharing a registry, a node answers
// joins, rejoins, quickjoins and creates for rooms on the other with the
// owner's seat and url; the client then rejoins there with the token. A
// node that is gone or unreachable answers as the contract says, and a
// retried remote request gets the same answer.
func TestClusterRouting(t *testing.T) {
	reg := &sharedRegistry{rooms: map[string]*sharedRoom{}, codes: map[string]string{}}
	fc := &fakeCluster{hosts: map[string]*Host{}}
	urls := map[string]string{}
	hosts := map[string]*Host{}
	for _, node := range []string{"na", "nb"} {
		cfg := DefaultConfig()
		if err := cfg.Modes.Register(arena.Mode{}); err != nil {
			t.Fatal(err)
		}
		cfg.NodeID, cfg.Store, cfg.Cluster = node, nodeStore{reg, node}, fc
		h, url := serveHost(t, &cfg)
		h.cfg.PublicURL = url
		hosts[node], urls[node] = h, url
		fc.hosts[node] = h
	}
	a, b := dial(t, urls["na"]), dial(t, urls["nb"])
	owner := askReply(t, a, "room:create", map[string]any{"mode": "arena", "maxPlayers": 3})
	if !owner.OK {
		t.Fatalf("create on na: %+v", owner)
	}

	// A join answered by nb for na's room: a seat waiting on na, with its url.
	j := askJoined(t, b, "room:join", map[string]any{"code": owner.Room.Code})
	if j.URL != urls["na"] || j.Room.ID != owner.Room.ID || j.Room.Players != 2 || len(j.Players) != 2 || j.Players[1].Connected {
		t.Fatalf("cross-node join: %+v", j)
	}
	if r := askReply(t, b, "lobby:list", map[string]any{}); !r.OK { // the serving connection is in no room
		t.Fatalf("list: %+v", r)
	}
	// The seat's connection arrives at na.
	b2 := dial(t, urls["na"])
	back := askJoined(t, b2, "room:rejoin", map[string]any{"seatToken": j.You.SeatToken})
	if back.URL != "" || back.You.PlayerID != j.You.PlayerID || !back.Players[1].Connected {
		t.Fatalf("rejoin at the owner: %+v", back)
	}
	// A rejoin through nb: a fresh token with na's url; the old one stops working.
	c := dial(t, urls["nb"])
	renewed := askJoined(t, c, "room:rejoin", map[string]any{"seatToken": back.You.SeatToken})
	if renewed.URL != urls["na"] || renewed.You.SeatToken == back.You.SeatToken || renewed.You.PlayerID != j.You.PlayerID {
		t.Fatalf("rejoin through nb: %+v", renewed)
	}
	if r := askReply(t, dial(t, urls["na"]), "room:rejoin", map[string]any{"seatToken": back.You.SeatToken}); r.Error.Code != CodeSeatExpired {
		t.Fatalf("the old token after a renewal: %+v", r)
	}

	// Quickjoins of a mode placed by na, even when asked of nb.
	fc.quick = "na"
	q := askJoined(t, dial(t, urls["nb"]), "room:quickjoin", map[string]any{"mode": "arena", "meta": map[string]any{"q": 1}})
	if q.URL != urls["na"] || hosts["na"].room(q.Room.ID) == nil {
		t.Fatalf("quickjoin placed on na: %+v", q)
	}
	// A draining nb makes new rooms on na.
	hosts["nb"].Drain()
	fc.create = "na"
	cr := askJoined(t, dial(t, urls["nb"]), "room:create", map[string]any{"mode": "arena", "name": "elsewhere"})
	if cr.URL != urls["na"] || cr.Room.Name != "elsewhere" || hosts["na"].room(cr.Room.ID) == nil || !cr.Players[0].Host {
		t.Fatalf("create from a draining node: %+v", cr)
	}
	fc.create = ""
	if r := askReply(t, dial(t, urls["nb"]), "room:create", map[string]any{"mode": "arena"}); r.Error.Code != CodeUnavailable {
		t.Fatalf("create with no node to take it: %+v", r)
	}

	// A retried remote request gets the first answer: no second seat.
	rr := &RemoteRequest{ID: "retry-1", Op: RemoteJoin, RoomID: q.Room.ID, Name: "twice"}
	first, err1 := hosts["na"].Remote(t.Context(), rr)
	second, err2 := hosts["na"].Remote(t.Context(), rr)
	if err1 != nil || err2 != nil || first != second || first.Room.Players != 2 {
		t.Fatalf("a retried request: %+v %v / %+v %v", first, err1, second, err2)
	}

	// The bus down: UNAVAILABLE; the node gone: ROOM_NOT_FOUND, SEAT_EXPIRED.
	fc.mu.Lock()
	fc.down = true
	fc.mu.Unlock()
	if r := askReply(t, dial(t, urls["nb"]), "room:join", map[string]any{"roomId": owner.Room.ID}); r.Error.Code != CodeUnavailable {
		t.Fatalf("bus down: %+v", r)
	}
	fc.mu.Lock()
	fc.down = false
	delete(fc.hosts, "na")
	fc.mu.Unlock()
	if r := askReply(t, dial(t, urls["nb"]), "room:join", map[string]any{"roomId": owner.Room.ID}); r.Error.Code != CodeRoomNotFound {
		t.Fatalf("node gone, join: %+v", r)
	}
	if r := askReply(t, dial(t, urls["nb"]), "room:rejoin", map[string]any{"seatToken": renewed.You.SeatToken}); r.Error.Code != CodeSeatExpired {
		t.Fatalf("node gone, rejoin: %+v", r)
	}
}

// askJoined sends a request that must answer Joined.
func askJoined(t *testing.T, s *client.Socket, event string, payload any) *Joined {
	t.Helper()
	args, err := s.EmitWithAckContext(t.Context(), event, payload)
	if err != nil {
		t.Fatalf("%s: %v", event, err)
	}
	var j struct {
		OK    bool `msgpack:"ok"`
		Error any  `msgpack:"error"`
		Joined
	}
	if err := args.Decode(0, &j); err != nil || !j.OK {
		t.Fatalf("%s: %v %+v", event, err, j)
	}
	return &j.Joined
}

// TestRemoteRetryWhileRunning: a retry that arrives while the first try of
// the same request still runs waits for its answer: one seat, not two.
func TestRemoteRetryWhileRunning(t *testing.T) {
	cfg := DefaultConfig()
	gate := make(chan struct{})
	if err := cfg.Modes.Register(gateMode{gate}); err != nil {
		t.Fatal(err)
	}
	h, url := serveHost(t, &cfg)
	owner := askReply(t, dial(t, url), "room:create", map[string]any{"mode": "gated"})
	if !owner.OK {
		t.Fatalf("create: %+v", owner)
	}
	req := &RemoteRequest{ID: "slow-1", Op: RemoteJoin, RoomID: owner.Room.ID, Name: "late"}
	answers := make(chan *Joined, 2)
	for range 2 {
		go func() {
			j, err := h.Remote(t.Context(), req)
			if err != nil {
				t.Errorf("remote join: %v", err)
			}
			answers <- j
		}()
	}
	time.Sleep(100 * time.Millisecond) // both tries in, the first stuck in the mode's Join
	close(gate)
	a, b := <-answers, <-answers
	if a == nil || a != b || a.Room.Players != 2 {
		t.Fatalf("two tries: %+v / %+v, want one answer with 2 players", a, b)
	}
}

// gateMode's Join waits for its gate to close, after the first player.
type gateMode struct{ gate chan struct{} }

func (gateMode) Name() string         { return "gated" }
func (gateMode) Schema() *game.Schema { return idleSchema }
func (gateMode) Configure(game.Options) (game.Settings, error) {
	return game.Settings{MinPlayers: 1, MaxPlayers: 4, MaxPlayersLimit: 4, TickRate: 20, SnapshotRate: 20}, nil
}
func (m gateMode) New(*game.Context) game.Game { return &gateGame{gate: m.gate} }

type gateGame struct {
	game.BaseGame
	gate  chan struct{}
	count int
}

func (g *gateGame) Join(game.Player) {
	g.count++
	if g.count > 1 {
		<-g.gate
	}
}
