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
// (indexed from 0 in this order) and the room-global fields, plus the
// fields of its `input` map. A mode returns the same *Schema for every
// room and never changes it.
type Schema struct {
	Kinds   []EntityKind
	Globals []Field
	// Inputs declares the fields of the mode's `input` map (seq aside), so
	// that a tool that knows nothing of the mode (gamebot) can make valid
	// inputs. Optional; the runtime does not check inputs against it.
	Inputs []InputField
}

// InputField is one field of a mode's `input` map: a number in [Min, Max]
// (KindFloat, or KindInt for whole numbers) or a boolean (KindBool).
type InputField struct {
	Name     string
	Kind     FieldKind
	Min, Max float64
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

// SchemaDescription is a schema as Joined.schema carries it (msgpack or
// JSON), so that a client decodes sections without compiled-in knowledge:
// {kinds: [{name, fields: [{name, type, quantum?}]}], globals: [...],
// inputs?: [{name, type, min?, max?}]}.
type SchemaDescription struct {
	Kinds   []KindDescription  `msgpack:"kinds" json:"kinds"`
	Globals []FieldDescription `msgpack:"globals" json:"globals"`
	Inputs  []InputDescription `msgpack:"inputs,omitempty" json:"inputs,omitempty"`
}

// KindDescription is one entity kind in a SchemaDescription.
type KindDescription struct {
	Name   string             `msgpack:"name" json:"name"`
	Fields []FieldDescription `msgpack:"fields" json:"fields"`
}

// FieldDescription is one field in a SchemaDescription; Type is a
// FieldKind's name.
type FieldDescription struct {
	Name    string  `msgpack:"name" json:"name"`
	Type    string  `msgpack:"type" json:"type"`
	Quantum float64 `msgpack:"quantum,omitempty" json:"quantum,omitempty"`
}

// InputDescription is one input field in a SchemaDescription.
type InputDescription struct {
	Name string  `msgpack:"name" json:"name"`
	Type string  `msgpack:"type" json:"type"`
	Min  float64 `msgpack:"min,omitempty" json:"min,omitempty"`
	Max  float64 `msgpack:"max,omitempty" json:"max,omitempty"`
}

// Describe returns the schema's description, the Joined.schema of its
// rooms.
func (s *Schema) Describe() *SchemaDescription {
	d := &SchemaDescription{Kinds: make([]KindDescription, len(s.Kinds)), Globals: describeFields(s.Globals)}
	for i, k := range s.Kinds {
		d.Kinds[i] = KindDescription{Name: k.Name, Fields: describeFields(k.Fields)}
	}
	for _, in := range s.Inputs {
		d.Inputs = append(d.Inputs, InputDescription{Name: in.Name, Type: in.Kind.String(), Min: in.Min, Max: in.Max})
	}
	return d
}

func describeFields(fs []Field) []FieldDescription {
	out := make([]FieldDescription, len(fs))
	for i, f := range fs {
		out[i] = FieldDescription{Name: f.Name, Type: f.Kind.String(), Quantum: f.Quantum}
	}
	return out
}

// Schema returns the schema a description describes (a Go client's or a
// bot's, from a Joined), validated: an error wraps ErrBadSchema.
func (d *SchemaDescription) Schema() (*Schema, error) {
	s := &Schema{Kinds: make([]EntityKind, len(d.Kinds))}
	var err error
	for i, k := range d.Kinds {
		s.Kinds[i].Name = k.Name
		if s.Kinds[i].Fields, err = parseFields(k.Fields); err != nil {
			return nil, err
		}
	}
	if s.Globals, err = parseFields(d.Globals); err != nil {
		return nil, err
	}
	for _, in := range d.Inputs {
		k, err := kindNamed(in.Type)
		if err != nil {
			return nil, err
		}
		s.Inputs = append(s.Inputs, InputField{Name: in.Name, Kind: k, Min: in.Min, Max: in.Max})
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

func parseFields(ds []FieldDescription) ([]Field, error) {
	if len(ds) == 0 {
		return nil, nil
	}
	out := make([]Field, len(ds))
	for i, d := range ds {
		k, err := kindNamed(d.Type)
		if err != nil {
			return nil, err
		}
		out[i] = Field{Name: d.Name, Kind: k, Quantum: d.Quantum}
	}
	return out, nil
}

func kindNamed(name string) (FieldKind, error) {
	for k := KindInt; k <= KindString; k++ {
		if k.String() == name {
			return k, nil
		}
	}
	return 0, fmt.Errorf("%w: unknown field type %q", ErrBadSchema, name)
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
