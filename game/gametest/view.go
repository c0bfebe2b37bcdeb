package gametest

import (
	"fmt"

	"github.com/tickroom/tickroom/game"
)

// View reads what one player's client holds, a game.Mirror, by kind and
// field name, so a test says "the player entity's x" rather than an index.
// A name the schema does not have, or a field read as another type, panics:
// it is a mistake in the test.
type View struct {
	mirror *game.Mirror
	schema *game.Schema
	tick   uint64
}

// NewView returns a View of mirror, whose schema is s, as of the snapshot
// of tick.
func NewView(s *game.Schema, mirror *game.Mirror, tick uint64) View {
	return View{mirror: mirror, schema: s, tick: tick}
}

// Mirror returns the mirror itself.
func (v View) Mirror() *game.Mirror { return v.mirror }

// Tick returns the tick of the last snapshot applied (0 before the first).
func (v View) Tick() uint64 { return v.tick }

// Len returns the number of entities held.
func (v View) Len() int { return v.mirror.Len() }

// Hash returns the view hash of what is held.
func (v View) Hash() uint32 { return v.mirror.Hash() }

// Entities returns the entities of the kind called kind, ascending by id.
func (v View) Entities(kind string) []Entity {
	k := v.kindIndex(kind)
	var out []Entity
	for e := range v.mirror.All() {
		if e.Kind() == k {
			out = append(out, Entity{ID: e.ID(), Kind: kind, kind: k, v: v})
		}
	}
	return out
}

// Entity returns entity id if it is held.
func (v View) Entity(id game.EntityID) (Entity, bool) {
	k := v.mirror.Kind(id)
	if k < 0 {
		return Entity{}, false
	}
	return Entity{ID: id, Kind: v.schema.Kinds[k].Name, kind: k, v: v}, true
}

// Find returns the first entity of kind whose int field equals value, such
// as a player's own entity by its player id field.
func (v View) Find(kind, field string, value int64) (Entity, bool) {
	for _, e := range v.Entities(kind) {
		if e.Int(field) == value {
			return e, true
		}
	}
	return Entity{}, false
}

// GlobalInt returns the int global called name.
func (v View) GlobalInt(name string) int64 {
	return v.mirror.GlobalInt(v.globalIndex(name, game.KindInt))
}

// GlobalFloat returns the float global called name as the client sees it
// (quantized).
func (v View) GlobalFloat(name string) float64 {
	return v.mirror.GlobalFloat(v.globalIndex(name, game.KindFloat))
}

// GlobalBool returns the bool global called name.
func (v View) GlobalBool(name string) bool {
	return v.mirror.GlobalBool(v.globalIndex(name, game.KindBool))
}

// GlobalString returns the string global called name.
func (v View) GlobalString(name string) string {
	return v.mirror.GlobalString(v.globalIndex(name, game.KindString))
}

func (v View) kindIndex(name string) int {
	k := v.schema.KindIndex(name)
	if k < 0 {
		panic(fmt.Sprintf("gametest: the schema has no entity kind %q", name))
	}
	return k
}

func (v View) globalIndex(name string, want game.FieldKind) int {
	g := v.schema.GlobalIndex(name)
	if g < 0 || v.schema.Globals[g].Kind != want {
		panic(fmt.Sprintf("gametest: the schema has no %v global %q", want, name))
	}
	return g
}

// Entity is one entity a View holds.
type Entity struct {
	ID   game.EntityID
	Kind string // its kind's name
	kind int
	v    View
}

// Int returns the int field called name.
func (e Entity) Int(name string) int64 { return e.v.mirror.Int(e.ID, e.field(name, game.KindInt)) }

// Float returns the float field called name as the client sees it
// (quantized).
func (e Entity) Float(name string) float64 {
	return e.v.mirror.Float(e.ID, e.field(name, game.KindFloat))
}

// Bool returns the bool field called name.
func (e Entity) Bool(name string) bool { return e.v.mirror.Bool(e.ID, e.field(name, game.KindBool)) }

// String returns the string field called name.
func (e Entity) String(name string) string {
	return e.v.mirror.String(e.ID, e.field(name, game.KindString))
}

func (e Entity) field(name string, want game.FieldKind) int {
	f := e.v.schema.FieldIndex(e.kind, name)
	if f < 0 || e.v.schema.Kinds[e.kind].Fields[f].Kind != want {
		panic(fmt.Sprintf("gametest: kind %q has no %v field %q", e.Kind, want, name))
	}
	return f
}
