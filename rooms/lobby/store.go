package lobby

import (
	"crypto/rand"
	"encoding/binary"
	"sync"
	"sync/atomic"
)

// Store is the lobby's registry of rooms: what lobby:list, lobby:watch and
// room:join read to show and find rooms. The host adds its own rooms and
// publishes every change through the Listing Add returns; the store tells
// its subscribers (the lobby's watchers) which rooms changed. NewMemStore
// holds one host's rooms; a cluster's store holds every node's
// (docs/design.md).
//
// Every method is safe for concurrent use and returns at once.
type Store interface {
	// Add registers a new room of this host, given its first RoomInfo, under
	// a new join code unique in the store, which Add writes into
	// info.Code before anyone can see the room.
	Add(info *RoomInfo) (Listing, error)
	// Get returns the room with that id.
	Get(id string) (Entry, bool)
	// ByCode returns the room with that join code (upper case).
	ByCode(code string) (Entry, bool)
	// List appends every room in the store to dst, in no order.
	List(dst []Entry) []Entry
	// Subscribe calls changed with a room's id after each change of it:
	// added, updated or removed (Get then tells what it is now). changed
	// must return at once; it may run on any goroutine, a room's own
	// included.
	Subscribe(changed func(id string))
}

// Listing is one room of this host in a Store. Its methods never wait:
// Update is called on the room's own goroutine, which must never wait for
// a lobby scan.
type Listing interface {
	// Update publishes the room's new RoomInfo.
	Update(info *RoomInfo)
	// Remove withdraws the room; later calls do nothing.
	Remove()
}

// Entry is a room as a Store holds it.
type Entry struct {
	// Info is the room as last published.
	Info *RoomInfo
	// Node is the cluster node that runs the room; empty for this host.
	Node string
}

// memStore is the Store of a host that runs alone: this host's rooms in
// maps under a lock held only for map operations; a room's published info
// is swapped without it.
type memStore struct {
	subs atomic.Pointer[[]func(string)] // copied on Subscribe

	mu     sync.RWMutex
	byID   map[string]*memListing // guarded by mu
	byCode map[string]*memListing // guarded by mu
}

// memListing is a room in a memStore.
type memListing struct {
	s    *memStore // static
	id   string    // static
	code string    // static
	info atomic.Pointer[RoomInfo]
}

// NewMemStore returns the store of a host that runs alone.
func NewMemStore() Store {
	return &memStore{byID: map[string]*memListing{}, byCode: map[string]*memListing{}}
}

func (s *memStore) Add(info *RoomInfo) (Listing, error) {
	l := &memListing{s: s, id: info.ID}
	s.mu.Lock()
	for {
		info.Code = NewCode()
		if _, taken := s.byCode[info.Code]; !taken {
			break
		}
	}
	l.code = info.Code
	l.info.Store(info)
	s.byID[l.id], s.byCode[l.code] = l, l
	s.mu.Unlock()
	s.notify(l.id)
	return l, nil
}

func (l *memListing) Update(info *RoomInfo) {
	l.info.Store(info)
	l.s.notify(l.id)
}

func (l *memListing) Remove() {
	s := l.s
	s.mu.Lock()
	ok := s.byID[l.id] == l
	if ok {
		delete(s.byID, l.id)
		delete(s.byCode, l.code)
	}
	s.mu.Unlock()
	if ok {
		s.notify(l.id)
	}
}

func (s *memStore) Get(id string) (Entry, bool) { return s.lookup(s.byID, id) }

func (s *memStore) ByCode(code string) (Entry, bool) { return s.lookup(s.byCode, code) }

func (s *memStore) lookup(m map[string]*memListing, key string) (Entry, bool) {
	s.mu.RLock()
	l := m[key]
	s.mu.RUnlock()
	if l == nil {
		return Entry{}, false
	}
	return Entry{Info: l.info.Load()}, true
}

func (s *memStore) List(dst []Entry) []Entry {
	s.mu.RLock()
	for _, l := range s.byID {
		dst = append(dst, Entry{Info: l.info.Load()})
	}
	s.mu.RUnlock()
	return dst
}

func (s *memStore) Subscribe(changed func(string)) {
	for {
		old := s.subs.Load()
		var subs []func(string)
		if old != nil {
			subs = append(subs, *old...)
		}
		subs = append(subs, changed)
		if s.subs.CompareAndSwap(old, &subs) {
			return
		}
	}
}

func (s *memStore) notify(id string) {
	if subs := s.subs.Load(); subs != nil {
		for _, fn := range *subs {
			fn(id)
		}
	}
}

// codeAlphabet is the join code alphabet: no look-alike characters (no I,
// L, O, 0, 1).
const codeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// NewCode returns a 6-character join code from crypto/rand, in the code
// alphabet (no look-alike characters). A Store that picks codes uses it.
func NewCode() string {
	var r [8]byte
	_, _ = rand.Read(r[:]) // never fails (crypto/rand, Go 1.24+)
	n := binary.LittleEndian.Uint64(r[:])
	var b [6]byte
	for i := range b {
		b[i] = codeAlphabet[n%uint64(len(codeAlphabet))]
		n /= uint64(len(codeAlphabet))
	}
	return string(b[:])
}
