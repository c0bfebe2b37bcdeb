package rooms

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/tickroom/tickroom/game"
)

// TestJoinGivenUpHasNoEffect: a Join whose caller stops waiting (the host answers INTERNAL)
// leaves no player in the room, whether the room had not reached it yet (a stalled tick)
// or was running it (a mode slow in Join); the same player can join afterwards.
func TestJoinGivenUpHasNoEffect(t *testing.T) {
	t.Run("queued", func(t *testing.T) {
		mode, h := newProbe(20)
		r := startRoom(t, mode, nil)
		defer r.stop()
		h.mu.Lock()
		h.sleepAt[3] = 400 * time.Millisecond // tick 3 stalls the room
		h.mu.Unlock()
		for len(h.stepTimes()) < 3 {
			time.Sleep(5 * time.Millisecond)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		_, err := r.Join(ctx, game.Player{ID: 1}, newFakePeer("late", probeSchema))
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Join during a stall: %v, want the deadline", err)
		}
		time.Sleep(500 * time.Millisecond) // the stall ends, ticks run
		h.mu.Lock()
		joined := slices.Clone(h.joined)
		h.mu.Unlock()
		if len(joined) != 0 {
			t.Fatalf("the abandoned join reached the game: %v", joined)
		}
		if _, err := r.Join(context.Background(), game.Player{ID: 1}, newFakePeer("again", probeSchema)); err != nil {
			t.Fatalf("joining again: %v", err)
		}
	})
	t.Run("running", func(t *testing.T) {
		mode, h := newProbe(20)
		r := startRoom(t, mode, nil)
		defer r.stop()
		gate := make(chan struct{})
		h.mu.Lock()
		h.joinGate = gate
		h.mu.Unlock()
		peer := newFakePeer("slow", probeSchema)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		_, err := r.Join(ctx, game.Player{ID: 1}, peer)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Join stuck in the mode: %v, want the deadline", err)
		}
		h.mu.Lock()
		h.joinGate = nil
		h.mu.Unlock()
		close(gate)
		time.Sleep(200 * time.Millisecond)
		h.mu.Lock()
		joined, left := slices.Clone(h.joined), slices.Clone(h.left)
		h.mu.Unlock()
		if !slices.Equal(joined, []game.PlayerID{1}) || !slices.Equal(left, []game.PlayerID{1}) {
			t.Fatalf("the join that finished after its caller gave up was not undone: joined %v, left %v", joined, left)
		}
		if n := len(peer.snaps()); n != 0 {
			t.Fatalf("the abandoned player's connection got %d snapshots", n)
		}
		if _, err := r.Join(context.Background(), game.Player{ID: 1}, newFakePeer("again", probeSchema)); err != nil {
			t.Fatalf("joining again: %v", err)
		}
	})
}
