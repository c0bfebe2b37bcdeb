// The decoder and the hash against the worked example of docs/snapshot-format.md
// (pinned in Go by game/format_example_test.go), and the malformed-section rules.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Mirror, BadSectionError } from "../src/mirror.js";
import { arenaSchema, hex, tick1, tick2 } from "./fixtures.mjs";

test("worked example: full state then delta, with hashes", () => {
  const m = new Mirror(arenaSchema);
  assert.equal(tick1.length, 27);
  const c1 = m.apply(tick1, true);
  assert.equal(c1.added.length, 2);
  assert.deepEqual(m.entities.get(1), { id: 1, kind: "player", fields: { x: 10.5, y: -3.25, r: 20, score: 0, boost: false, pid: 7, name: "ann" } });
  assert.deepEqual(m.entities.get(2).fields, { x: -100, y: 50.125, v: 2 });
  assert.deepEqual(m.globals, { phase: 1, endTick: 6001 });
  assert.equal(m.hash(), 0x53fe1b3f);

  const player = m.entities.get(1);
  assert.equal(tick2.length, 17);
  const c2 = m.apply(tick2, false);
  assert.deepEqual(c2.removed.map((e) => e.id), [2]);
  assert.deepEqual(c2.added.map((e) => e.id), [3]);
  assert.deepEqual(c2.changed.map(([e, f]) => [e.id, f]), [[1, ["x", "score", "boost"]]]);
  assert.equal(m.entities.get(1), player, "an updated entity keeps its object");
  assert.equal(player.fields.x, 20.5);
  assert.equal(player.fields.boost, true);
  assert.deepEqual(m.entities.get(3).fields, { x: 400, y: 0, v: 1 });
  assert.deepEqual([...m.entities.keys()], [1, 3]);
  assert.equal(m.hash(), 0x5695104c);
});

test("a full state over a held view reports only differences", () => {
  const m = new Mirror(arenaSchema);
  m.apply(tick1, true);
  const c = m.apply(tick1, true);
  assert.deepEqual(c, { added: [], removed: [], changed: [], globals: [] });
  assert.equal(m.hash(), 0x53fe1b3f);
});

test("malformed sections are rejected without changing the mirror", () => {
  const bad = [
    ["truncated", tick1.slice(0, 20), true],
    ["trailing byte", Uint8Array.from([...tick1, 0]), true],
    ["removal in a full state", hex("09 01 00 03 02 e25d"), true],
    ["full state without every global", hex("08 01 02"), true],
    ["full state without globals", hex("00"), true],
    ["empty section", new Uint8Array(0), false],
    ["unknown flag bit", hex("10"), false],
    ["a part flagged with a count of 0", hex("02 00"), false],
    ["globals flagged with an empty mask", hex("08 00"), false],
    ["non-shortest uvarint", hex("08 8300 02 e25d"), true],
    ["id delta 0", hex("0c 01 00 01 00 00 00 03 02 e25d"), true],
    ["unknown kind", hex("0c 01 01 05 00 00 00 03 02 e25d"), true],
    ["bad bool", hex("0c 01 01 00 00 00 00 00 02 00 00 03 02 e25d"), true],
    ["position beyond held", hex("01 01 05"), false],
    ["zero update mask", hex("02 01 00 00"), false],
    ["mask bit beyond fields", hex("02 01 02 08 00"), false],
    ["first update repeats a mask", hex("02 01 01 00"), false],
    ["a mask written again", hex("02 02 00 01 00 00 01 00"), false],
    ["a repeated mask beyond the kind", hex("02 02 00 20 00 01 00"), false],
    ["update of a removed position", hex("03 01 01 01 02 01 00"), false],
    ["create of a held id", hex("04 01 01 01 00 00 00"), false],
    ["unknown global bit", hex("08 04 00"), false],
    ["uvarint over 10 bytes", hex("08 ffffffffffffffffffff01"), false],
  ];
  for (const [name, bytes, full] of bad) {
    const m = new Mirror(arenaSchema);
    m.apply(tick1, true);
    assert.throws(() => m.apply(bytes, full), BadSectionError, name);
    assert.equal(m.hash(), 0x53fe1b3f, name + ": mirror unchanged");
    assert.deepEqual([...m.entities.keys()], [1, 2], name);
  }
});

test("an update record may repeat the previous record's mask", () => {
  const m = new Mirror(arenaSchema);
  m.apply(tick1, true);
  // Two updates: player 1 (head 0, mask x) x wire 1; orb 2 (head 1: gap 0, same) x wire 2.
  m.apply(hex("02 02 00 01 02 01 04"), false);
  assert.equal(m.entities.get(1).fields.x, 0.125);
  assert.equal(m.entities.get(2).fields.x, 0.25);
  assert.equal(m.entities.get(2).fields.y, 50.125, "the other fields kept");
});

test("large varints and unquantized floats hash like Go", () => {
  const schema = { kinds: [{ name: "k", fields: [{ name: "n", type: "int" }, { name: "f", type: "float" }] }], globals: [] };
  const m = new Mirror(schema);
  // id 1, kind 0, n = -2^62 (zigzag 2^63-1: ff ff ff ff ff ff ff ff 7f), f = -0.0
  m.apply(hex("04 01 01 00 ffffffffffffffff7f 0000000000000080"), true);
  const e = m.entities.get(1);
  assert.equal(e.fields.n, -(2n ** 62n));
  assert.ok(Object.is(e.fields.f, -0));
  // FNV-1a over: 01000000 00 | 00000000000000c0 | 0000000000000080 | ff
  let h = 0x811c9dc5;
  for (const b of hex("01000000 00 00000000000000c0 0000000000000080 ff")) h = Math.imul(h ^ b, 16777619) >>> 0;
  assert.equal(m.hash(), h);
});
