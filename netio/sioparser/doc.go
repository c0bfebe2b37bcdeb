// Package sioparser encodes and decodes Socket.IO v5 packets for both
// parsers that tickroom clients use: the default text parser of the npm
// package socket.io-parser (4.2.x) and socket.io-msgpack-parser (3.0.2,
// built on notepack.io 2.2).
//
// Place in the data flow: a connection's reader in netio/engineio decodes
// Engine.IO frames into messages; netio/socketio hands each message to this
// package, which turns it into a [Packet] whose Data is canonical msgpack.
// On the way out netio/socketio builds a Packet and this package turns it
// into the Engine.IO message(s) for the peer's parser.
//
// # Canonical data
//
// Whatever parser a peer speaks, packet data inside the server is one
// msgpack value in canonical form, so the layers above work on one
// representation:
//
//   - integers and whole finite floats use the smallest encoding, unsigned
//     forms for non-negative values and signed forms for negative ones, as
//     notepack.io writes JavaScript numbers; other numbers are float64;
//   - str, bin, array and map headers are the smallest that fit;
//   - strings are valid UTF-8 (invalid sequences become U+FFFD, as Node's
//     decoder does);
//   - notepack's undefined (fixext1 type 0) is nil, its Date (fixext8 type 0)
//     is the int64 millisecond time, its ArrayBuffer (ext type 0) is bin;
//     any other ext type, and map keys that are not strings, are errors.
//
// Text packets are transcoded from JSON into that form (placeholders
// {"_placeholder":true,"num":i} become bin values holding attachment i) and
// back (bin values become placeholders and binary attachments).
//
// # Safety
//
// Decoders never panic, bound nesting depth (see MaxDepth) and never
// allocate more than a small multiple of their input, whatever a header
// claims. Every error wraps [ErrInvalidPacket].
package sioparser
