package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/tickroom/tickroom/rooms/lobby"
)

// Host is what a Node needs of the lobby's host (*lobby.Host): it answers
// the requests other nodes send for seats here, and tells whether it is
// draining.
type Host interface {
	Remote(ctx context.Context, req *lobby.RemoteRequest) (*lobby.Joined, error)
	Draining() bool
}

// Node is one gameserver node of a cluster: the lobby's Store (every
// node's rooms, from a local cache fed by KV watches) and its Cluster
// (requests to other nodes over NATS). Make it with New, give it to the
// host as lobby.Config's Store and Cluster with its ID and PublicURL, then
// tell it the host with Serve. Nothing on a room's tick path touches the
// bus: a room's change marks it for a publisher goroutine, and lookups
// read the cache.
type Node struct {
	cfg Config          // static, defaults filled in
	id  string          // static
	log *slog.Logger    // static
	nc  *nats.Conn      // static
	ctx context.Context // static: ends at Close
	end context.CancelFunc
	wg  sync.WaitGroup // the node's goroutines

	cache *cache
	pub   publisher
	pool  codePool

	sess     atomic.Pointer[session] // the bus session; nil until the first setup
	gens     atomic.Uint64           // sessions made so far
	beatOK   atomic.Int64            // Unix ns of the last heartbeat the bus took
	draining atomic.Bool             // SetDraining(true) was called
	closed   atomic.Bool
	host     atomic.Pointer[hostRef]
	serving  chan struct{} // capacity maxServing: the requests being served
	resetup  chan struct{} // capacity 1: (re)connected, make a new session
	beatNow  chan struct{} // capacity 1: put the node key now
	firstUp  chan struct{} // closed when the first session is up
	upOnce   sync.Once

	mu       sync.Mutex
	sub      *nats.Subscription // guarded by mu: the requests for this node
	purging  map[string]bool    // guarded by mu: dead nodes the janitor is deleting
	lastTidy time.Time          // guarded by mu: the last purge of delete markers
}

type hostRef struct{ h Host }

// New connects a node to the bus and starts it. A bus that cannot be
// reached is no error: the node keeps trying, runs alone meanwhile (its
// own rooms, Ready false), and joins the others when the bus comes. New
// waits a little for the first session, so that a node starting beside a
// running bus lists the other nodes' rooms from its first request.
func New(cfg *Config) (*Node, error) {
	if cfg == nil {
		return nil, fmt.Errorf("%w: nil Config (URL and PublicURL are required)", ErrBadConfig)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := cfg.withDefaults()
	if c.NodeID == "" {
		c.NodeID = NewNodeID()
	}
	ctx, end := context.WithCancel(context.Background())
	n := &Node{
		cfg: c, id: c.NodeID, log: c.Logger.With("node", c.NodeID), ctx: ctx, end: end,
		cache:   newCache(c.NodeID, c.NodeTTL),
		pub:     publisher{wake: make(chan struct{}, 1), dirty: map[*listing]struct{}{}},
		pool:    newCodePool(),
		serving: make(chan struct{}, maxServing), resetup: make(chan struct{}, 1), beatNow: make(chan struct{}, 1), firstUp: make(chan struct{}),
		purging: map[string]bool{},
	}
	nc, err := nats.Connect(c.URL,
		nats.Name("tickroom "+c.NodeID),
		nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(500*time.Millisecond),
		nats.ReconnectJitter(250*time.Millisecond, time.Second),
		nats.Timeout(c.OpTimeout),
		// A server that stops answering (paused, cut off) is found within
		// a few seconds, not the client's default two minutes.
		nats.PingInterval(c.Heartbeat),
		nats.MaxPingsOutstanding(2),
		// Nothing is buffered while the bus is down: requests and puts fail
		// at once, and the next session puts everything back.
		nats.ReconnectBufSize(-1),
		nats.ConnectHandler(func(*nats.Conn) { n.signal(n.resetup) }),
		nats.ReconnectHandler(func(*nats.Conn) {
			n.log.Info("cluster: bus back")
			n.signal(n.resetup)
		}),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if !n.closed.Load() {
				n.log.Warn("cluster: bus lost", "err", err)
			}
		}),
	)
	if err != nil {
		end()
		return nil, fmt.Errorf("cluster: %w", err)
	}
	n.nc = nc
	n.signal(n.resetup)
	n.wg.Add(4)
	go n.sessionLoop()
	go n.publishLoop()
	go n.poolLoop()
	go n.sweepLoop()
	select {
	case <-n.firstUp:
	case <-time.After(2 * c.OpTimeout):
		n.log.Warn("cluster: no bus yet; running alone until it comes", "url", c.URL)
	}
	return n, nil
}

