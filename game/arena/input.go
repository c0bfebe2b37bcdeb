package arena

import (
	"math"

	"github.com/tickroom/tickroom/game"
)

// Input is one decoded `input`: a direction no longer than 1 and whether
// the player asks for a boost.
type Input struct {
	X, Y  float64
	Boost bool
}

// DecodeInput parses the msgpack map {seq?, x?, y?, boost?}: x and y are
// numbers (default 0; NaN, infinities and non-numbers are malformed), boost
// a bool (default false); nil counts as absent and other keys are ignored.
// A vector longer than 1 is scaled to length 1.
func DecodeInput(raw []byte) (Input, error) {
	var in Input
	m, err := game.NewInputMap(raw)
	for err == nil && m.Next() {
		switch string(m.Key()) {
		case "x":
			in.X, err = m.Number()
		case "y":
			in.Y, err = m.Number()
		case "boost":
			in.Boost, err = m.Bool()
		}
	}
	if err == nil {
		err = m.Err()
	}
	if err != nil {
		return Input{}, err
	}
	// Dividing by the larger component first keeps huge (finite) inputs
	// from overflowing to an infinite length.
	if m := math.Max(math.Abs(in.X), math.Abs(in.Y)); m > 1 {
		in.X, in.Y = in.X/m, in.Y/m
	}
	// float64() forces each product to be rounded on its own, so no
	// platform fuses the sum into an FMA and gets another answer.
	if l2 := float64(in.X*in.X) + float64(in.Y*in.Y); l2 > 1 {
		l := math.Sqrt(l2)
		in.X, in.Y = in.X/l, in.Y/l
	}
	return in, nil
}

// dirScale is the fixed-point scale of a direction component.
const dirScale = 4096

// direction converts a decoded input to fixed point; x*4096 is exact, so
// this is the same integer everywhere.
func direction(in Input) (int64, int64) {
	return int64(math.Round(in.X * dirScale)), int64(math.Round(in.Y * dirScale))
}
