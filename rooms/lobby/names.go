package lobby

import (
	"crypto/rand"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tickroom/tickroom/netio/socketio"
)

// The contract's text rules (docs/protocol.md, "Payloads and errors"):
// names, room names, chat text and meta string values lose their control
// and format characters (terminal escapes, bidi overrides, CR LF) and the
// white space around them.

// cleanText drops control and format characters (and invalid UTF-8) from s
// and trims the white space around what is left.
func cleanText(s string) string {
	clean := strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, s)
	return trimSpace(clean)
}

// cleanName applies the contract's name rules: trim, drop control and
// format characters, trim again, cut to max code points; empty gets def.
// A value that is not a string counts as empty.
func cleanName(v any, max int, def func() string) string {
	s, _ := v.(string)
	str := []rune(cleanText(s))
	if len(str) > max {
		str = []rune(trimSpace(string(str[:max])))
	}
	if len(str) == 0 {
		return def()
	}
	return string(str)
}

func trimSpace(s string) string {
	start, end := 0, len(s)
	for start < end {
		r, n := utf8.DecodeRuneInString(s[start:])
		if !unicode.IsSpace(r) {
			break
		}
		start += n
	}
	for end > start {
		r, n := utf8.DecodeLastRuneInString(s[:end])
		if !unicode.IsSpace(r) {
			break
		}
		end -= n
	}
	return s[start:end]
}

// defaultPlayerName is "player-" and 4 characters of [A-Z2-7] (the
// contract's Details).
func defaultPlayerName() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	var r [4]byte
	_, _ = rand.Read(r[:]) // never fails (crypto/rand, Go 1.24+)
	for i, b := range r {
		r[i] = alphabet[b%32]
	}
	return "player-" + string(r[:])
}

// playerName is the socket's handshake name under the contract's rules.
// A verified token's name comes first.
func playerName(s *socketio.Socket) string {
	auth := s.Handshake().Auth
	hsName := func() string { return cleanName(auth["name"], 24, defaultPlayerName) }
	if id, ok := s.Get(identityKey).(Identity); ok && id.Name != "" {
		return cleanName(id.Name, 24, hsName)
	}
	return hsName()
}
