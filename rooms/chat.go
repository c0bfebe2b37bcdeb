package rooms

import (
	"sync"
	"time"
	"unicode/utf8"

	"github.com/tickroom/tickroom/netio/socketio"
)

// Chat limits of the contract: 1..200 code points after trimming, a bucket
// of 1 message a second with a burst of 5 per connection.
const (
	chatMaxLen = 200
	chatRate   = 1.0
	chatBurst  = 5.0
)

// chatKey is where a socket keeps its chat bucket.
const chatKey = "tickroom.chat"

// bucket is a token bucket; its zero value is full.
type bucket struct {
	mu     sync.Mutex
	tokens float64
	at     time.Time
}

// take spends one token if there is one.
func (b *bucket) take(now time.Time, rate, burst float64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.at.IsZero() {
		b.tokens = burst
	} else {
		b.tokens = min(burst, b.tokens+now.Sub(b.at).Seconds()*rate)
	}
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func chatBucket(s *socketio.Socket) *bucket {
	if b, ok := s.Get(chatKey).(*bucket); ok {
		return b
	}
	b := &bucket{}
	s.Set(chatKey, b) // requests of one socket run one at a time
	return b
}

func (h *Host) chat(s *socketio.Socket, payload []byte) (map[string]any, func(), error) {
	f, err := decodeFields(payload)
	if err != nil {
		return nil, nil, err
	}
	text, ok, err := f.str("text", 0)
	if err != nil {
		return nil, nil, err
	}
	text = trimSpace(text)
	if n := utf8.RuneCountInString(text); !ok || n < 1 || n > chatMaxLen {
		return nil, nil, reqErr(CodeBadRequest, "text must be 1..200 characters after trimming")
	}
	if !chatBucket(s).take(time.Now(), chatRate, chatBurst) {
		return nil, nil, reqErr(CodeRateLimited, "at most 1 chat message a second (burst 5)")
	}
	ref := seatOf(s)
	if ref == nil {
		return nil, nil, reqErr(CodeNotInRoom, "you are not in a room")
	}
	return nil, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if ref.hr.players[ref.id] != ref {
			return
		}
		msg := map[string]any{"from": uint32(ref.id), "name": ref.name, "text": text, "at": time.Now().UnixMilli()}
		h.roomEventLocked(ref.hr, "room:chat", msg, 0)
	}, nil
}
