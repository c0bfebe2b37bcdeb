package lobby

import (
	"fmt"

	"github.com/tickroom/tickroom/game"
)

// LaunchIdle launches n rooms of mode with its default settings, named "<name> <i>", with no
// one seated: it fills a lobby for the external tests without a connection per room.
func (h *Host) LaunchIdle(mode game.Mode, n int, name string) error {
	settings, err := mode.Configure(game.Options{})
	if err != nil {
		return err
	}
	for i := range n {
		if _, err := h.launch(mode, settings, roomSpec{name: fmt.Sprintf("%s %d", name, i)}); err != nil {
			return err
		}
	}
	return nil
}
