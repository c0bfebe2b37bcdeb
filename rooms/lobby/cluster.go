package lobby

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/tickroom/tickroom/game"
)

// Cluster is how a host reaches the other nodes of a deployment
// (rooms/cluster implements it over NATS; docs/design.md). A host without
// one (Config.Cluster nil) runs alone and never needs it. Ticks, inputs and
// snapshots never go through it: only seat requests a node cannot answer
// alone.
//
// Each method sends a RemoteRequest to one node, which answers with
// Host.Remote; a request that reaches no node (the node died) is
// ErrNodeGone, one that cannot be sent or gets no answer in time
// ErrUnavailable; a *RequestError is the node's own answer.
type Cluster interface {
	// Send hands req to node and returns its answer.
	Send(ctx context.Context, node string, req *RemoteRequest) (*Joined, error)
	// QuickjoinNode is the node that places quickjoins of mode and meta (a
	// rendezvous hash over the live nodes that take new rooms), or "" for
	// this one.
	QuickjoinNode(mode string, meta map[string]any) string
	// CreateNode is a live node other than this one that takes new rooms,
	// for a room this one cannot make (draining, at its room cap), or "".
	CreateNode() string
}

// Errors a Cluster answers with.
var (
	// ErrNodeGone: the node a request was for is not there (it died): joins
	// into its rooms are ROOM_NOT_FOUND, rejoins into them SEAT_EXPIRED.
	ErrNodeGone = errors.New("lobby: the room's node is gone")
	// ErrUnavailable: the bus is down, or the node did not answer in time
	// (UNAVAILABLE).
	ErrUnavailable = errors.New("lobby: the cluster cannot be reached")
)

// RemoteOp is what a RemoteRequest asks of the node it goes to.
type RemoteOp string

// The remote operations.
const (
	RemoteJoin      RemoteOp = "join"      // reserve a seat in one of its rooms (RoomID or Code)
	RemoteRejoin    RemoteOp = "rejoin"    // renew the token of a seat it holds (Token), for a rejoin there
	RemoteQuickjoin RemoteOp = "quickjoin" // place a quickjoin (Mode, Meta, Create)
	RemoteCreate    RemoteOp = "create"    // make a room and seat its creator (Mode, Create, Private, Password, Meta)
)

// RemoteRequest is a seat request another node serves: everything the owner
// needs to seat a player whose connection is elsewhere. The seat it makes
// waits like a seat in grace until the player's connection arrives with
// room:rejoin and the token in the answer (Joined.URL says where).
type RemoteRequest struct {
	// ID makes the request idempotent: the same ID gets the same answer,
	// so a retried create never makes a twin room.
	ID         string         `msgpack:"id"`
	Op         RemoteOp       `msgpack:"op"`
	RoomID     string         `msgpack:"roomId,omitempty"`
	Code       string         `msgpack:"code,omitempty"`
	Password   string         `msgpack:"password,omitempty"`
	Token      string         `msgpack:"token,omitempty"`
	Mode       string         `msgpack:"mode,omitempty"`
	Meta       map[string]any `msgpack:"meta,omitempty"`
	Private    bool           `msgpack:"private,omitempty"`
	RoomName   any            `msgpack:"roomName,omitempty"`
	MaxPlayers int64          `msgpack:"maxPlayers,omitempty"`
	Options    map[string]any `msgpack:"options,omitempty"`
	Name       string         `msgpack:"name"`              // the player's name, cleaned by the serving node
	Subject    string         `msgpack:"subject,omitempty"` // the player's verified account
	PlayerMeta map[string]any `msgpack:"playerMeta,omitempty"`
	// Seated: the player holds a seat on its own node (a rejoin answers
	// ALREADY_IN_ROOM, after the owner's UNAUTHORIZED check).
	Seated bool `msgpack:"seated,omitempty"`
}

// nodeOfToken is the node a seat token belongs to: tokens of a clustered
// host start with its node id and a dot ("" for this node or a host
// alone).
func (h *Host) nodeOfToken(tok string) string {
	node, _, ok := strings.Cut(tok, ".")
	if !ok || node == h.cfg.NodeID {
		return ""
	}
	return node
}

// local reports whether a store entry is a room of this host.
func (h *Host) local(e Entry) bool { return e.Node == "" || e.Node == h.cfg.NodeID }

