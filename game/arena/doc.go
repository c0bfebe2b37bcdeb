// Package arena is tickroom's reference real-time mode, built only on the
// public API of package game: a 2000 x 2000 world where players are circles
// steered by `input {seq, x, y, boost?}`, eating orbs to score and grow,
// each seeing only what lies within 800 units of itself.
//
// Place in the data flow: a server registers Mode{} on its game.Registry;
// the room runtime calls Mode.New for each match and drives the returned
// game.Game tick by tick (design steps 4 and 5).
//
// The simulation state is kept in integer fixed point (1/1024 unit), with
// floats only at the input boundary and in the world's fields, so a seed
// and an input log replay a match bit for bit on every platform (no float
// expression that a compiler could fuse differently).
//
// Coordinates run from -1000 to +1000 on both axes: centered, so that a
// position quantized to 1/8 unit fits a 2-byte zigzag varint.
package arena
