package sioparser

import (
	"bytes"
	"encoding/hex"
	"math"
	"strings"
	"testing"
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
	walkValues(data, func(hd head) {
		if hd.kind == kFloat && (math.IsNaN(hd.float()) || math.IsInf(hd.float(), 0)) {
			bad = true
		}
	})
	return bad
}

// walkValues calls fn for every value header of well-formed data.
func walkValues(b []byte, fn func(head)) {
	var walk func(i int) int
	walk = func(i int) int {
		hd, j, err := readHead(b, i)
		if err != nil {
			return len(b)
		}
		fn(hd)
		switch hd.kind {
		case kStr, kBin, kExt:
			return j + hd.n
		case kArray:
			for k := 0; k < hd.n; k++ {
				j = walk(j)
			}
		case kMap:
			for k := 0; k < 2*hd.n; k++ {
				j = walk(j)
			}
		}
		return j
	}
	walk(0)
}