// remote sends req to node and maps the cluster's answer to the client's:
// gone is the code for a node that is not there.
func (h *Host) remote(node string, req *RemoteRequest, gone *RequestError) (*Joined, error) {
	ctx, cancel := context.WithTimeout(h.ctx, h.cfg.RemoteTimeout)
	defer cancel()
	j, err := h.cfg.Cluster.Send(ctx, node, req)
	switch {
	case errors.Is(err, ErrNodeGone):
		return nil, gone
	case errors.Is(err, ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return nil, reqErr(CodeUnavailable, "the room's server did not answer")
	}
	return j, err
}

// Remote serves a request another node sent for a player whose connection
// is there: it seats (or renews) the player here, its seat waiting in
// grace for the connection, and answers with the Joined that player's
// client gets, url set to this node's public URL. A retried request (same
// ID) gets the first answer again.
func (h *Host) Remote(ctx context.Context, req *RemoteRequest) (*Joined, error) {
	a, first := h.done.start(req.ID)
	if !first { // a retry: the first try's answer, when it has one
		select {
		case <-a.ready:
			return a.j, a.err
		case <-ctx.Done():
			return nil, ErrUnavailable
		}
	}
	j, err := h.serveRemoteSafely(req)
	if j != nil {
		j.URL = h.cfg.PublicURL
	}
	h.done.finish(a, j, err)
	return j, err
}

// serveRemoteSafely is serveRemote with a panic (in mode code it called:
// Configure, CanJoin) answered INTERNAL: it must not end the process, nor
// leave the request's retries waiting.
func (h *Host) serveRemoteSafely(req *RemoteRequest) (j *Joined, err error) {
	defer func() {
		if v := recover(); v != nil {
			h.recovered("remote request", v)
			j, err = nil, reqErr(CodeInternal, "internal error")
		}
	}()
	return h.serveRemote(req)
}

func (h *Host) serveRemote(req *RemoteRequest) (*Joined, error) {
	who := joiner{name: req.Name, subject: req.Subject, meta: req.PlayerMeta}
	switch req.Op {
	case RemoteJoin:
		hr := h.find(joinReq{roomID: req.RoomID, code: req.Code, byID: req.RoomID != ""})
		if err := h.admit(hr, req.Password, nil); err != nil {
			return nil, err
		}
		return h.seatFor(who, hr)
	case RemoteRejoin:
		ref := h.tokenRef(req.Token)
		switch {
		case ref == nil:
			return nil, errSeatGone
		case ref.subject != req.Subject:
			return nil, reqErr(CodeUnauthorized, "the seat belongs to another account")
		case req.Seated:
			return nil, reqErr(CodeAlreadyInRoom, "leave your room first")
		}
		return h.renew(ref, req.Token)
	case RemoteQuickjoin:
		mode, settings, err := h.remoteRoom(req)
		if err != nil {
			return nil, err
		}
		return h.placeQuickjoin(who, mode, settings, req.Meta, req.RoomName, nil)
	case RemoteCreate:
		mode, settings, err := h.remoteRoom(req)
		if err != nil {
			return nil, err
		}
		spec := roomSpec{
			name:    cleanName(req.RoomName, 48, func() string { return req.Mode + " room" }),
			private: req.Private, pwHash: hashPassword(req.Password), meta: req.Meta,
		}
		hr, err := h.launch(mode, settings, spec)
		if err != nil {
			return nil, h.launchError(nil, err)
		}
		return h.seatFor(who, hr)
	}
	return nil, reqErr(CodeBadRequest, "unknown remote op "+string(req.Op))
}

// remoteRoom is the mode and settings of a room a remote request may make.
func (h *Host) remoteRoom(req *RemoteRequest) (game.Mode, game.Settings, error) {
	mode, known := h.cfg.Modes.Lookup(req.Mode)
	if !known {
		return nil, game.Settings{}, reqErr(CodeUnknownMode, "no mode "+req.Mode)
	}
	create := newRoomReq{name: req.RoomName, maxPlayers: req.MaxPlayers, options: req.Options}
	settings, err := create.configure(mode)
	return mode, settings, err
}

// doneRequests remembers the remote requests served lately, by id, so that
// a retry is answered with the first try's answer, even while that try
// still runs (a retry never seats a player twice).
type doneRequests struct {
	mu   sync.Mutex
	byID map[string]*doneAnswer // guarded by mu
}

// doneAnswer is one request's answer; ready is closed once j and err are
// set.
type doneAnswer struct {
	ready chan struct{}
	j     *Joined
	err   error
	at    time.Time // when it was answered (zero while running)
}

// doneKeep is how long a remote answer is kept for a retry.
const doneKeep = 2 * time.Minute

// start returns the answer of request id, and whether this is its first
// try (the caller serves it and calls finish). An empty id is always a
// first try of its own.
func (d *doneRequests) start(id string) (*doneAnswer, bool) {
	a := &doneAnswer{ready: make(chan struct{})}
	if id == "" {
		return a, true
	}
	now := time.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.byID == nil {
		d.byID = map[string]*doneAnswer{}
	}
	if old, ok := d.byID[id]; ok {
		return old, false
	}
	for k, o := range d.byID { // few: one per remote request in the last two minutes
		if !o.at.IsZero() && now.Sub(o.at) > doneKeep {
			delete(d.byID, k)
		}
	}
	d.byID[id] = a
	return a, true
}

// finish records a first try's answer.
func (d *doneRequests) finish(a *doneAnswer, j *Joined, err error) {
	d.mu.Lock()
	a.j, a.err, a.at = j, err, time.Now()
	d.mu.Unlock()
	close(a.ready)
}
