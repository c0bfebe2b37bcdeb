package sioparser

import (
	"bytes"
	"encoding/hex"
	"math"
	"strings"
	"testing"

	"github.com/tickroom/tickroom/internal/mpwire"
)

// h turns spaced hex into bytes.
func h(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// textUnsafe reports whether canonical data may legitimately change on a
// trip through JSON: non-finite floats become null, and a map with a
// "_placeholder" key may be read back as an attachment.
func textUnsafe(data []byte) bool {
	if bytes.Contains(data, []byte("_placeholder")) {
		return true
	}
	bad := false
	walkValues(data, func(hd mpwire.Head) {
		if hd.Kind == mpwire.Float && (math.IsNaN(hd.Float()) || math.IsInf(hd.Float(), 0)) {
			bad = true
		}
	})
	return bad
}

// walkValues calls fn for every value header of well-formed data.
func walkValues(b []byte, fn func(mpwire.Head)) {
	var walk func(i int) int
	walk = func(i int) int {
		hd, j, err := mpwire.ReadHead(b, i)
		if err != nil {
			return len(b)
		}
		fn(hd)
		switch hd.Kind {
		case mpwire.Str, mpwire.Bin, mpwire.Ext:
			return j + hd.N
		case mpwire.Array:
			for k := 0; k < hd.N; k++ {
				j = walk(j)
			}
		case mpwire.Map:
			for k := 0; k < 2*hd.N; k++ {
				j = walk(j)
			}
		}
		return j
	}
	walk(0)
}
