package sioparser

import (
	"strings"
	"testing"
	"time"
)

// TestLargeInputs feeds ~1 MB adversarial inputs to every decoder; each
// must finish in time linear in its input (generous bound for slow CI).
func TestLargeInputs(t *testing.T) {
	const n = 1 << 20
	texts := map[string]string{
		"long number":         `2["a",1` + strings.Repeat("0", n) + `]`,
		"long fraction":       `2["a",0.` + strings.Repeat("0", n) + `1]`,
		"escapes":             `2["a","` + strings.Repeat(`\ud800`, n/6) + `"]`,
		"many placeholders":   `51-["a"` + strings.Repeat(`,{"_placeholder":true,"num":0}`, n/30) + `]`,
		"nesting at limit":    `2["a",` + strings.Repeat("[", MaxDepth-1) + strings.Repeat("]", MaxDepth-1) + `]`,
		"many small arrays":   `2["a"` + strings.Repeat(",[[]]", n/5) + `]`,
		"wide object":         `2["a",{` + strings.Repeat(`"k":1,`, n/6) + `"k":1}]`,
		"unterminated string": `2["a","` + strings.Repeat("x", n),
	}
	for name, s := range texts {
		start := time.Now()
		var d TextDecoder
		d.AddText(s)
		d.AddBinary([]byte{1})
		if el := time.Since(start); el > 2*time.Second {
			t.Errorf("%s: %v", name, el)
		}
	}
	frames := map[string][]byte{
		"deep arrays":  []byte(strings.Repeat("\x91", n)),
		"many nils":    append([]byte("\x83\xa4type\x02\xa4data\xdd\x00\x10\x00\x00\xa1a"), []byte(strings.Repeat("\xc0", n))...),
		"many floats":  append([]byte("\x82\xa4type\x02\xa4data\xdd\x00\x01\x00\x00\xa1a"), []byte(strings.Repeat("\xca\x3f\xc0\x00\x00", n/5))...),
		"invalid utf8": append([]byte("\x82\xa4type\x02\xa4data\x92\xa1a\xdb\x00\x10\x00\x00"), []byte(strings.Repeat("\xff", n))...),
	}
	for name, b := range frames {
		start := time.Now()
		DecodeMsgpack(b)
		Normalize(b)
		MsgpackToJSON(b)
		if el := time.Since(start); el > 2*time.Second {
			t.Errorf("%s: %v", name, el)
		}
	}
}
