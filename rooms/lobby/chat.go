package lobby

import (
	"sync"
	"time"
	"unicode/utf8"

	"github.com/tickroom/tickroom/rooms"
)

// Chat limits of the contract: 1..200 code points after trimming, a bucket
// of 1 message a second with a burst of 5 per connection.
const (
	chatMaxLen = 200
	chatRate   = 1.0
	chatBurst  = 5.0
)

// bucket is a token bucket; its zero value is full.
type bucket struct {
	mu     sync.Mutex
	tokens float64   // guarded by mu
	at     time.Time // guarded by mu: when tokens was last brought up to date
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

func (h *Host) chat(c *conn, payload []byte) (any, func(), error) {
	f, err := decodeFields(payload)
	if err != nil {
		return nil, nil, err
	}
	text, ok, err := f.str(keyText, 0)
	if err != nil {
		return nil, nil, err
	}
	text = trimSpace(text)
	if n := utf8.RuneCountInString(text); !ok || n < 1 || n > chatMaxLen {
		return nil, nil, reqErr(CodeBadRequest, "text must be 1..200 characters after trimming")
	}
	if !c.chat.take(time.Now(), chatRate, chatBurst) {
		return nil, nil, reqErr(CodeRateLimited, "at most 1 chat message a second (burst 5)")
	}
	ref := c.seat.Load()
	if ref == nil {
		return nil, nil, errNotInRoom
	}
	// The sender gets its own room:chat too, after the ack.
	return nil, func() {
		_ = h.inRoom(ref, func() error {
			msg := ChatEvent{From: ref.id, Name: ref.name, Text: text, At: time.Now().UnixMilli()}
			h.roomEvent(ref.hr, rooms.NewEvent(eventChat, msg), 0)
			return nil
		})
	}, nil
}
