package tag

import (
	"fmt"
	"math"

	"github.com/tickroom/tickroom/game"
)

// Input is one decoded `input`: a direction no longer than 1.
type Input struct{ X, Y float64 }

// DecodeInput parses the msgpack map {seq?, x?, y?}: x and y are numbers
// in [-1, 1] (default 0; anything else is malformed), other keys are
// ignored. A vector longer than 1 is scaled to length 1.
func DecodeInput(raw []byte) (Input, error) {
	var in Input
	m, err := game.NewInputMap(raw)
	for err == nil && m.Next() {
		switch string(m.Key()) {
		case "x":
			in.X, err = m.Number()
		case "y":
			in.Y, err = m.Number()
		}
	}
	if err == nil {
		err = m.Err()
	}
	if err != nil {
		return Input{}, err
	}
	if math.Abs(in.X) > 1 || math.Abs(in.Y) > 1 {
		return Input{}, fmt.Errorf("%w: x and y must be in [-1, 1]", game.ErrBadInput)
	}
	// float64() rounds each product on its own: no platform fuses them.
	if l2 := float64(in.X*in.X) + float64(in.Y*in.Y); l2 > 1 {
		l := math.Sqrt(l2)
		in.X, in.Y = in.X/l, in.Y/l
	}
	return in, nil
}

// dirScale is the fixed-point scale of a direction component.
const dirScale = 1024

// direction converts a decoded input to fixed point; x*1024 is exact, so
// this is the same integer on every platform.
func direction(in Input) (int64, int64) {
	return int64(math.Round(in.X * dirScale)), int64(math.Round(in.Y * dirScale))
}
