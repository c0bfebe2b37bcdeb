package rooms

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tickroom/tickroom/game"
)

// apiMode exercises the v2 mode API: room:message handlers, tick timers,
// targeted room:events and the lifecycle hooks. Everything it sees goes
// into a log the test reads.
type apiMode struct{ l *apiLog }

type apiLog struct {
	mu  sync.Mutex
	got []string
}

func (l *apiLog) add(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.got = append(l.got, fmt.Sprintf(format, args...))
}

func (l *apiLog) lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.got)
}

func (apiMode) Name() string         { return "api" }
func (apiMode) Schema() *game.Schema { return probeSchema }
func (apiMode) Configure(game.Options) (game.Settings, error) {
	return game.Settings{MinPlayers: 1, MaxPlayers: 4, MaxPlayersLimit: 4, TickRate: 20, SnapshotRate: 20, JoinInProgress: true, MatchTicks: 40}, nil
}
func (m apiMode) New(c *game.Context) game.Game {
	g := &apiGame{l: m.l, c: c}
	c.Messages.Handle("echo", func(msg game.Message) (any, error) {
		m.l.add("msg %s from %d at tick %d", msg.Type, msg.From, c.World.Tick())
		var v any
		if err := msg.Decode(&v); err != nil {
			return nil, err
		}
		return v, nil
	})
	c.Messages.Handle("no", func(game.Message) (any, error) { return nil, errors.New("not today") })
	c.Messages.Handle("whisper", func(msg game.Message) (any, error) {
		c.EmitTo(msg.From, "secret", map[string]any{"n": 1})
		c.EmitExcept([]game.PlayerID{msg.From}, "gossip", map[string]any{"n": 2})
		return nil, nil
	})
	c.Timers.After(3, func() { m.l.add("after3 at tick %d", c.World.Tick()) })
	c.Timers.Every(10, func() { m.l.add("every10 at tick %d", c.World.Tick()) })
	return g
}

type apiGame struct {
	game.BaseGame
	l *apiLog
	c *game.Context
}

func (g *apiGame) DecodeInput([]byte) (any, error) { return nil, nil }
func (g *apiGame) Input(id game.PlayerID, _ any) {
	g.l.add("input from %d at tick %d", id, g.c.World.Tick())
}
func (g *apiGame) Start()                                  { g.l.add("start at tick %d", g.c.World.Tick()) }
func (g *apiGame) MatchEnded(r map[string]any)             { g.l.add("ended at tick %d", g.c.World.Tick()) }
func (g *apiGame) Dispose(reason string)                   { g.l.add("disposed: %s", reason) }
func (g *apiGame) Results() map[string]any                 { return map[string]any{"winner": 1} }
func (g *apiGame) View(game.PlayerID, func(game.EntityID)) {}

// message sends m to the room and returns its answer.
func message(rr *running, m game.Message) (reply any, err error) {
	if rerr := rr.Message(context.Background(), m, func(rep any, e error) { reply, err = rep, e }); rerr != nil {
		return nil, rerr
	}
	return reply, err
}

