package cluster

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"
)

// Config configures a Node. In a Config, a zero field means that field's
// default, as each field says; URL and PublicURL have none.
type Config struct {
	// URL is the NATS server (or servers, comma-separated) of the bus, e.g.
	// "nats://127.0.0.1:4222". Required.
	URL string
	// NodeID names this node on the bus and prefixes its seat tokens: 1 to
	// 32 characters of [a-z0-9]. Empty means a random one (NewNodeID): a
	// node that restarts is a new node, since its rooms did not survive.
	NodeID string
	// PublicURL is the origin players reach this node at
	// (scheme://host[:port]; a trailing "/" is dropped), the url of every
	// Joined another node answers for a seat here. Required.
	PublicURL string
	// Prefix names the deployment on the bus: its KV buckets are
	// Prefix_nodes, Prefix_rooms, Prefix_codes, its request subjects
	// Prefix.node.<id>. Several deployments can share one NATS system
	// under different prefixes. Empty means "tickroom".
	Prefix string
	// Heartbeat is how often the node re-puts its key in the nodes bucket.
	// Zero means 2 s.
	Heartbeat time.Duration
	// NodeTTL is how long a node's key lives without a heartbeat: past it
	// the node counts as dead and its rooms leave every lobby. It is the
	// nodes bucket's TTL. Zero means 10 s; it must be at least three
	// heartbeats.
	NodeTTL time.Duration
	// RequestTimeout bounds a request to another node (Send), retries
	// included; past it the request is ErrUnavailable. Zero means 10 s.
	RequestTimeout time.Duration
	// AttemptTimeout bounds one try of a request; a try that gets no answer
	// is sent again with the same id until RequestTimeout. Zero means
	// 2.5 s.
	AttemptTimeout time.Duration
	// OpTimeout bounds one KV operation. Zero means 2 s.
	OpTimeout time.Duration
	// Replicas is the number of copies of each bucket in a clustered NATS
	// system (1 to 5). Zero means 1; use 3 with a three-server NATS cluster.
	Replicas int
	// MemoryStorage keeps the buckets in memory rather than on disk: a
	// restarted NATS server then starts empty and the nodes put everything
	// back. Off by default.
	MemoryStorage bool
	// Logger gets the node's records: bus lost and back, dead nodes, code
	// clashes. Nil means slog.Default().
	Logger *slog.Logger
}

// The defaults of Config's fields.
const (
	defaultPrefix         = "tickroom"
	defaultHeartbeat      = 2 * time.Second
	defaultNodeTTL        = 10 * time.Second
	defaultRequestTimeout = 10 * time.Second
	defaultAttemptTimeout = 2500 * time.Millisecond
	defaultOpTimeout      = 2 * time.Second
	maxNodeIDLen          = 32
)

// DefaultConfig returns the defaults; URL and PublicURL are left empty
// and must be set.
func DefaultConfig() Config {
	return Config{
		Prefix: defaultPrefix, Heartbeat: defaultHeartbeat, NodeTTL: defaultNodeTTL,
		RequestTimeout: defaultRequestTimeout, AttemptTimeout: defaultAttemptTimeout,
		OpTimeout: defaultOpTimeout, Replicas: 1,
	}
}

// Validate reports a configuration a node cannot run, wrapping ErrBadConfig.
func (c *Config) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrBadConfig}, args...)...)
	}
	switch {
	case c.URL == "":
		return bad("URL (the NATS server) is required")
	case c.NodeID != "" && !validNodeID(c.NodeID):
		return bad("NodeID %q: want 1 to %d characters of [a-z0-9]", c.NodeID, maxNodeIDLen)
	case c.Prefix != "" && !validPrefix(c.Prefix):
		return bad("Prefix %q: want letters, digits, - and _", c.Prefix)
	case c.Heartbeat < 0 || c.NodeTTL < 0 || c.RequestTimeout < 0 || c.AttemptTimeout < 0 || c.OpTimeout < 0:
		return bad("negative duration")
	case c.Replicas < 0 || c.Replicas > 5:
		return bad("Replicas %d: want 1 to 5", c.Replicas)
	}
	if _, err := Origin(c.PublicURL); err != nil {
		return bad("PublicURL: %v", err)
	}
	d := c.withDefaults()
	if d.NodeTTL < 3*d.Heartbeat {
		return bad("NodeTTL %v is less than three heartbeats (%v)", d.NodeTTL, d.Heartbeat)
	}
	return nil
}

// withDefaults returns c with every zero field set to its default and
// PublicURL as an origin (Validate has checked it).
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Prefix == "" {
		c.Prefix = d.Prefix
	}
	for _, f := range []struct{ field, def *time.Duration }{
		{&c.Heartbeat, &d.Heartbeat}, {&c.NodeTTL, &d.NodeTTL}, {&c.RequestTimeout, &d.RequestTimeout},
		{&c.AttemptTimeout, &d.AttemptTimeout}, {&c.OpTimeout, &d.OpTimeout},
	} {
		if *f.field == 0 {
			*f.field = *f.def
		}
	}
	if c.Replicas == 0 {
		c.Replicas = d.Replicas
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if o, err := Origin(c.PublicURL); err == nil {
		c.PublicURL = o
	}
	return c
}

// Origin returns a public URL as the contract's Joined.url wants it:
// scheme://host[:port], without path or trailing slash. A URL with a path
// other than "/", a query, a fragment or user info is an error: the client
// keeps its own Socket.IO path and options.
func Origin(public string) (string, error) {
	u, err := url.Parse(public)
	switch {
	case public == "":
		return "", fmt.Errorf("required")
	case err != nil:
		return "", err
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("%q: the scheme must be http or https", public)
	case u.Host == "" || u.Hostname() == "":
		return "", fmt.Errorf("%q has no host", public)
	case u.Path != "" && u.Path != "/", u.RawQuery != "", u.Fragment != "", u.User != nil:
		return "", fmt.Errorf("%q is not an origin (scheme://host[:port])", public)
	}
	return u.Scheme + "://" + u.Host, nil
}

// nodeIDAlphabet is what node ids are made of: lower case, so that they read
// the same in subjects, keys and seat tokens.
const nodeIDAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// NewNodeID returns a random node id of 10 characters of [a-z0-9].
func NewNodeID() string {
	var b [10]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	for i := range b {
		b[i] = nodeIDAlphabet[int(b[i])%len(nodeIDAlphabet)]
	}
	return string(b[:])
}

func validNodeID(id string) bool {
	if len(id) == 0 || len(id) > maxNodeIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if !strings.ContainsRune(nodeIDAlphabet, rune(id[i])) {
			return false
		}
	}
	return true
}

func validPrefix(p string) bool {
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return len(p) <= 32
}
