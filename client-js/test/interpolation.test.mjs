// Interpolation under jittered arrival, and the clock estimate.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Interpolator, ClockSync } from "../src/index.js";

// A deterministic PRNG so a failure replays.
function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5 >>> 0) / 2 ** 32);
}

test("interpolation output is continuous under jittered arrival", () => {
  const rand = rng(7);
  const tickMs = 50;
  const speed = 0.2; // units per ms: 200 units/s, the arena's speed
  const pos = (ts) => ({ x: speed * ts, y: 100 * Math.sin(ts / 400) });
  // Server states every 50 ms; each arrives 20..140 ms later (jitter 120 ms), so they come
  // bunched and out of step with rendering.
  const arrivals = [];
  for (let ts = 0; ts <= 5000; ts += tickMs) arrivals.push({ ts, at: ts + 20 + rand() * 120 });
  arrivals.sort((a, b) => a.at - b.at);
  const ip = new Interpolator({ delay: 200 }); // at least the snapshot interval plus the jitter
  assert.equal(new Interpolator().delay, 100, "default delay");
  let i = 0;
  let prev = null;
  let maxStep = 0;
  let maxErr = 0;
  for (let now = 0; now <= 5000; now += 16) { // 60 fps
    while (i < arrivals.length && arrivals[i].at <= now) {
      const { ts } = arrivals[i++];
      ip.push(ts, [{ id: 1, fields: pos(ts) }]);
    }
    const out = ip.at(now - ip.delay).get(1);
    if (!out) continue;
    if (prev) {
      const step = Math.hypot(out.x - prev.x, out.y - prev.y);
      maxStep = Math.max(maxStep, step);
      assert.ok(out.x >= prev.x - 1e-9, `x went back at ${now}: ${prev.x} -> ${out.x}`);
    }
    if (now - ip.delay > 0) {
      const want = pos(now - ip.delay);
      maxErr = Math.max(maxErr, Math.hypot(out.x - want.x, out.y - want.y));
    }
    prev = out;
  }
  // At 16 ms per frame a 0.2 units/ms entity moves 3.2 units; y adds at most 4 more.
  assert.ok(maxStep < 8, `largest frame-to-frame jump ${maxStep}`);
  assert.ok(maxErr < 2, `largest error against the true path ${maxErr}`);
});

test("interpolation: entities appear and disappear, no extrapolation", () => {
  const ip = new Interpolator({ delay: 100 });
  ip.push(100, [{ id: 1, fields: { x: 0, y: 0 } }]);
  ip.push(150, [{ id: 1, fields: { x: 10, y: 0 } }, { id: 2, fields: { x: 5, y: 5, name: "n" } }]);
  ip.push(125, [{ id: 1, fields: { x: 6, y: 1 } }]); // late: put in its place
  assert.deepEqual(ip.at(125).get(1), { x: 6, y: 1 });
  assert.deepEqual(ip.at(112.5).get(1), { x: 3, y: 0.5 });
  assert.equal(ip.at(110).has(2), false);
  assert.deepEqual(ip.at(140).get(2), { x: 5, y: 5 });
  assert.deepEqual(ip.at(500).get(1), { x: 10, y: 0 }, "held at the newest state");
  assert.deepEqual(ip.at(0).get(1), { x: 0, y: 0 });
});

test("clock sync keeps the sample with the smallest round trip", () => {
  const c = new ClockSync();
  c.add(1000, 6100, 1200); // rtt 200: offset 6100 - 1100 = 5000
  c.add(2000, 7030, 2040); // rtt 40: offset 7030 - 2020 = 5010
  c.add(3000, 9000, 3300); // rtt 300: ignored
  assert.equal(c.rtt, 40);
  assert.equal(c.offset, 5010);
});
