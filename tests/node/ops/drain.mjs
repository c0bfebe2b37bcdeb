// Driven by tests/ops TestDrain: two players in an arena room; "READY <roomId>" on stdout.
// Once the test says "DRAINING" on stdin (the server got SIGTERM): room:create and a
// room:quickjoin that would make a room answer UNAVAILABLE, a join and a quickjoin into the
// running room still seat their players, and those keep their snapshot rate ("JOINED"). Then
// every seated player must get room:closed {reason: "shutdown"} before its disconnect, at the
// drain deadline ("CLOSED"); the script exits 0.
import { assert, connect, fails, ok, run, scenario, sleep } from "../lobby/lib.mjs";
import { waitLine } from "./stdin.mjs";

scenario(async () => {
  const [a, b, c, d, e] = await Promise.all(["a", "b", "c", "d", "e"].map(connect));
  const created = await ok(a, "room:create", { mode: "arena", meta: { run } });
  const roomId = created.room.id;
  await ok(b, "room:join", { roomId });
  await ok(a, "room:start", {});
  console.log(`READY ${roomId}`);
  await waitLine("DRAINING");

  await fails(c, "room:create", { mode: "arena" }, "UNAVAILABLE");
  await fails(c, "room:quickjoin", { mode: "arena", meta: { run, other: 1 } }, "UNAVAILABLE");
  await ok(d, "room:join", { roomId });
  const q = await ok(e, "room:quickjoin", { mode: "arena", meta: { run } });
  assert.equal(q.room.id, roomId, "the quickjoin took a seat in the running room");

  const seated = [a, b, d, e];
  const snaps = (s) => s.events.filter(([ev]) => ev === "snapshot").length;
  const before = seated.map(snaps);
  const t0 = performance.now();
  await sleep(2000);
  const secs = (performance.now() - t0) / 1000;
  const rates = seated.map((s, i) => (snaps(s) - before[i]) / secs);
  for (const r of rates) assert.ok(r >= 14, `snapshot rates while draining: ${rates.map((x) => x.toFixed(1))}, want about 20/s`);
  console.log(`JOINED ${JSON.stringify(rates)}`);

  const order = seated.map(() => []);
  const gone = seated.map((s, i) => {
    s.on("room:closed", (ev) => order[i].push(`closed:${ev.reason}`));
    return new Promise((resolve) => s.once("disconnect", () => {
      order[i].push("disconnect");
      resolve();
    }));
  });
  await Promise.all(gone);
  for (let i = 0; i < seated.length; i++) {
    assert.deepEqual(order[i], ["closed:shutdown", "disconnect"], `player ${i}: ${JSON.stringify(order[i])}`);
  }
  console.log("CLOSED");
}, 90000);
