package lobby

import (
	"time"
	"unicode/utf8"

	"github.com/tickroom/tickroom/rooms"
)

// chatMaxLen is the longest chat text, in code points after cleaning.
const chatMaxLen = 200

func (h *Host) chat(c *conn, payload []byte) (any, func(), error) {
	f, err := decodeFields(payload)
	if err != nil {
		return nil, nil, err
	}
	text, ok, err := f.str(keyText, 0)
	if err != nil {
		return nil, nil, err
	}
	text = cleanText(text)
	if n := utf8.RuneCountInString(text); !ok || n < 1 || n > chatMaxLen {
		return nil, nil, reqErr(CodeBadRequest, "text must be 1..200 characters after trimming")
	}
	if l := &h.cfg.Limits; !c.chat.take(time.Now(), l.ChatRate, l.ChatBurst) {
		h.refuse(RefusedChatRate, c)
		return nil, nil, reqErr(CodeRateLimited, "too many chat messages")
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
