package sioparser

import (
	"github.com/tickroom/tickroom/internal/mpwire"
)

// The msgpack reading and writing itself is internal/mpwire's; this file
// gives its errors this package's form and keeps what is canonical form's
// own: how a number and a string are written.

// The package's errors for what internal/mpwire reports: each caller of
// mpwire.ReadHead and mpwire.Skip maps them with wireErr where it returns
// one, so that the hot walks call mpwire directly.
var (
	errTruncated = invalid("msgpack value truncated")
	errReserved  = invalid("msgpack: reserved byte 0xc1")
	errTooDeep   = invalid("nesting too deep")
)

// wireErr maps an error of internal/mpwire onto the package's.
func wireErr(err error) error {
	switch err {
	case mpwire.ErrReserved:
		return errReserved
	case mpwire.ErrTooDeep:
		return errTooDeep
	}
	return errTruncated
}

const (
	two63 = 9223372036854775808.0
	two64 = 18446744073709551616.0
)

// appendStr writes s as a canonical str: invalid UTF-8 is replaced.
func appendStr(dst, s []byte) []byte {
	if validUTF8(s) {
		return append(mpwire.AppendStrHeader(dst, len(s)), s...)
	}
	dst = mpwire.AppendStrHeader(dst, fixedUTF8Len(s))
	return appendFixedUTF8(dst, s)
}
