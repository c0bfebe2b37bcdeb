// Driven by tests/lobby TestShutdown (not a shared-server scenario): seats players in two rooms,
// prints READY, then expects every client to get room:closed {reason: "shutdown"} before its
// disconnect once the server gets SIGTERM.
import { assert, connect, ok, run, scenario } from "./lib.mjs";

scenario(async () => {
  const socks = await Promise.all(["a", "b", "c", "d"].map(connect));
  const r1 = await ok(socks[0], "room:create", { mode: "arena", meta: { run } });
  await ok(socks[1], "room:join", { roomId: r1.room.id });
  await ok(socks[2], "room:quickjoin", { mode: "arena", meta: { run, q: 1 } });
  await ok(socks[3], "lobby:watch", {}); // in the lobby only: just disconnected
  const order = socks.map(() => []);
  const gone = socks.map((s, i) => {
    s.on("room:closed", (e) => order[i].push(`closed:${e.reason}`));
    return new Promise((resolve) => s.once("disconnect", () => {
      order[i].push("disconnect");
      resolve();
    }));
  });
  console.log("READY");
  await Promise.all(gone);
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(order[i], ["closed:shutdown", "disconnect"], `client ${i}: ${JSON.stringify(order[i])}`);
  }
  assert.deepEqual(order[3], ["disconnect"]);
}, 30000);
