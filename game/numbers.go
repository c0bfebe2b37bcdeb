package game

import "math"

// WholeNumber returns v as an int64 when it is a whole number of any Go
// numeric type that msgpack decoding yields (a client's 3 may arrive as an
// int8, a uint16 or a float64): modes use it to read Options.Raw, the
// runtime to read request fields. A float with a fraction, one beyond 2^53,
// or a uint64 beyond int64 is not one.
func WholeNumber(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int8:
		return int64(n), true
	case int16:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case uint8:
		return int64(n), true
	case uint16:
		return int64(n), true
	case uint32:
		return int64(n), true
	case uint64:
		if n > math.MaxInt64 {
			return 0, false
		}
		return int64(n), true
	case float32:
		return wholeFloat(float64(n))
	case float64:
		return wholeFloat(n)
	}
	return 0, false
}

func wholeFloat(f float64) (int64, bool) {
	if f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}
