// Prediction reconciles with the server after artificial latency: a simulated server applies
// inputs after a delay and acknowledges them through `a`; the prediction must equal the server
// state plus the unacknowledged inputs at every snapshot, and the server state once all are in.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Predictor } from "../src/index.js";

const apply = (s, input) => ({ ...s, x: s.x + input.dx, y: s.y + (input.dy ?? 0) });

test("prediction replays unacknowledged inputs over each snapshot", () => {
  const latency = 6; // ticks each way
  const p = new Predictor(apply);
  let server = { x: 0, y: 0, score: 0 };
  let serverAck = 0;
  const inFlight = []; // inputs on their way to the server: {arrive, input}
  const snapshots = []; // snapshots on their way back: {arrive, state, a}
  p.reconcile({ ...server }, 0);
  let seq = 0;
  for (let tick = 1; tick <= 220; tick++) {
    if (tick <= 150) {
      const input = { seq: ++seq, dx: (tick % 7) - 3, dy: tick % 2 };
      const before = { ...p.state };
      p.input(input);
      assert.deepEqual(p.state, apply(before, input), "a local input applies at once");
      inFlight.push({ arrive: tick + latency, input });
    }
    // The server applies what arrived, in seq order, then sends a snapshot.
    while (inFlight.length && inFlight[0].arrive <= tick) {
      const { input } = inFlight.shift();
      server = apply(server, input);
      serverAck = input.seq;
    }
    if (tick <= 200 && tick % 10 === 0) server = { ...server, score: server.score + 1 }; // server-only change
    snapshots.push({ arrive: tick + latency, state: { ...server }, a: serverAck });
    while (snapshots.length && snapshots[0].arrive <= tick) {
      const snap = snapshots.shift();
      p.reconcile(snap.state, snap.a);
      let want = { ...snap.state };
      for (let s = snap.a + 1; s <= seq; s++) want = apply(want, inputs(s));
      assert.deepEqual(p.state, want, `tick ${tick}`);
      assert.ok(p.pending.every((i) => i.seq > snap.a));
    }
  }
  assert.equal(p.pending.length, 0, "everything acknowledged");
  assert.deepEqual(p.state, server, "the prediction ends on the server state");

  function inputs(s) { return { seq: s, dx: (s % 7) - 3, dy: s % 2 }; }
});
