package game

import (
	"fmt"
	"math"

	"github.com/tickroom/tickroom/internal/mpwire"
)

// InputMap reads the payload Game.DecodeInput gets, a msgpack map, one field
// at a time without allocating: a mode's inputs arrive tens of times a second
// per player, on the connection's reader. Keys must be strings; a value the
// caller does not read is skipped by the next Next.
//
//	m, err := game.NewInputMap(raw)
//	for err == nil && m.Next() {
//		switch string(m.Key()) {
//		case "x":
//			in.X, err = m.Number()
//		case "boost":
//			in.Boost, err = m.Bool()
//		}
//	}
//	if err == nil {
//		err = m.Err()
//	}
//
// Every error wraps ErrBadInput.
type InputMap struct {
	b       []byte
	i       int    // next byte to read
	left    int    // entries not yet reached
	key     []byte // the current entry's key
	pending bool   // the current entry's value has not been read
	err     error
}

// NewInputMap starts reading raw, which must hold one msgpack map.
func NewInputMap(raw []byte) (InputMap, error) {
	h, i, err := mpwire.ReadHead(raw, 0)
	if err != nil {
		return InputMap{}, inputErr(err)
	}
	if h.Kind != mpwire.Map {
		return InputMap{}, fmt.Errorf("%w: not a map", ErrBadInput)
	}
	return InputMap{b: raw, i: i, left: h.N}, nil
}

// Next moves to the next entry, skipping the value of the current one if it
// was not read; false at the end of the map or on an error (see Err).
func (m *InputMap) Next() bool {
	if m.err != nil {
		return false
	}
	if m.pending {
		i, err := mpwire.SkipN(m.b, m.i, 1)
		if err != nil {
			m.err = inputErr(err)
			return false
		}
		m.i, m.pending = i, false
	}
	if m.left == 0 {
		return false
	}
	m.left--
	h, i, err := mpwire.ReadHead(m.b, m.i)
	switch {
	case err != nil:
		m.err = inputErr(err)
		return false
	case h.Kind != mpwire.Str:
		m.err = fmt.Errorf("%w: non-string key", ErrBadInput)
		return false
	}
	m.key = m.b[i : i+h.N]
	m.i = i + h.N
	m.pending = true
	return true
}

// Key is the current entry's key; it aliases the payload.
func (m *InputMap) Key() []byte { return m.key }

// Err is the error that ended Next early, or nil.
func (m *InputMap) Err() error { return m.err }

// Number reads the current value as a number: any msgpack integer or float;
// nil reads as 0 (absent). Other types, NaN and infinities are errors.
func (m *InputMap) Number() (float64, error) {
	h, err := m.value()
	if err != nil {
		return 0, err
	}
	switch h.Kind {
	case mpwire.Nil:
		return 0, nil
	case mpwire.Uint:
		return float64(h.Uint()), nil
	case mpwire.Int:
		return float64(h.Int()), nil
	case mpwire.Float:
		f := h.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, m.fail("%v is not finite", f)
		}
		return f, nil
	}
	return 0, m.fail("not a number")
}

// Bool reads the current value as a bool; nil reads as false (absent).
func (m *InputMap) Bool() (bool, error) {
	h, err := m.value()
	if err != nil {
		return false, err
	}
	switch h.Kind {
	case mpwire.Nil:
		return false, nil
	case mpwire.Bool:
		return h.Bool(), nil
	}
	return false, m.fail("not a bool")
}

// value reads the header of the current entry's value, once, and moves
// past the value.
func (m *InputMap) value() (mpwire.Head, error) {
	if m.err != nil {
		return mpwire.Head{}, m.err
	}
	if !m.pending {
		return mpwire.Head{}, m.fail("no value to read")
	}
	m.pending = false
	h, i, err := mpwire.ReadHead(m.b, m.i)
	if err == nil {
		// A value read as a number or bool that is something else still has
		// to be passed. Like the msgpack library (FuzzInputMap holds InputMap
		// to it), SkipN bounds no depth; it walks flat, so nesting costs no stack.
		switch h.Kind {
		case mpwire.Str, mpwire.Bin, mpwire.Ext:
			i += h.N
		case mpwire.Array:
			i, err = mpwire.SkipN(m.b, i, h.N)
		case mpwire.Map:
			i, err = mpwire.SkipN(m.b, i, 2*h.N)
		}
	}
	if err != nil {
		m.err = inputErr(err)
		return h, m.err
	}
	m.i = i
	return h, nil
}

func (m *InputMap) fail(format string, args ...any) error {
	if m.key != nil { // the key comes from the payload: an argument, never part of the format
		return fmt.Errorf("%w: %s: "+format, append([]any{ErrBadInput, m.key}, args...)...)
	}
	return fmt.Errorf("%w: "+format, append([]any{ErrBadInput}, args...)...)
}

var (
	errTruncatedInput = fmt.Errorf("%w: truncated", ErrBadInput)
	errReservedCode   = fmt.Errorf("%w: invalid msgpack code %#x", ErrBadInput, 0xc1)
)

// inputErr maps an error of internal/mpwire onto the package's.
func inputErr(err error) error {
	if err == mpwire.ErrReserved {
		return errReservedCode
	}
	return errTruncatedInput
}

// MaxSeq is the largest input seq the protocol allows (2^53-1: exact in
// JavaScript).
const MaxSeq = 1<<53 - 1

// InputSeq finds and checks `seq` in an input map, as the runtime does
// before DecodeInput: any number type (the text parser and JavaScript
// numbers can turn an integer into a float; every integer up to MaxSeq is
// exact as a float64), whole, in 1..MaxSeq. false: missing or invalid.
func InputSeq(raw []byte) (uint64, bool) {
	m, err := NewInputMap(raw)
	for err == nil && m.Next() {
		if string(m.Key()) != "seq" {
			continue
		}
		f, err := m.Number()
		if err != nil || f != math.Trunc(f) || f < 1 || f > MaxSeq {
			return 0, false
		}
		return uint64(f), true
	}
	return 0, false
}
