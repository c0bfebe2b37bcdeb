package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// The Agones SDK sidecar over its REST API (docs/operations.md, "Agones"):
// POST /ready once the server listens, POST /health every HealthPeriod
// while the tick scheduler is alive (none while it stalls: Agones then
// marks the GameServer Unhealthy), the `players` and `rooms` counters
// (PATCH /v1beta1/counters/{name}) whenever they change, and POST
// /shutdown when the server shuts down (the end of a drain). The sidecar
// may start after the server: Ready is retried until it answers.

// agonesTimeout bounds one call to the sidecar.
const agonesTimeout = 2 * time.Second

type agones struct {
	s      *Server       // static
	url    string        // static: the sidecar's base URL
	period time.Duration // static
	client *http.Client  // static
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// owned by the loop goroutine
	ready            bool
	live             bool // the last round found the server live
	players, roomsN  int64
	countersReported bool
}

func newAgones(s *Server, c AgonesConfig) *agones {
	ctx, cancel := context.WithCancel(context.Background())
	return &agones{
		s: s, url: c.URL, period: c.HealthPeriod, ctx: ctx, cancel: cancel, live: true,
		client: &http.Client{Timeout: agonesTimeout},
	}
}

func (a *agones) start() {
	a.wg.Add(1)
	go a.loop()
}

// stop ends the loop, then tells the sidecar the server is shutting down:
// even when the shutdown's own time ran out (a call is bounded anyway), or
// Agones would wait for a GameServer that is gone.
func (a *agones) stop(ctx context.Context) {
	a.cancel()
	a.wg.Wait()
	if err := a.call(context.WithoutCancel(ctx), http.MethodPost, "/shutdown", "{}"); err != nil {
		a.s.log.Warn("tickroom: agones: shutdown", "err", err)
		return
	}
	a.s.log.Info("tickroom: agones: shutdown sent")
}

// loop is the reporter's goroutine: Ready, then one round of health and
// counters every period.
func (a *agones) loop() {
	defer a.wg.Done()
	a.round(a.ctx)
	t := time.NewTicker(a.period)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			a.round(a.ctx)
		case <-a.ctx.Done():
			return
		}
	}
}

// round does one period's work.
func (a *agones) round(ctx context.Context) {
	log := a.s.log
	if !a.ready {
		if err := a.call(ctx, http.MethodPost, "/ready", "{}"); err != nil {
			log.Warn("tickroom: agones: ready (retrying)", "err", err)
			return
		}
		a.ready = true
		log.Info("tickroom: agones: ready")
	}
	live, why := a.s.ops.mon.live(time.Now())
	if live {
		if err := a.call(ctx, http.MethodPost, "/health", "{}"); err != nil {
			log.Warn("tickroom: agones: health", "err", err)
		}
	}
	if live != a.live {
		a.live = live
		if live {
			log.Info("tickroom: agones: live again: health pings resume")
		} else {
			log.Error("tickroom: agones: health pings stop: not live", "why", why)
		}
	}
	st := a.s.host.Stats()
	players, roomsN := int64(st.Seats), int64(st.Rooms)
	if a.countersReported && players == a.players && roomsN == a.roomsN {
		return
	}
	okP := a.counter(ctx, "players", players)
	okR := a.counter(ctx, "rooms", roomsN)
	if okP && okR {
		a.players, a.roomsN, a.countersReported = players, roomsN, true
	}
}

// counter sets a counter's count; the GameServer must declare it (the
// sample Fleet in docs/deploy does).
func (a *agones) counter(ctx context.Context, name string, n int64) bool {
	body := `{"count":"` + strconv.FormatInt(n, 10) + `"}`
	if err := a.call(ctx, http.MethodPatch, "/v1beta1/counters/"+name, body); err != nil {
		a.s.log.Warn("tickroom: agones: counter", "counter", name, "err", err)
		return false
	}
	return true
}

// call sends one request to the sidecar and expects a 2xx.
func (a *agones) call(ctx context.Context, method, path, body string) error {
	ctx, cancel := context.WithTimeout(ctx, agonesTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, a.url+path, bytes.NewReader([]byte(body)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := a.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(res.Body, 512))
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, path, res.Status, bytes.TrimSpace(msg))
	}
	return nil
}
