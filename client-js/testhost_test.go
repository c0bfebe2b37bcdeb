package clientjs

import (
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/arena"
	"github.com/tickroom/tickroom/internal/testhost"
	"github.com/tickroom/tickroom/rooms/lobby"
)

// stuckRequestTimeout is the in-process server's lobby.Config.RequestTimeout.
const stuckRequestTimeout = 300 * time.Millisecond

// stuckMode is a game mode whose Join never returns until release is closed: a mode stuck in
// its own code, which the host answers with INTERNAL once RequestTimeout passes.
type stuckMode struct{ release <-chan struct{} }

var stuckSchema = &game.Schema{
	Kinds: []game.EntityKind{{Name: "dot", Fields: []game.Field{{Name: "pid", Kind: game.KindInt}}}},
}

func (stuckMode) Name() string         { return "stuck" }
func (stuckMode) Schema() *game.Schema { return stuckSchema }
func (stuckMode) Configure(game.Options) (game.Settings, error) {
	return game.Settings{MinPlayers: 1, MaxPlayers: 4, MaxPlayersLimit: 4, TickRate: 10, SnapshotRate: 10}, nil
}
func (m stuckMode) New(*game.Context) game.Game { return &stuckGame{release: m.release} }

type stuckGame struct {
	game.BaseGame
	release <-chan struct{}
}

// Join blocks the room goroutine until the test ends.
func (g *stuckGame) Join(game.Player) { <-g.release }

// startTestHost serves, in this process on 127.0.0.1, a lobby.Host with the arena, the stuck
// mode and the shop (shopmode_test.go) and a RequestTimeout of stuckRequestTimeout, and returns
// its URL; static, when not nil, serves every path outside /socket.io/ (pages that connect to
// their own origin). When the test ends the stuck joins are released, and the host must then
// shut down cleanly.
func startTestHost(t *testing.T, static http.Handler) string {
	t.Helper()
	release := make(chan struct{})
	hc := lobby.DefaultConfig()
	hc.RequestTimeout = stuckRequestTimeout
	// No room is disposed while the tests run: disposal closes an empty room within
	// RequestTimeout or gives up, and a stuck room it gave up on (its Join blocked) would
	// run on unlisted after the release, where Shutdown no longer finds it.
	hc.EmptyTimeout = time.Hour
	hc.Logger = slog.New(slog.NewTextHandler(io.Discard, nil)) // "request failed" is expected
	hc.Room.Logger = hc.Logger
	_, url := testhost.StartWith(t, &hc, static, arena.Mode{}, stuckMode{release: release}, shopMode{})
	t.Cleanup(func() { close(release) }) // runs before the host's shutdown, which must then be clean
	return url
}
