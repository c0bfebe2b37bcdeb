package lobby

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestHMACVerifier(t *testing.T) {
	v := NewHMACVerifier([]byte("0123456789abcdef0123456789abcdef"))
	now := time.Unix(1_700_000_000, 0)
	v.now = func() time.Time { return now }
	tok := v.Sign(Identity{Subject: "u1", Name: "Ada"}, now.Add(time.Minute))
	id, err := v.Verify(tok)
	if err != nil || id.Subject != "u1" || id.Name != "Ada" {
		t.Fatalf("Verify(good) = %+v, %v", id, err)
	}
	other := NewHMACVerifier([]byte("another key, also 32 bytes long."))
	head, sig, _ := strings.Cut(tok, ".")
	bad := map[string]string{
		"empty":     "",
		"no dot":    head,
		"tampered":  head + "x." + sig,
		"bad sig":   head + "." + sig[:len(sig)-2] + "AA",
		"other key": other.Sign(Identity{Subject: "u1"}, now.Add(time.Minute)),
		"expired":   v.Sign(Identity{Subject: "u1"}, now),
		"no sub":    v.Sign(Identity{Name: "x"}, now.Add(time.Minute)),
	}
	for name, tok := range bad {
		if _, err := v.Verify(tok); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("%s: err %v, want ErrUnauthorized", name, err)
		}
	}
}

func TestCleanName(t *testing.T) {
	def := func() string { return "DEF" }
	cases := []struct {
		in   any
		max  int
		want string
	}{
		{"  Ada  ", 24, "Ada"},
		{"A\u0007d\u200ba", 24, "Ada"},
		{" \u200b \t", 24, "DEF"},
		{42, 24, "DEF"},
		{nil, 24, "DEF"},
		{strings.Repeat("é", 30), 24, strings.Repeat("é", 24)},
		{"abc" + strings.Repeat(" ", 30) + "d", 24, "abc"},
	}
	for _, c := range cases {
		if got := cleanName(c.in, c.max, def); got != c.want {
			t.Errorf("cleanName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := defaultPlayerName(); len(got) != 11 || !strings.HasPrefix(got, "player-") || strings.Trim(got[7:], "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") != "" {
		t.Errorf("default name %q", got)
	}
}
