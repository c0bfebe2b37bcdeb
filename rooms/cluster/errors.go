package cluster

import "errors"

// Sentinel errors of the cluster.
var (
	// ErrBadConfig: a Config that fails Validate.
	ErrBadConfig = errors.New("cluster: bad config")
	// ErrClosed: the node was closed; its store takes no new rooms.
	ErrClosed = errors.New("cluster: node is closed")
)
