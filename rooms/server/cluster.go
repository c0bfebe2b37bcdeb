package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/tickroom/tickroom/rooms/cluster"
	"github.com/tickroom/tickroom/rooms/lobby"
)

// The cluster's wiring (Config.Cluster; docs/cluster.md): kept here so that
// a server alone never reaches any of it.

// validateCluster checks Config.Cluster, when set.
func (c *Config) validateCluster() error {
	if c.Cluster == nil {
		return nil
	}
	if c.Lobby.Store != nil || c.Lobby.Cluster != nil {
		return fmt.Errorf("%w: Cluster and Lobby.Store or Lobby.Cluster are both set: the cluster is the lobby's store", ErrBadConfig)
	}
	if err := c.Cluster.Validate(); err != nil {
		return fmt.Errorf("%w: Cluster: %w", ErrBadConfig, err)
	}
	return nil
}

// joinCluster starts the node of Config.Cluster and makes it the lobby's
// store and cluster; nil, changing nothing, for a server alone.
func joinCluster(c *Config, lc *lobby.Config) (*cluster.Node, error) {
	if c.Cluster == nil {
		return nil, nil
	}
	cc := *c.Cluster // a copy: the caller's Config is not changed
	if cc.Logger == nil {
		cc.Logger = c.Logger
	}
	node, err := cluster.New(&cc)
	if err != nil {
		return nil, err
	}
	lc.Store, lc.Cluster, lc.NodeID, lc.PublicURL = node, node, node.ID(), node.PublicURL()
	return node, nil
}

// leaveCluster withdraws the node's rooms and key from the bus, once the
// host has closed its rooms.
func (s *Server) leaveCluster(ctx context.Context) {
	if s.node == nil {
		return
	}
	if err := s.node.Close(ctx); err != nil {
		s.log.Warn("tickroom: leaving the cluster", "err", err)
	}
}

// clusterReadyChecks are the conditions a clustered server adds to
// /readyz: its bus must be in reach (docs/cluster.md, "Readiness"); none
// for a server alone.
func (s *Server) clusterReadyChecks() []ReadyCheck {
	if s.node == nil {
		return nil
	}
	return []ReadyCheck{{Name: "cluster bus", Check: func() error {
		if !s.node.Ready() {
			return errors.New("the cluster bus is out of reach")
		}
		return nil
	}}}
}

// drainCluster tells the other nodes at once that this one drains: they
// place new rooms elsewhere (the node's heartbeat would tell them within
// its period otherwise).
func (s *Server) drainCluster() {
	if s.node != nil {
		s.node.SetDraining(true)
	}
}

// Cluster is the server's cluster node, nil for a server alone.
func (s *Server) Cluster() *cluster.Node { return s.node }
