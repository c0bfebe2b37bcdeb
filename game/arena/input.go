package arena

import (
	"bytes"
	"fmt"
	"math"

	"github.com/tickroom/tickroom/game"
	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
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
	d := msgpack.GetDecoder()
	defer msgpack.PutDecoder(d)
	d.Reset(bytes.NewReader(raw))
	n, err := d.DecodeMapLen()
	if err != nil || n < 0 {
		return in, fmt.Errorf("%w: not a map", game.ErrBadInput)
	}
	for i := 0; i < n; i++ {
		key, err := d.DecodeString()
		if err != nil {
			return in, fmt.Errorf("%w: non-string key", game.ErrBadInput)
		}
		switch key {
		case "x":
			in.X, err = decodeNumber(d)
		case "y":
			in.Y, err = decodeNumber(d)
		case "boost":
			in.Boost, err = decodeBool(d)
		default:
			err = d.Skip()
		}
		if err != nil {
			return in, fmt.Errorf("%w: %s: %v", game.ErrBadInput, key, err)
		}
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

func decodeNumber(d *msgpack.Decoder) (float64, error) {
	c, err := d.PeekCode()
	if err != nil {
		return 0, err
	}
	var f float64
	switch {
	case c == msgpcode.Nil:
		return 0, d.DecodeNil()
	case msgpcode.IsFixedNum(c), c == msgpcode.Int8, c == msgpcode.Int16, c == msgpcode.Int32, c == msgpcode.Int64:
		n, err := d.DecodeInt64()
		return float64(n), err
	case c == msgpcode.Uint8, c == msgpcode.Uint16, c == msgpcode.Uint32, c == msgpcode.Uint64:
		n, err := d.DecodeUint64()
		return float64(n), err
	case c == msgpcode.Float, c == msgpcode.Double:
		if f, err = d.DecodeFloat64(); err != nil {
			return 0, err
		}
	default:
		return 0, fmt.Errorf("not a number (code %#x)", c)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%v is not finite", f)
	}
	return f, nil
}

func decodeBool(d *msgpack.Decoder) (bool, error) {
	c, err := d.PeekCode()
	if err != nil {
		return false, err
	}
	switch c {
	case msgpcode.Nil:
		return false, d.DecodeNil()
	case msgpcode.True, msgpcode.False:
		return d.DecodeBool()
	}
	return false, fmt.Errorf("not a bool (code %#x)", c)
}

// dirScale is the fixed-point scale of a direction component.
const dirScale = 4096

// direction converts a decoded input to fixed point; x*4096 is exact, so
// this is the same integer everywhere.
func direction(in Input) (int64, int64) {
	return int64(math.Round(in.X * dirScale)), int64(math.Round(in.Y * dirScale))
}