// TestMessagesAndInputsInATick: a room:message is handled when it arrives,
// between ticks, and its changes belong to the next tick, whose inputs
// come after it; the reply goes back;
// an unknown type is game.ErrNoHandler, a refusal a *RefusedError, a
// sender without a seat ErrNotSeated.
func TestMessagesAndInputsInATick(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := &apiLog{}
		rr := startRoom(t, apiMode{l}, quietConfig())
		seat := rr.mustJoin(t, 1, newFakePeer("p1", probeSchema))
		time.Sleep(120 * time.Millisecond) // a few ticks
		synctest.Wait()
		seat.PushInput(input(t, map[string]any{"seq": 1}))
		var reply any
		var err error
		done := make(chan struct{})
		go func() {
			reply, err = message(rr, game.Message{From: 1, Type: "echo", Data: []byte("\xa2hi")})
			close(done)
		}()
		<-done
		if err != nil || reply != "hi" {
			t.Fatalf("echo: %v, %v", reply, err)
		}
		time.Sleep(50 * time.Millisecond) // the next tick applies the input
		synctest.Wait()
		var msgTick, inputTick int
		for _, line := range l.lines() {
			if _, e := fmt.Sscanf(line, "msg echo from 1 at tick %d", &msgTick); e == nil {
				continue
			}
			_, _ = fmt.Sscanf(line, "input from 1 at tick %d", &inputTick)
		}
		if msgTick == 0 || msgTick != inputTick {
			t.Fatalf("message at tick %d, input at tick %d: want the same tick (log %q)", msgTick, inputTick, l.lines())
		}
		if i, j := slices.Index(l.lines(), fmt.Sprintf("msg echo from 1 at tick %d", msgTick)), slices.Index(l.lines(), fmt.Sprintf("input from 1 at tick %d", inputTick)); i > j {
			t.Fatalf("the input ran before the message in tick %d: %q", msgTick, l.lines())
		}
		if _, err := message(rr, game.Message{From: 1, Type: "nope"}); !errors.Is(err, game.ErrNoHandler) {
			t.Fatalf("unknown type: %v", err)
		}
		var refused *RefusedError
		if _, err := message(rr, game.Message{From: 1, Type: "no"}); !errors.As(err, &refused) || refused.Reason != "not today" {
			t.Fatalf("refusal: %v", err)
		}
		if _, err := message(rr, game.Message{From: 9, Type: "echo"}); !errors.Is(err, ErrNotSeated) {
			t.Fatalf("not seated: %v", err)
		}
		if err := rr.stop(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestTimersAndHooks: the game's timers fire on their ticks, Start, MatchEnded
// and Dispose are called once each at their moment, and the timers stop with
// the room.
func TestTimersAndHooks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := &apiLog{}
		cfg := quietConfig()
		cfg.EndedLinger = time.Second
		rr := startRoom(t, apiMode{l}, cfg)
		rr.mustJoin(t, 1, newFakePeer("p1", probeSchema))
		time.Sleep(500 * time.Millisecond) // ten more ticks
		synctest.Wait()
		if err := rr.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Second) // the 40-tick match ends, the room lingers 1 s and closes
		synctest.Wait()
		if err := <-rr.err; err != nil {
			t.Fatal(err)
		}
		// The join took tick 1, so Start is asked after tick 11: it runs in tick 12, and the
		// 40-tick match ends in tick 52.
		want := []string{"after3 at tick 3", "every10 at tick 10", "start at tick 12",
			"every10 at tick 20", "every10 at tick 30", "every10 at tick 40", "every10 at tick 50",
			"ended at tick 52", "disposed: ended"}
		if got := l.lines(); !slices.Equal(got, want) {
			t.Fatalf("log:\n%q\nwant:\n%q", got, want)
		}
	})
}

// TestEmitToAndExcept: room:event to one player, and to all but some.
func TestEmitToAndExcept(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rr := startRoom(t, apiMode{&apiLog{}}, quietConfig())
		p1, p2, p3 := newFakePeer("p1", probeSchema), newFakePeer("p2", probeSchema), newFakePeer("p3", probeSchema)
		rr.mustJoin(t, 1, p1)
		rr.mustJoin(t, 2, p2)
		rr.mustJoin(t, 3, p3)
		if _, err := message(rr, game.Message{From: 2, Type: "whisper"}); err != nil {
			t.Fatal(err)
		}
		types := func(p *fakePeer) []string {
			var out []string
			for _, e := range p.eventList() {
				if e.name == EventRoom {
					out = append(out, e.args[0].(map[string]any)["type"].(string))
				}
			}
			return out
		}
		if got := types(p2); !slices.Equal(got, []string{"secret"}) {
			t.Errorf("sender got %v, want [secret]", got)
		}
		for _, p := range []*fakePeer{p1, p3} {
			if got := types(p); !slices.Equal(got, []string{"gossip"}) {
				t.Errorf("%s got %v, want [gossip]", p.name, got)
			}
		}
		if err := rr.stop(); err != nil {
			t.Fatal(err)
		}
	})
}
