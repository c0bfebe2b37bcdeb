package server_test

import (
	"errors"
	"testing"
	"time"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/arena"
	"github.com/tickroom/tickroom/netio/socketio"
	"github.com/tickroom/tickroom/rooms/lobby"
	"github.com/tickroom/tickroom/rooms/server"
)

// TestConfigValidate: every way a Config cannot run fails Validate and New with ErrBadConfig
// (and the part's own sentinel where it has one); zero fields are valid.
func TestConfigValidate(t *testing.T) {
	withModes := func(change func(c *server.Config)) server.Config {
		c := server.DefaultConfig()
		c.Modes = []game.Mode{counter{}}
		change(&c)
		return c
	}
	badSIO := socketio.DefaultConfig()
	badSIO.ConnectTimeout = 0
	rootSIO := socketio.DefaultConfig()
	rootSIO.Engine.Path = "/"
	for _, c := range []struct {
		name string
		cfg  server.Config
		also error // a second sentinel the error wraps, or nil
	}{
		{"defaults without modes", server.DefaultConfig(), nil},
		{"zero without modes", server.Config{}, nil},
		{"a nil mode", withModes(func(c *server.Config) { c.Modes = append(c.Modes, nil) }), game.ErrBadMode},
		{"two modes of one name", withModes(func(c *server.Config) { c.Modes = append(c.Modes, counter{}) }), game.ErrDuplicateMode},
		{"modes in the lobby", withModes(func(c *server.Config) {
			c.Lobby.Modes = game.NewRegistry()
			_ = c.Lobby.Modes.Register(arena.Mode{})
		}), nil},
		{"negative shutdown timeout", withModes(func(c *server.Config) { c.ShutdownTimeout = -time.Second }), nil},
		{"negative seat grace", withModes(func(c *server.Config) { c.Lobby.Grace = -time.Second }), lobby.ErrBadConfig},
		{"bad Socket.IO config", withModes(func(c *server.Config) { c.SocketIO = &badSIO }), nil},
		{"Socket.IO at /", withModes(func(c *server.Config) { c.SocketIO = &rootSIO }), nil},
	} {
		err := c.cfg.Validate()
		if !errors.Is(err, server.ErrBadConfig) || c.also != nil && !errors.Is(err, c.also) {
			t.Errorf("%s: Validate: %v, want %v and %v", c.name, err, server.ErrBadConfig, c.also)
		}
		if srv, err := server.New(&c.cfg); !errors.Is(err, server.ErrBadConfig) {
			t.Errorf("%s: New: %v, %v", c.name, srv, err)
		}
	}
	if _, err := server.New(nil); !errors.Is(err, server.ErrBadConfig) {
		t.Errorf("New(nil): %v, want ErrBadConfig (the defaults have no modes)", err)
	}
	for name, cfg := range map[string]server.Config{
		"zero with modes":      {Modes: []game.Mode{counter{}, arena.Mode{}}},
		"defaults with modes":  withModes(func(*server.Config) {}),
		"an empty lobby.Modes": withModes(func(c *server.Config) { c.Lobby.Modes = game.NewRegistry() }),
		"the lobby's defaults": withModes(func(c *server.Config) { c.Lobby = lobby.DefaultConfig() }),
		"Socket.IO's defaults": withModes(func(c *server.Config) { c.SocketIO = nil }),
		"Socket.IO path no /":  withModes(func(c *server.Config) { c.SocketIO.Engine.Path = "/game" }),
	} {
		if err := cfg.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
