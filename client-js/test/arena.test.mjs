// arenaStep against the Go arena: a trace of one player's circle, one input per tick, recorded
// by client-js/arenatrace_test.go (TICKROOM_ARENA_TRACE), must be reproduced bit for bit; and
// the input reading, boost counters and Predictor bookkeeping on their own.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { arenaStep, arenaInput, arenaRules, Predictor } from "../src/index.js";
import { skipUnless } from "./helpers.mjs";

test("arenaStep reproduces the Go arena's movement bit for bit", { skip: skipUnless("TICKROOM_ARENA_TRACE") }, () => {
  const trace = JSON.parse(readFileSync(process.env.TICKROOM_ARENA_TRACE, "utf8"));
  let state = { ...trace.start };
  const seen = { clamped: 0, boosted: 0, refused: 0, grown: 0, halves: 0 };
  for (const [i, step] of trace.steps.entries()) {
    const next = arenaStep(state, step.input);
    const where = `tick ${i + 2}, input ${JSON.stringify(step.input)}, from (${state.x}, ${state.y}) r ${state.r}`;
    assert.equal(next.x, step.x, where);
    assert.equal(next.y, step.y, where);
    assert.equal(next.boost, step.boost, where);
    // What the trace exercised, so that it cannot pass for lack of cases.
    const edge = 1000 - state.r;
    if (Math.abs(step.x) === edge || Math.abs(step.y) === edge) seen.clamped++;
    if (step.boost) seen.boosted++;
    if (step.input.boost === true && !step.boost) seen.refused++;
    if (step.r !== state.r) seen.grown++;
    if (typeof step.input.x === "number" && Math.abs(step.input.x * 4096) % 1 === 0.5) seen.halves++;
    state = { ...next, r: step.r }; // orbs eaten in this tick grow the circle for the next one
  }
  assert.ok(trace.steps.length >= 1000, `${trace.steps.length} steps`);
  for (const [what, count] of Object.entries(seen)) assert.ok(count > 0, `the trace has no ${what} step: ${JSON.stringify(seen)}`);
});

test("arenaInput reads inputs as the server does", () => {
  assert.deepEqual(arenaInput({}), { dx: 0, dy: 0, boost: false });
  assert.deepEqual(arenaInput({ x: null, y: undefined, boost: null }), { dx: 0, dy: 0, boost: false });
  assert.deepEqual(arenaInput({ x: 3, y: 4, boost: true }), { dx: Math.round(0.6 * 4096), dy: Math.round(0.8 * 4096), boost: true });
  assert.deepEqual(arenaInput({ x: 0.5 / 4096, y: -0.5 / 4096 }), { dx: 1, dy: -1, boost: false }, "halves round away from zero");
  assert.deepEqual(arenaInput({ x: -1.5 / 4096, y: -2.5 / 4096 }), { dx: -2, dy: -3, boost: false });
  assert.deepEqual(arenaInput({ x: -1e308, y: 1e308 }), { dx: -2896, dy: 2896, boost: false }, "huge vectors do not overflow");
  for (const bad of [{ x: "1" }, { y: NaN }, { x: Infinity }, { boost: 1 }, { boost: "yes" }]) {
    assert.equal(arenaInput(bad), null, JSON.stringify(bad));
    const s = { x: 1, y: 2, r: 20 };
    assert.equal(arenaStep(s, bad), s, "a malformed input leaves the state as it is");
  }
});

test("arenaStep: speed, truncation toward zero, the clamp, boost and cooldown", () => {
  const step = arenaRules.speed / arenaRules.tickRate;
  const s0 = { x: 0, y: 0, r: 20, pid: 7, name: "ada" };
  const s1 = arenaStep(s0, { x: 1, y: -1 / 4096 });
  assert.deepEqual(s1, { ...s0, x: step, y: -2 / 1024, boost: false, boostLeft: 0, cooldownLeft: 0 }, "-2.5/1024 truncates to -2/1024");
  assert.deepEqual(s0, { x: 0, y: 0, r: 20, pid: 7, name: "ada" }, "the state is not mutated");
  const edge = arenaStep({ x: 975, y: -975, r: 30 }, { x: 1, y: -1 });
  assert.deepEqual([edge.x, edge.y], [970, -970], "clamped to 1000 - r");

  // A boost: 20 ticks at 1.5x, then a 60-tick cooldown during which boosts are refused.
  let s = { x: -500, y: 0, r: 20 };
  const xs = [];
  for (let i = 0; i < 90; i++) {
    s = arenaStep(s, { x: 1, y: 0, boost: true });
    xs.push(s.x);
  }
  const moves = xs.map((x, i) => x - (i ? xs[i - 1] : -500));
  assert.deepEqual(moves.slice(0, 20), Array(20).fill(step * 1.5));
  assert.deepEqual(moves.slice(20, 80), Array(60).fill(step));
  assert.equal(moves[80], step * 1.5, "the next boost starts when the cooldown is over");

  // From a snapshot's fields (no counters): the server's boost flag is believed.
  const boosting = arenaStep({ x: 0, y: 0, r: 20, boost: true }, { x: 1, y: 0 });
  assert.equal(boosting.x, step * 1.5);
  const ended = arenaStep({ x: 0, y: 0, r: 20, boost: false, boostLeft: 5, cooldownLeft: 0 }, { x: 1, y: 0, boost: true });
  assert.equal(ended.x, step, "a boost the server has ended starts the cooldown");
});

test("Predictor carries client-side fields over from the prediction for the acknowledged input", () => {
  const p = new Predictor(arenaStep);
  p.reconcile({ x: 0, y: 0, r: 20, boost: false }, 0);
  p.input({ seq: 1, x: 1, y: 0, boost: true });
  p.input({ seq: 2, x: 1, y: 0 });
  assert.equal(p.state.boostLeft, 19);
  // The server applied input 1 (its snapshot carries boost but no counters): the counters
  // come from the prediction for input 1, then input 2 is replayed.
  const after1 = arenaStep({ x: 0, y: 0, r: 20, boost: false }, { seq: 1, x: 1, y: 0, boost: true });
  p.reconcile({ x: after1.x, y: after1.y, r: 20, boost: true }, 1);
  assert.equal(p.pending.length, 1);
  assert.equal(p.state.boostLeft, 19);
  assert.equal(p.state.x, after1.x + 15);
  p.reconcile({ x: p.state.x, y: 0, r: 20, boost: true }, 2);
  assert.equal(p.pending.length, 0);
  assert.equal(p.state.boostLeft, 19, "kept with nothing pending");
});
