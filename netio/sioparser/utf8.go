package sioparser

import "unicode/utf8"

// Node decodes UTF-8 as the WHATWG Encoding standard says: each maximal
// subpart of an ill-formed sequence becomes one U+FFFD. Strings are repaired
// the same way here, so the server sees what a Node server would see.

func validUTF8(s []byte) bool { return utf8.Valid(s) }

// utf8Step returns the length of the well-formed sequence or maximal
// ill-formed subpart starting at s[i], and whether it is well formed.
func utf8Step(s []byte, i int) (n int, ok bool) {
	c := s[i]
	if c < 0x80 {
		return 1, true
	}
	lo, hi := byte(0x80), byte(0xbf)
	var more int
	switch {
	case c >= 0xc2 && c <= 0xdf:
		more = 1
	case c == 0xe0:
		more, lo = 2, 0xa0
	case c == 0xed:
		more, hi = 2, 0x9f
	case c >= 0xe1 && c <= 0xef:
		more = 2
	case c == 0xf0:
		more, lo = 3, 0x90
	case c == 0xf4:
		more, hi = 3, 0x8f
	case c >= 0xf1 && c <= 0xf3:
		more = 3
	default:
		return 1, false
	}
	j := i + 1
	for ; more > 0; more-- {
		if j >= len(s) || s[j] < lo || s[j] > hi {
			return j - i, false
		}
		lo, hi = 0x80, 0xbf
		j++
	}
	return j - i, true
}

const replacementUTF8 = "\uFFFD"

// fixedUTF8Len is the length of s after appendFixedUTF8.
func fixedUTF8Len(s []byte) int {
	total := 0
	for i := 0; i < len(s); {
		n, ok := utf8Step(s, i)
		if ok {
			total += n
		} else {
			total += len(replacementUTF8)
		}
		i += n
	}
	return total
}

// appendFixedUTF8 appends s with each ill-formed subpart replaced by U+FFFD.
func appendFixedUTF8(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		n, ok := utf8Step(s, i)
		if ok {
			dst = append(dst, s[i:i+n]...)
		} else {
			dst = append(dst, replacementUTF8...)
		}
		i += n
	}
	return dst
}
