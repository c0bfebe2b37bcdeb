// Schemas of the bundled modes, for servers whose Joined ack does not carry `schema` yet.
// The Go test (e2e_test.go) checks the arena schema against game/arena's Schema().Describe().

const q = 1 / 8;

/** Schemas by mode name. */
export const bundledSchemas = {
  arena: {
    kinds: [
      { name: "player", fields: [
        { name: "x", type: "float", quantum: q }, { name: "y", type: "float", quantum: q },
        { name: "r", type: "float", quantum: q }, { name: "score", type: "int" },
        { name: "boost", type: "bool" }, { name: "pid", type: "int" }, { name: "name", type: "string" },
      ] },
      { name: "orb", fields: [
        { name: "x", type: "float", quantum: q }, { name: "y", type: "float", quantum: q },
        { name: "v", type: "int" },
      ] },
    ],
    globals: [{ name: "phase", type: "int" }, { name: "endTick", type: "int" }],
    inputs: [
      { name: "x", type: "float", min: -1, max: 1 }, { name: "y", type: "float", min: -1, max: 1 },
      { name: "boost", type: "bool" },
    ],
  },
};
