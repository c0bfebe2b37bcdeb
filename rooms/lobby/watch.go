package lobby

import (
	"cmp"
	"slices"
	"sync"
	"time"
)

// watchHub runs every lobby:watch of a host. One goroutine owns the
// watchers: it learns from the store which rooms changed (changed, which
// never waits), works out what entered or left each watcher's filtered
// set, and sends each watcher its batched lobby:update, encoded there,
// outside any lock.
type watchHub struct {
	h *Host // static

	mu    sync.Mutex
	dirty map[string]struct{} // guarded by mu: rooms changed since the hub last looked

	wake chan struct{} // cap 1: dirty has news
	cmds chan func()   // work for the hub goroutine
	quit chan struct{} // closed by stop
	once sync.Once

	watchers map[*conn]*watcher // owned by the hub goroutine
}

// watcher is one connection's lobby:watch: the rooms it has been told of
// and the changes not sent yet. Owned by the hub goroutine.
type watcher struct {
	c       *conn
	f       filter
	seen    map[string]bool // room ids in the watcher's view
	changed map[string]bool // entered or changed since the last update
	removed map[string]bool // left the view since the last update
	active  bool            // the watch ack is out
	last    time.Time       // when the last update went out
	timer   *time.Timer     // a flush waiting for the interval
}

func newWatchHub(h *Host) *watchHub {
	hub := &watchHub{
		h: h, dirty: map[string]struct{}{}, wake: make(chan struct{}, 1),
		cmds: make(chan func()), quit: make(chan struct{}), watchers: map[*conn]*watcher{},
	}
	go hub.run()
	return hub
}

func (hub *watchHub) run() {
	for {
		select {
		case <-hub.quit:
			for _, w := range hub.watchers {
				if w.timer != nil {
					w.timer.Stop()
				}
			}
			return
		case fn := <-hub.cmds:
			hub.h.safely("lobby watch", fn)
		case <-hub.wake:
			hub.mu.Lock()
			dirty := hub.dirty
			hub.dirty = map[string]struct{}{}
			hub.mu.Unlock()
			hub.h.safely("lobby watch", func() {
				for id := range dirty {
					e, ok := hub.h.store.Get(id)
					for _, w := range hub.watchers {
						hub.touch(w, id, e.Info, ok)
					}
				}
			})
		}
	}
}

// changed is the store's subscriber: room id changed. It never waits.
func (hub *watchHub) changed(id string) {
	hub.mu.Lock()
	hub.dirty[id] = struct{}{}
	hub.mu.Unlock()
	select {
	case hub.wake <- struct{}{}:
	default:
	}
}

// post hands fn to the hub goroutine; false once the hub has stopped.
func (hub *watchHub) post(fn func()) bool {
	select {
	case hub.cmds <- fn:
		return true
	case <-hub.quit:
		return false
	}
}

// do runs fn on the hub goroutine and waits for it; ErrClosed once the hub
// has stopped.
func (hub *watchHub) do(fn func()) error {
	done := make(chan struct{})
	if !hub.post(func() { fn(); close(done) }) {
		return ErrClosed
	}
	select {
	case <-done:
		return nil
	case <-hub.quit:
		return ErrClosed
	}
}

func (hub *watchHub) stop() { hub.once.Do(func() { close(hub.quit) }) }

// touch records that room id (info, or gone when !ok) entered, changed or
// left w's view, and schedules w's update.
func (hub *watchHub) touch(w *watcher, id string, info *RoomInfo, ok bool) {
	switch {
	case ok && w.f.match(info):
		w.seen[id] = true
		w.changed[id] = true
		delete(w.removed, id)
	case w.seen[id]:
		delete(w.seen, id)
		delete(w.changed, id)
		w.removed[id] = true
	default:
		return
	}
	hub.schedule(w)
}

// schedule sends w's pending changes now if the last update is at least
// LobbyInterval old, else once it is.
func (hub *watchHub) schedule(w *watcher) {
	if !w.active || w.timer != nil || len(w.changed)+len(w.removed) == 0 {
		return
	}
	wait := hub.h.cfg.LobbyInterval - time.Since(w.last)
	if wait <= 0 {
		hub.flush(w)
		return
	}
	w.timer = time.AfterFunc(wait, func() {
		hub.post(func() {
			if hub.watchers[w.c] == w {
				w.timer = nil
				hub.flush(w)
			}
		})
	})
}

// flush emits one lobby:update with w's pending changes: each room as it
// is now, so a batch carries each room once.
func (hub *watchHub) flush(w *watcher) {
	if len(w.changed)+len(w.removed) == 0 {
		return
	}
	rooms := make([]*RoomInfo, 0, len(w.changed))
	for id := range w.changed {
		if e, ok := hub.h.store.Get(id); ok && w.f.match(e.Info) {
			rooms = append(rooms, e.Info)
		} else { // left the view since its change; the store's news of that may still be on its way
			delete(w.seen, id)
			w.removed[id] = true
		}
	}
	slices.SortFunc(rooms, func(a, b *RoomInfo) int { return cmp.Compare(a.ID, b.ID) })
	removed := make([]string, 0, len(w.removed))
	for id := range w.removed {
		removed = append(removed, id)
	}
	slices.Sort(removed)
	_ = w.c.s.Emit(eventLobbyUpdate, LobbyUpdate{Rooms: rooms, Removed: removed})
	clear(w.changed)
	clear(w.removed)
	w.last = time.Now()
}

func (h *Host) watch(c *conn, payload []byte) (any, func(), error) {
	flt, err := h.parseFilter(payload)
	if err != nil {
		return nil, nil, err
	}
	hub := h.hub
	w := &watcher{c: c, f: flt, seen: map[string]bool{}, changed: map[string]bool{}, removed: map[string]bool{}}
	var infos []*RoomInfo
	err = hub.do(func() {
		if old := hub.watchers[c]; old != nil && old.timer != nil {
			old.timer.Stop()
		}
		// A connection that went away while this request waited had its
		// unwatch already (the disconnect handler's, posted after the
		// socket stopped being connected): registering it now would leak.
		if c.s.Connected() {
			hub.watchers[c] = w
		}
		// The changes the store reports from now on reach w through the
		// hub, after this list: none is lost between the two.
		infos = h.selectRooms(&flt, flt.limit)
		for _, info := range infos {
			w.seen[info.ID] = true
		}
	})
	if err != nil {
		return nil, nil, err
	}
	return roomList{Rooms: infos}, func() {
		hub.post(func() {
			if hub.watchers[c] == w {
				w.active = true
				w.last = time.Now()
				hub.schedule(w)
			}
		})
	}, nil
}

func (h *Host) unwatch(c *conn, _ []byte) (any, func(), error) {
	h.hub.unwatch(c)
	return nil, nil, nil
}

// unwatch ends c's watch, if any.
func (hub *watchHub) unwatch(c *conn) {
	_ = hub.do(func() {
		if w := hub.watchers[c]; w != nil {
			if w.timer != nil {
				w.timer.Stop()
			}
			delete(hub.watchers, c)
		}
	})
}
