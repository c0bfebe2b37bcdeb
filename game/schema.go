package game

import (
	"fmt"
	"math"
)

// FieldKind is the type of a field's value.
type FieldKind uint8

// The field kinds. The zero FieldKind is invalid so that a Field literal
// without a Kind fails Schema.Validate instead of silently being an int.
const (
	KindInt    FieldKind = iota + 1 // int64
	KindFloat                       // float64; quantized on the wire when Field.Quantum > 0
	KindBool                        // bool
	KindString                      // UTF-8 string
)

// String returns the kind's name as used in Schema.Describe.
func (k FieldKind) String() string {
	switch k {
	case KindInt:
		return "int"
	case KindFloat:
		return "float"
	case KindBool:
		return "bool"
	case KindString:
		return "string"
	}
	return fmt.Sprintf("FieldKind(%d)", uint8(k))
}

// Field is one typed value of an entity kind or of the room globals.
type Field struct {
	Name string
	Kind FieldKind
	// Quantum, for KindFloat only: when > 0 the wire value is the integer
	// round(v / Quantum) (half away from zero), so a position in a
	// 2000-unit world with Quantum 1/8 costs 2 bytes instead of 8, and a
	// write that does not change that integer is not a change at all.
	Quantum float64
}

// EntityKind is a kind of entity and its fields, in wire order.
type EntityKind struct {
	Name   string
	Fields []Field
}

// Schema is a mode's static description of its world: the entity kinds
// (indexed from 0 in this order) and the room-global fields. A mode
// returns the same *Schema for every room and never changes it.
type Schema struct {
	Kinds   []EntityKind
	Globals []Field
}

// Limits of a schema, fixed by the section format: the hash spends one byte
// on the kind, and masks are 64-bit uvarints. MaxFieldsPerKind is one below
// what a mask carries: it was set when the mask also held a created flag,
// and clients may rely on it.
const (
	MaxKinds         = 256
	MaxFieldsPerKind = 63
	MaxGlobals       = 64
)

// Validate reports a schema the world and the section format cannot carry,
// wrapping ErrBadSchema.
func (s *Schema) Validate() error {
	if s == nil {
		return fmt.Errorf("%w: nil schema", ErrBadSchema)
	}
	if len(s.Kinds) == 0 || len(s.Kinds) > MaxKinds {
		return fmt.Errorf("%w: %d kinds, want 1..%d", ErrBadSchema, len(s.Kinds), MaxKinds)
	}
	seen := make(map[string]bool, len(s.Kinds))
	for i, k := range s.Kinds {
		if k.Name == "" || seen[k.Name] {
			return fmt.Errorf("%w: kind %d has an empty or duplicate name %q", ErrBadSchema, i, k.Name)
		}
		seen[k.Name] = true
		if len(k.Fields) > MaxFieldsPerKind {
			return fmt.Errorf("%w: kind %q has %d fields, max %d", ErrBadSchema, k.Name, len(k.Fields), MaxFieldsPerKind)
		}
		if err := validateFields(k.Fields); err != nil {
			return fmt.Errorf("%w: kind %q: %v", ErrBadSchema, k.Name, err)
		}
	}
	if len(s.Globals) > MaxGlobals {
		return fmt.Errorf("%w: %d globals, max %d", ErrBadSchema, len(s.Globals), MaxGlobals)
	}
	if err := validateFields(s.Globals); err != nil {
		return fmt.Errorf("%w: globals: %v", ErrBadSchema, err)
	}
	return nil
}

func validateFields(fs []Field) error {
	seen := make(map[string]bool, len(fs))
	for i, f := range fs {
		if f.Name == "" || seen[f.Name] {
			return fmt.Errorf("field %d has an empty or duplicate name %q", i, f.Name)
		}
		seen[f.Name] = true
		if f.Kind < KindInt || f.Kind > KindString {
			return fmt.Errorf("field %q has invalid kind %d", f.Name, f.Kind)
		}
		if f.Quantum != 0 && (f.Kind != KindFloat || !(f.Quantum > 0) || math.IsInf(f.Quantum, 0)) {
			return fmt.Errorf("field %q: Quantum must be a positive finite number on a float field", f.Name)
		}
	}
	return nil
}

// FieldIndex returns the index of the field called name in kind, or -1.
func (s *Schema) FieldIndex(kind int, name string) int {
	if kind < 0 || kind >= len(s.Kinds) {
		return -1
	}
	for i, f := range s.Kinds[kind].Fields {
		if f.Name == name {
			return i
		}
	}
	return -1
}

// KindIndex returns the index of the entity kind called name, or -1.
func (s *Schema) KindIndex(name string) int {
	for i, k := range s.Kinds {
		if k.Name == name {
			return i
		}
	}
	return -1
}

// GlobalIndex returns the index of the global field called name, or -1.
func (s *Schema) GlobalIndex(name string) int {
	for i, f := range s.Globals {
		if f.Name == name {
			return i
		}
	}
	return -1
}

// Describe returns the schema as plain maps and slices, ready for msgpack
// or JSON, so a client can decode sections without compiled-in knowledge:
// {kinds: [{name, fields: [{name, type, quantum?}]}], globals: [{name, type, quantum?}]}.
func (s *Schema) Describe() map[string]any {
	kinds := make([]any, len(s.Kinds))
	for i, k := range s.Kinds {
		kinds[i] = map[string]any{"name": k.Name, "fields": describeFields(k.Fields)}
	}
	return map[string]any{"kinds": kinds, "globals": describeFields(s.Globals)}
}

func describeFields(fs []Field) []any {
	out := make([]any, len(fs))
	for i, f := range fs {
		m := map[string]any{"name": f.Name, "type": f.Kind.String()}
		if f.Quantum > 0 {
			m["quantum"] = f.Quantum
		}
		out[i] = m
	}
	return out
}

// codec is how one field's wire value is written, read and hashed.
type codec uint8

const (
	codecVarint codec = iota // KindInt and quantized KindFloat: zigzag varint of an int64
	codecF64                 // unquantized KindFloat: 8 bytes little endian
	codecBool                // 1 byte, 0 or 1
	codecString              // uvarint length + bytes
)

func codecOf(f Field) codec {
	switch f.Kind {
	case KindFloat:
		if f.Quantum > 0 {
			return codecVarint
		}
		return codecF64
	case KindBool:
		return codecBool
	case KindString:
		return codecString
	}
	return codecVarint
}

// compiled is a validated schema flattened for the hot paths.
type compiled struct {
	schema  *Schema
	kinds   [][]codec
	globals []codec
}

func compile(s *Schema) (*compiled, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	c := &compiled{schema: s, kinds: make([][]codec, len(s.Kinds)), globals: codecsOf(s.Globals)}
	for i, k := range s.Kinds {
		c.kinds[i] = codecsOf(k.Fields)
	}
	return c, nil
}

func codecsOf(fs []Field) []codec {
	out := make([]codec, len(fs))
	for i, f := range fs {
		out[i] = codecOf(f)
	}
	return out
}

// quantize maps v to its wire integer for quantum q. NaN maps to 0 and
// out-of-range values saturate, because Go leaves float-to-int conversion of
// such values to the platform and the wire must not depend on it.
const two63 = 9223372036854775808.0 // 2^63, exactly representable

func quantize(v, q float64) int64 {
	r := math.Round(v / q)
	switch {
	case r != r:
		return 0
	case r >= two63:
		return math.MaxInt64
	case r <= -two63:
		return math.MinInt64
	}
	return int64(r)
}
