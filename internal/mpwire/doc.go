// Package mpwire reads and writes msgpack at the wire level, by hand: one
// header at a time, with no reflection and no allocation.
//
// Place in the data flow: it sits below both netio and game, which may not
// import each other. netio/sioparser reads every msgpack frame a peer sends
// with it (and writes canonical msgpack with it); game.InputMap reads a
// player's input map with it on the connection's reader; the rooms runtime
// writes the `snapshot` event's envelope {t, b, a, ts, e, h?} with it (see
// docs/snapshot-format.md). Decoding whole values into Go types stays with
// the msgpack library; this package is for the hot paths that walk bytes.
//
// # Reading
//
// [ReadHead] decodes the header at an index into a [Head]: its [Kind], a
// scalar's value, or a payload's length or a container's element count. It
// never panics, and it checks every count against the bytes that remain: a
// str, bin or ext payload lies within the buffer, an array claims no more
// elements than bytes remain and a map no more entries than half of them.
// Callers may therefore slice by a Head's N and size buffers from it
// without trusting the sender. [Skip] and [SkipN] pass whole values.
//
// # Writing
//
// The Append functions write the smallest encoding of a value or header,
// the widths notepack.io (the npm peers' msgpack) picks, so that what they
// write is canonical in the sense of netio/sioparser.
package mpwire
