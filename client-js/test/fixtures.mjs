// Shared by the unit tests: the arena schema and the snapshot sections of the worked example in
// docs/snapshot-format.md (pinned in Go by game/format_example_test.go).

export const arenaSchema = {
  kinds: [
    { name: "player", fields: [
      { name: "x", type: "float", quantum: 0.125 }, { name: "y", type: "float", quantum: 0.125 },
      { name: "r", type: "float", quantum: 0.125 }, { name: "score", type: "int" },
      { name: "boost", type: "bool" }, { name: "pid", type: "int" }, { name: "name", type: "string" },
    ] },
    { name: "orb", fields: [
      { name: "x", type: "float", quantum: 0.125 }, { name: "y", type: "float", quantum: 0.125 },
      { name: "v", type: "int" },
    ] },
  ],
  globals: [{ name: "phase", type: "int" }, { name: "endTick", type: "int" }],
};

export const hex = (s) => Uint8Array.from(s.replace(/\s+/g, "").match(/../g).map((b) => parseInt(b, 16)));
/** The full state at tick 1: player 1 (ann, pid 7) and orb 2; phase 1, endTick 6001. */
export const tick1 = hex("0c 02 01 00 a801 33 c002 00 00 0e 03616e6e 01 01 bf0c a206 04 03 02 e25d");
/** The delta to tick 2: orb 2 removed, player 1 moved, scored and boosting, orb 3 created. */
export const tick2 = hex("07 01 01 01 00 19 c802 04 01 01 03 01 8032 00 02");
