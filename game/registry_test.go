package game

import (
	"errors"
	"slices"
	"testing"
)

type stubMode struct {
	name   string
	schema *Schema
}

func (m stubMode) Name() string                        { return m.name }
func (m stubMode) Configure(Options) (Settings, error) { return Settings{}, nil }
func (m stubMode) Schema() *Schema                     { return m.schema }
func (m stubMode) New(*Context) Game                   { return BaseGame{} }

func TestRegistry(t *testing.T) {
	var r Registry // the zero value is usable
	if err := r.Register(stubMode{"b", testSchema}); err != nil {
		t.Fatal(err)
	}
	if err := r.Register(stubMode{"a", testSchema}); err != nil {
		t.Fatal(err)
	}
	if err := r.Register(stubMode{"a", testSchema}); !errors.Is(err, ErrDuplicateMode) {
		t.Fatalf("duplicate: %v", err)
	}
	if err := r.Register(stubMode{"", testSchema}); !errors.Is(err, ErrBadMode) {
		t.Fatalf("empty name: %v", err)
	}
	if err := r.Register(stubMode{"c", &Schema{}}); !errors.Is(err, ErrBadSchema) {
		t.Fatalf("bad schema: %v", err)
	}
	if err := r.Register(nil); !errors.Is(err, ErrBadMode) {
		t.Fatalf("nil: %v", err)
	}
	if m, ok := r.Lookup("a"); !ok || m.Name() != "a" {
		t.Fatal("Lookup")
	}
	if _, ok := NewRegistry().Lookup("a"); ok {
		t.Fatal("registries share state")
	}
	if got := r.Names(); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("Names = %v", got)
	}
	if _, err := (BaseGame{}).DecodeInput(nil); !errors.Is(err, ErrBadInput) {
		t.Fatal("BaseGame takes input")
	}
}
