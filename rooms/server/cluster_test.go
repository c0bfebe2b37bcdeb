package server

import (
	"errors"
	"testing"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/arena"
	"github.com/tickroom/tickroom/rooms/cluster"
	"github.com/tickroom/tickroom/rooms/lobby"
)

// TestClusterConfig: Config.Cluster is checked by Validate, and excludes a
// store or cluster of the caller's own in Lobby. (tests/cluster runs
// clustered servers on a real bus.)
func TestClusterConfig(t *testing.T) {
	good := cluster.DefaultConfig()
	good.URL, good.PublicURL = "nats://127.0.0.1:4222", "http://127.0.0.1:8080"
	c := DefaultConfig()
	c.Modes = []game.Mode{arena.Mode{}}
	c.Cluster = &good
	if err := c.Validate(); err != nil {
		t.Fatalf("a good cluster: %v", err)
	}
	bad := good
	bad.PublicURL = ""
	c.Cluster = &bad
	if err := c.Validate(); !errors.Is(err, ErrBadConfig) || !errors.Is(err, cluster.ErrBadConfig) {
		t.Fatalf("no public URL: %v", err)
	}
	c.Cluster = &good
	c.Lobby.Store = lobby.NewMemStore()
	if err := c.Validate(); !errors.Is(err, ErrBadConfig) {
		t.Fatalf("a cluster and a store: %v", err)
	}
}
