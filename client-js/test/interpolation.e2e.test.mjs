// Interpolation against the real gameserver under jittered arrival: a player connects through
// a proxy that delays every chunk by 10 to 130 ms (in order, so snapshots come bunched and with
// gaps), steers its circle, and renders it at 60 frames a second from room.interpolated(). The
// raw mirror jumps; the interpolated circle moves smoothly along the path the server simulated
// (the server moves a circle every tick in the last direction it got, so jittered input does not
// make the path itself jump).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { connect, arenaRules } from "../src/index.js";
import { URL, skip, waitFor, sleep } from "./helpers.mjs";
import { startLatencyProxy } from "./latency-proxy.mjs";

const BASE = 10; // ms each way
const JITTER = 120; // ms of extra random delay per chunk
const SECONDS = 6;
const FRAME = 1000 / 60;
const STEP = arenaRules.speed / arenaRules.tickRate; // 10 units per tick

const cleanup = [];
after(async () => { for (const f of cleanup.reverse()) await f(); });

const dist = (a, b) => Math.hypot(a.x - b.x, a.y - b.y);

test(`interpolation: continuous under ${JITTER} ms of arrival jitter from a real server`, { skip, timeout: 60000 }, async () => {
  const proxy = await startLatencyProxy(URL, BASE, { jitterMs: JITTER, seed: 42 });
  cleanup.push(() => proxy.close());
  // A render delay above the snapshot interval plus the jitter: what a game on such a link sets.
  const c = await connect(proxy.url, { name: "jittery", interpolationDelay: 50 + JITTER + 30 });
  cleanup.push(() => c.close());
  await c.timeSync(5);
  const room = await c.create({ mode: "arena" });
  await room.start();
  const target = await waitFor(() => room.me, 5000, "the own circle");

  // The circle turns (a direction changing every tick) for SECONDS while it is rendered.
  let k = 0;
  const steer = setInterval(() => {
    const a = k++ / 8;
    room.sendInput({ x: Math.cos(a), y: Math.sin(a) });
  }, 1000 / arenaRules.tickRate);
  cleanup.push(() => clearInterval(steer));
  await sleep(500); // moving, and the interpolation buffer filled

  const rendered = [];
  const raw = [];
  let arrivals = 0;
  let lastArrival = 0;
  let maxGap = 0;
  room.on("snapshot", () => {
    const now = performance.now();
    if (lastArrival) maxGap = Math.max(maxGap, now - lastArrival);
    lastArrival = now;
    arrivals++;
  });
  const end = performance.now() + SECONDS * 1000;
  while (performance.now() < end) {
    const p = room.interpolated().get(target.id);
    if (p) rendered.push({ x: p.x, y: p.y });
    raw.push({ x: target.fields.x, y: target.fields.y });
    await sleep(FRAME);
  }
  clearInterval(steer);

  // The link was jittery: snapshots came bunched, with gaps, and the raw mirror jumped.
  assert.ok(arrivals > SECONDS * 15, `${arrivals} snapshots in ${SECONDS} s`);
  assert.ok(maxGap > 80, `the largest gap between arrivals was only ${maxGap.toFixed(0)} ms: no jitter`);
  let rawJump = 0;
  for (let i = 1; i < raw.length; i++) rawJump = Math.max(rawJump, dist(raw[i], raw[i - 1]));
  assert.ok(rawJump >= 2 * STEP, `the raw mirror never jumped more than ${rawJump} units`);

  // Interpolated: every frame moves at most what the circle covers in a frame (plus slack for
  // the frame timer's own jitter and the 1/8-unit quantum), and it does not stand still.
  assert.ok(rendered.length > SECONDS * 40, `only ${rendered.length} frames rendered`);
  const perFrame = (arenaRules.speed * FRAME) / 1000; // 3.3 units
  let maxStep = 0;
  let still = 0;
  for (let i = 1; i < rendered.length; i++) {
    const d = dist(rendered[i], rendered[i - 1]);
    maxStep = Math.max(maxStep, d);
    if (d === 0) still++;
  }
  assert.ok(maxStep <= 2.5 * perFrame, `an interpolated frame jumped ${maxStep.toFixed(2)} units (a frame covers ${perFrame.toFixed(2)})`);
  assert.ok(still <= rendered.length * 0.05, `${still} of ${rendered.length} frames stood still`);
  console.log(`interpolation: ${rendered.length} frames, largest step ${maxStep.toFixed(2)} units, ${still} still; raw mirror largest jump ${rawJump} units, largest arrival gap ${maxGap.toFixed(0)} ms`);
});
