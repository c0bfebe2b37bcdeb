// Package tag is a small game of tag, written only with the public API of
// package game and tested with game/gametest and rooms/roomtest: the second
// mode in the repository, and the one docs/testing-modes.md walks through.
//
// Players are circles in a 1000 x 1000 world steered by `input {seq, x,
// y}`. When the match starts one of them is "it"; "it" passes to the first
// player it touches, who may not tag it straight back for a second (a
// Context.Timers timer). The player tagged gets room:event {type: "it"},
// the others {type: "tag"}. room:message "taunt" {text} sends room:event
// {type: "taunt"} to everyone else, at most once every two seconds. A round
// lasts 60 s (option roundSeconds); the results rank the players by the
// time they spent as "it", least first. Everyone sees the whole world.
//
// Place in the data flow: a server registers Mode{} on its game.Registry
// like any mode; the room runtime drives each match (design steps 4 and 5).
// The simulation is in integer fixed point (1/256 unit), so a seed and an
// input log replay a round exactly.
package tag
