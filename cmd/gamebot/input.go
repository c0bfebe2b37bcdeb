package main

import (
	"fmt"
	"math"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/internal/mpwire"
)

// input is one `input` event: its seq and one value per input field the mode declares
// (game.Schema.Inputs, from the Joined), in their order. A bool is held as 0 or 1. A bot
// keeps one input for its seat and its strategy overwrites the values it steers, so a value
// it leaves alone keeps the last one.
type input struct {
	seq    uint64
	fields []game.InputField
	vals   []float64
}

func newInput(fields []game.InputField) *input {
	return &input{fields: fields, vals: make([]float64, len(fields))}
}

// set sets field i to v: a float as is, an int rounded to a whole number, a bool true when v
// is not 0.
func (in *input) set(i int, v float64) {
	switch in.fields[i].Kind {
	case game.KindInt:
		v = math.Round(v)
	case game.KindBool:
		v = boolNum(v != 0)
	}
	in.vals[i] = v
}

// setBool sets bool field i.
func (in *input) setBool(i int, v bool) { in.vals[i] = boolNum(v) }

func boolNum(v bool) float64 {
	if v {
		return 1
	}
	return 0
}

// appendMsgpack appends the input as the canonical msgpack map {seq, <fields>...}, written as
// netio/sioparser.Normalize would write it (numbers as notepack writes JavaScript numbers):
// the bot sends it as a sioparser.Canonical, so it is encoded once and its size is known
// without a second encoding.
func (in *input) appendMsgpack(dst []byte) []byte {
	dst = mpwire.AppendMapHeader(dst, 1+len(in.fields))
	dst = mpwire.AppendString(dst, "seq")
	dst = mpwire.AppendUint(dst, in.seq)
	for i, f := range in.fields {
		dst = mpwire.AppendString(dst, f.Name)
		switch f.Kind {
		case game.KindBool:
			if in.vals[i] != 0 {
				dst = append(dst, 0xc3)
			} else {
				dst = append(dst, 0xc2)
			}
		default:
			dst = mpwire.AppendNumber(dst, in.vals[i])
		}
	}
	return dst
}

// inputEventOverhead is what ["input", <map>] adds to the map in msgpack: the array header
// and the event name.
const inputEventOverhead = 1 + 1 + len("input")

// inputIndex returns the index of the input field called name in s, which must be of kind
// want: a strategy resolves the fields it steers once, at the join.
func inputIndex(s *game.Schema, name string, want game.FieldKind) (int, error) {
	for i, f := range s.Inputs {
		if f.Name == name {
			if f.Kind != want {
				return -1, fmt.Errorf("input %q is a %v, want a %v", name, f.Kind, want)
			}
			return i, nil
		}
	}
	return -1, fmt.Errorf("the schema declares no input %q", name)
}

// fieldIndex returns the index of field name of entity kind kind in s, which must be of kind
// want. A kind out of range (kindIndex's -1) is an error too, so that a strategy may look up
// its fields right after its kinds and join the errors.
func fieldIndex(s *game.Schema, kind int, name string, want game.FieldKind) (int, error) {
	if kind < 0 || kind >= len(s.Kinds) {
		return -1, fmt.Errorf("no kind %d for field %q", kind, name)
	}
	f := s.FieldIndex(kind, name)
	if f < 0 {
		return -1, fmt.Errorf("kind %q has no field %q", s.Kinds[kind].Name, name)
	}
	if k := s.Kinds[kind].Fields[f].Kind; k != want {
		return -1, fmt.Errorf("field %q of kind %q is a %v, want a %v", name, s.Kinds[kind].Name, k, want)
	}
	return f, nil
}

// kindIndex returns the index of the entity kind called name in s.
func kindIndex(s *game.Schema, name string) (int, error) {
	if k := s.KindIndex(name); k >= 0 {
		return k, nil
	}
	return -1, fmt.Errorf("the schema has no kind %q", name)
}
