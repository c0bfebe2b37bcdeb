package game

import (
	"fmt"
	"sort"
)

// Registry maps mode names to modes. It is a plain value (no package-level
// registry): a server builds one and registers its modes on it. The zero
// value is an empty registry. Register and Lookup are not synchronized;
// register everything before sharing the registry.
type Registry struct {
	modes map[string]Mode
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{} }

// maxModeName bounds mode names so they fit RoomInfo and lobby filters.
const maxModeName = 32

// Register adds m under m.Name(). It checks the name and the mode's schema
// and refuses a second mode of the same name.
func (r *Registry) Register(m Mode) error {
	if m == nil {
		return fmt.Errorf("%w: nil mode", ErrBadMode)
	}
	name := m.Name()
	if name == "" || len(name) > maxModeName {
		return fmt.Errorf("%w: name %q must have 1..%d bytes", ErrBadMode, name, maxModeName)
	}
	if err := m.Schema().Validate(); err != nil {
		return fmt.Errorf("mode %q: %w", name, err)
	}
	if _, dup := r.modes[name]; dup {
		return fmt.Errorf("%w: %q", ErrDuplicateMode, name)
	}
	if r.modes == nil {
		r.modes = make(map[string]Mode)
	}
	r.modes[name] = m
	return nil
}

// Lookup returns the mode registered under name.
func (r *Registry) Lookup(name string) (Mode, bool) {
	m, ok := r.modes[name]
	return m, ok
}

// Names returns the registered names in ascending order.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.modes))
	for n := range r.modes {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
