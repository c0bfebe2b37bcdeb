package game

import "fmt"

// BaseGame is a Game that does nothing: a mode embeds it and overrides
// what it needs, so a small mode stays small. Its CanJoin admits everyone
// (the runtime checks seats and phase itself), DecodeInput refuses every
// input, View shows nothing and Results is empty.
type BaseGame struct{}

// CanJoin admits everyone.
func (BaseGame) CanJoin(Player) error { return nil }

// Join does nothing.
func (BaseGame) Join(Player) {}

// Leave does nothing.
func (BaseGame) Leave(PlayerID) {}

// Drop does nothing.
func (BaseGame) Drop(PlayerID) {}

// Return does nothing.
func (BaseGame) Return(PlayerID) {}

// Start does nothing.
func (BaseGame) Start() {}

// DecodeInput refuses every input: a mode without input takes none.
func (BaseGame) DecodeInput([]byte) (any, error) {
	return nil, fmt.Errorf("%w: this mode takes no input", ErrBadInput)
}

// Input does nothing.
func (BaseGame) Input(PlayerID, any) {}

// Step does nothing.
func (BaseGame) Step() {}

// View shows nothing.
func (BaseGame) View(PlayerID, func(EntityID)) {}

// Results returns no fields.
func (BaseGame) Results() map[string]any { return nil }

var _ Game = BaseGame{}