func (n *Node) signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// ID is the node's id: lobby.Config's NodeID.
func (n *Node) ID() string { return n.id }

// PublicURL is the node's origin: lobby.Config's PublicURL.
func (n *Node) PublicURL() string { return n.cfg.PublicURL }

// Serve tells the node its host, which answers the requests other nodes
// send here; until then this node takes none (they answer as if it were
// gone). The host needs the node first, as its Store and Cluster: hence a
// second step.
func (n *Node) Serve(h Host) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed.Load() {
		return ErrClosed
	}
	if n.sub != nil {
		return errors.New("cluster: Serve called twice")
	}
	n.host.Store(&hostRef{h})
	sub, err := n.nc.Subscribe(n.subject(n.id), n.onRequest)
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	n.sub = sub
	// Once Serve returns, the bus knows the subscription: a request sent
	// then by another node finds it (a failed flush means the bus is down,
	// and the subscription goes out when it is back).
	_ = n.nc.FlushTimeout(n.cfg.OpTimeout)
	return nil
}

// SetDraining tells the other nodes at once that this one makes no new
// rooms (its host is draining), so they place rooms elsewhere. A node also
// learns it from its host's Draining at each heartbeat.
func (n *Node) SetDraining(on bool) {
	n.draining.Store(on)
	n.signal(n.beatNow)
}

// Draining reports whether this node makes no new rooms.
func (n *Node) Draining() bool {
	if n.draining.Load() {
		return true
	}
	if r := n.host.Load(); r != nil {
		return r.h.Draining()
	}
	return false
}

// Ready reports whether the node is part of the cluster: connected to the
// bus, its session up, and its last heartbeat taken within two and a half
// heartbeats. A node that is not ready still runs its rooms.
func (n *Node) Ready() bool {
	if n.closed.Load() || !n.nc.IsConnected() || n.sess.Load() == nil {
		return false
	}
	last := n.beatOK.Load()
	return last != 0 && time.Since(time.Unix(0, last)) < n.cfg.Heartbeat*5/2
}

// Get returns the room with that id, on any live node.
func (n *Node) Get(id string) (lobby.Entry, bool) { return n.cache.get(id) }

// ByCode returns the room with that join code, on any live node.
func (n *Node) ByCode(code string) (lobby.Entry, bool) { return n.cache.byJoinCode(code) }

// List appends every room of every live node to dst.
func (n *Node) List(dst []lobby.Entry) []lobby.Entry { return n.cache.list(dst) }

// Subscribe calls changed with a room's id after each change of it, on
// this node or another, and when its node dies or comes back.
func (n *Node) Subscribe(changed func(id string)) { n.cache.subscribe(changed) }

// Close takes the node out of the cluster: it stops taking requests,
// withdraws its rooms (the host has closed them; any left go too) and its
// key from the buckets, bounded by ctx, and disconnects. Call it after the
// host's Shutdown.
func (n *Node) Close(ctx context.Context) error {
	if n.closed.Swap(true) {
		return nil
	}
	n.mu.Lock()
	if n.sub != nil {
		_ = n.sub.Unsubscribe()
	}
	n.mu.Unlock()
	for _, l := range n.cache.own() {
		l.Remove()
	}
	var err error
	if s := n.sess.Load(); s != nil && n.nc.IsConnected() {
		err = n.flush(ctx)
		n.releaseCodes(ctx, s)
		if derr := s.nodes.Delete(ctx, n.id); err == nil {
			err = derr
		}
	}
	n.end()
	n.wg.Wait()
	if s := n.sess.Load(); s != nil {
		s.stop()
	}
	n.nc.Close()
	if err != nil {
		return fmt.Errorf("cluster: close: %w", err)
	}
	return nil
}

// flush waits until the publisher has put every marked room, or ctx ends.
func (n *Node) flush(ctx context.Context) error {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for n.pub.pending.Load() > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// subject is the subject a node takes requests on.
func (n *Node) subject(node string) string { return n.cfg.Prefix + ".node." + node }
