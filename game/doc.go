// Package game is what a game is in tickroom: the mode API, the world of
// entities and typed fields, change tracking, the snapshot delta encoding,
// the view hash and seeded randomness.
//
// Place in the data flow (design steps 4 and 5): the room goroutine in
// rooms/ owns one Game and its World. At each tick it calls World.BeginTick,
// hands the tick's lifecycle events (Join, Leave, Drop, Return, Start) and
// the decoded inputs to the Game in seq order, and calls Game.Step. Every
// field write is stamped with the tick it happened in, but only when the
// field's wire value actually changes. At a snapshot boundary the runtime
// asks the Game which entities each player sees (Game.View), normalizes the
// list (World.NormalizeView) and calls World.AppendDelta against the view and
// tick of that player's baseline: the result is the entity section of the
// `snapshot` event, which the runtime wraps in the msgpack map
// {t, b, a, ts, e, h?}. On the receiving side a Mirror applies sections and
// computes the same 32-bit view hash as World.ViewHash.
//
// The package is pure and deterministic: no network, no goroutines, no wall
// clock, no package-level state. A World is owned by one goroutine; nothing
// here locks. A seed (Rand) and an input log replay a match exactly.
//
// Modes are values registered on a Registry; there is no global registry and
// no init() registration. See docs/modes.md and the package example.
package game
