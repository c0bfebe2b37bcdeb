// Volatile emits: they may be dropped only when the connection is busy, so on an idle connection
// they are delivered. Five volatile emits spaced out on an idle connection: most must arrive
// (the reference delivers all of them; one may be lost if it meets a heartbeat being written),
// each intact and at most once.
import { assert, call, connect, run, sameData, sleep, step } from "../lib.mjs";

await run("volatile", async () => {
  const s = await connect("/");
  const got = [];
  let wake = () => {};
  s.on("volatile-back", (...args) => {
    got.push(args);
    wake();
  });
  let delivered = 0;
  for (let i = 0; i < 5; i++) {
    const arrived = new Promise((resolve) => {
      wake = resolve;
      setTimeout(resolve, 1500);
    });
    assert.deepEqual(await call(s, "volatile", "v", i, { n: i }), ["ok"]);
    await arrived;
    const mine = got.filter((a) => a[1] === i);
    assert.ok(mine.length <= 1, `volatile ${i} arrived ${mine.length} times`);
    if (mine.length === 1) {
      sameData(mine[0], ["v", i, { n: i }]);
      delivered++;
    }
    step(`volatile emit ${i}: ${mine.length ? "delivered" : "dropped"}`);
    await sleep(100);
  }
  assert.ok(delivered >= 3, `only ${delivered} of 5 volatile emits arrived on an idle connection`);
});
