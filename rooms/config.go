package rooms

import (
	"fmt"
	"log/slog"
	"time"
)

// Config tunes a room. Start from DefaultConfig; a nil *Config means
// DefaultConfig(). Time is not injected: the loop uses package time, and
// tests run it inside testing/synctest.
type Config struct {
	// MaxCatchUp is how many extra steps a tick may run after a stall before
	// the remaining due steps are dropped and counted as overruns.
	MaxCatchUp int
	// InputQueue is the per-player input queue length; when it is full the
	// oldest input is dropped.
	InputQueue int
	// InputRate and InputBurst are the per-player token bucket: inputs per
	// second sustained and the burst above it. Excess input is dropped.
	InputRate  float64
	InputBurst float64
	// FloodRate and FloodSeconds: a player sending more than FloodRate
	// inputs a second (dropped ones included) for FloodSeconds consecutive
	// seconds gets notice {code: "RATE_LIMITED"} and its Peer is closed.
	FloodRate    float64
	FloodSeconds int
	// HashEvery puts the view hash `h` into every HashEvery-th snapshot; 0
	// leaves it out.
	HashEvery int
	// HistoryViews is how many offered-but-unconfirmed views the room keeps
	// per player. A player whose last written snapshot is older than these
	// gets a full state.
	HistoryViews int
	// EndedLinger is how long a room stays in phase ended before it closes
	// with room:closed {reason: "ended"}.
	EndedLinger time.Duration
	// Logger gets mode panics (with the stack) and flood disconnects. Nil
	// means slog.Default().
	Logger *slog.Logger
}

// DefaultConfig returns the game protocol's defaults.
func DefaultConfig() Config {
	return Config{
		MaxCatchUp:   3,
		InputQueue:   64,
		InputRate:    60,
		InputBurst:   30,
		FloodRate:    300,
		FloodSeconds: 3,
		HistoryViews: 64,
		EndedLinger:  10 * time.Second,
	}
}

// Validate reports a configuration a room cannot run, wrapping ErrBadConfig.
func (c *Config) Validate() error {
	switch {
	case c.MaxCatchUp < 0:
		return fmt.Errorf("%w: MaxCatchUp %d < 0", ErrBadConfig, c.MaxCatchUp)
	case c.InputQueue < 1:
		return fmt.Errorf("%w: InputQueue %d < 1", ErrBadConfig, c.InputQueue)
	case !(c.InputRate > 0) || !(c.InputBurst >= 1):
		return fmt.Errorf("%w: InputRate must be > 0 and InputBurst >= 1", ErrBadConfig)
	case !(c.FloodRate > 0) || c.FloodSeconds < 1:
		return fmt.Errorf("%w: FloodRate must be > 0 and FloodSeconds >= 1", ErrBadConfig)
	case c.HashEvery < 0:
		return fmt.Errorf("%w: HashEvery %d < 0", ErrBadConfig, c.HashEvery)
	case c.HistoryViews < 1:
		return fmt.Errorf("%w: HistoryViews %d < 1", ErrBadConfig, c.HistoryViews)
	case c.EndedLinger < 0:
		return fmt.Errorf("%w: EndedLinger %v < 0", ErrBadConfig, c.EndedLinger)
	}
	return nil
}
