//go:build !unix

package client

import "time"

// processCPU is not measured here: the benchmark's cpu-ns/op reads 0.
func processCPU() time.Duration { return 0 }
