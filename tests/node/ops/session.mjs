// Driven by tests/ops TestMetricsSession: a refused handshake (auth over 4 KB), then a
// 3-player arena session over the npm socket.io-client with the msgpack parser. It prints
// "ROOM <id>" once the room plays, waits for "GO" on stdin, then for SESSION_SECONDS every
// player steers at 20 inputs a second, one sends a malformed input, one sends late ones, one
// a burst beyond its rate limit, and the host chats 300 times (the server runs with
// -chat-rate -1). It prints "DONE {json}" with the snapshots each player received, then
// disconnects everyone and exits 0.
import { io } from "socket.io-client";
import msgpackParser from "socket.io-msgpack-parser";
import { assert, connect, ok, scenario, sleep, url } from "../lobby/lib.mjs";
import { waitLine } from "./stdin.mjs";

const seconds = Number(process.env.SESSION_SECONDS ?? 4);

scenario(async () => {
  await new Promise((resolve, reject) => {
    const s = io(url, {
      forceNew: true, reconnection: false, transports: ["websocket"], parser: msgpackParser,
      auth: { name: "x".repeat(5000) },
    });
    s.on("connect", () => reject(new Error("a 5 KB auth connected")));
    s.on("connect_error", (e) => {
      s.close();
      assert.equal(e.message, "bad auth");
      resolve();
    });
  });

  const ps = await Promise.all(["ada", "bob", "cy"].map(connect));
  const created = await ok(ps[0], "room:create", { mode: "arena", name: "metrics session" });
  const roomId = created.room.id;
  await ok(ps[1], "room:join", { roomId });
  await ok(ps[2], "room:join", { roomId });
  await ok(ps[0], "room:start", {});
  console.log(`ROOM ${roomId}`);
  await waitLine("GO");

  const count = (s) => s.events.filter(([ev]) => ev === "snapshot").length;
  const start = ps.map(count);
  const t0 = performance.now();
  const seqs = [0, 0, 0];
  const input = (i, fields) => ps[i].emit("input", { seq: ++seqs[i], ...fields });
  // A burst far past the bucket (60/s, burst 30): most of it is rate limited.
  for (let k = 0; k < 100; k++) input(2, { x: 1, y: 0 });
  const steer = setInterval(() => {
    for (let i = 0; i < 3; i++) input(i, { x: Math.cos(i + seqs[i] / 10), y: Math.sin(i + seqs[i] / 10) });
  }, 50);
  await sleep(500);
  input(0, { x: "bad" }); // malformed: dropped and counted
  await sleep(200);
  ps[1].emit("input", { seq: 1, x: 0, y: 1 }); // late: below the last applied seq
  ps[1].emit("input", { seq: 2, x: 0, y: 1 });
  for (let k = 0; k < 300; k++) {
    await ok(ps[0], "room:chat", { text: `chat ${k} `.padEnd(190, "~") });
  }
  const left = seconds * 1000 - (performance.now() - t0);
  if (left > 0) await sleep(left);
  clearInterval(steer);
  const elapsed = (performance.now() - t0) / 1000;
  const snapshots = ps.map((s, i) => count(s) - start[i]);
  console.log(`DONE ${JSON.stringify({ snapshots, seconds: elapsed, inputs: seqs })}`);
  for (const s of ps) s.disconnect();
}, 60000);
