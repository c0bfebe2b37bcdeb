package rooms

import (
	"fmt"
	"log/slog"
	"time"
)

// Config tunes the rooms of a host. A nil *Config means DefaultConfig();
// in a Config, a zero field means that field's default, as each field
// says. Time is not injected: the loop uses package time, and tests run it
// inside testing/synctest.
type Config struct {
	// MaxCatchUp is how many extra steps a tick may run after a stall before
	// the remaining due steps are dropped and counted as overruns. Zero
	// means 3.
	MaxCatchUp int
	// InputQueue is the per-player input queue length; when it is full the
	// oldest input is dropped. Zero means 64.
	InputQueue int
	// InputRate and InputBurst are the per-player token bucket: inputs per
	// second sustained and the burst above it. Excess input is dropped.
	// Zero means 60 and 30.
	InputRate  float64
	InputBurst float64
	// FloodRate and FloodSeconds: a player sending more than FloodRate
	// inputs a second (dropped ones included) for FloodSeconds consecutive
	// seconds gets notice {code: "RATE_LIMITED"} and its Peer is closed.
	// Zero means 300 and 3.
	FloodRate    float64
	FloodSeconds int
	// HashEvery puts the view hash `h` into every HashEvery-th snapshot.
	// Zero (the default) leaves it out.
	HashEvery int
	// HistoryViews is how many offered-but-unconfirmed views the room keeps
	// per player. A player whose last written snapshot is older than these
	// gets a full state. Zero means 64.
	HistoryViews int
	// EndedLinger is how long a room stays in phase ended before it closes
	// with room:closed {reason: "ended"}. Zero means 10 s.
	EndedLinger time.Duration
	// Logger gets mode panics (with the stack) and flood disconnects. Nil
	// means slog.Default().
	Logger *slog.Logger
}

// DefaultConfig returns the game protocol's defaults.
func DefaultConfig() Config {
	return Config{}.WithDefaults()
}

// WithDefaults returns c with every zero field set to its default (Logger
// stays nil: the room takes slog.Default() when it starts).
func (c Config) WithDefaults() Config {
	orDefault(&c.MaxCatchUp, 3)
	orDefault(&c.InputQueue, 64)
	orDefault(&c.InputRate, 60)
	orDefault(&c.InputBurst, 30)
	orDefault(&c.FloodRate, 300)
	orDefault(&c.FloodSeconds, 3)
	orDefault(&c.HistoryViews, 64)
	orDefault(&c.EndedLinger, 10*time.Second)
	return c
}

// orDefault sets *p to def when it is zero.
func orDefault[T comparable](p *T, def T) {
	var zero T
	if *p == zero {
		*p = def
	}
}

// Validate reports a configuration a room cannot run, wrapping
// ErrBadConfig. Zero fields are valid: they mean the defaults.
func (c *Config) Validate() error {
	switch {
	case c.MaxCatchUp < 0:
		return fmt.Errorf("%w: MaxCatchUp %d < 0", ErrBadConfig, c.MaxCatchUp)
	case c.InputQueue < 0:
		return fmt.Errorf("%w: InputQueue %d < 0", ErrBadConfig, c.InputQueue)
	case !(c.InputRate >= 0) || !(c.InputBurst >= 0) || c.InputBurst > 0 && c.InputBurst < 1: // NaN fails too
		return fmt.Errorf("%w: InputRate must be >= 0 and InputBurst 0 or >= 1", ErrBadConfig)
	case !(c.FloodRate >= 0) || c.FloodSeconds < 0:
		return fmt.Errorf("%w: FloodRate and FloodSeconds must not be negative", ErrBadConfig)
	case c.HashEvery < 0:
		return fmt.Errorf("%w: HashEvery %d < 0", ErrBadConfig, c.HashEvery)
	case c.HistoryViews < 0:
		return fmt.Errorf("%w: HistoryViews %d < 0", ErrBadConfig, c.HistoryViews)
	case c.EndedLinger < 0:
		return fmt.Errorf("%w: EndedLinger %v < 0", ErrBadConfig, c.EndedLinger)
	}
	return nil
}
