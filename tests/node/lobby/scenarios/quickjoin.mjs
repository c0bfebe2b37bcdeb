// room:quickjoin fills the fullest matching public room before making one; it skips private,
// password and non-matching rooms; a room it makes carries the meta and starts at once.
import { assert, connect, fails, ok, run, scenario, waitEvent } from "../lib.mjs";

scenario(async () => {
  const meta = { run, tier: 2 };
  const socks = [];
  for (let i = 0; i < 12; i++) socks.push(await connect("p" + i));
  const [h1, h2, h3, h4, j1, j2, j3, j4, j5] = socks;
  await fails(j1, "room:quickjoin", {}, "BAD_REQUEST");
  await fails(j1, "room:quickjoin", { mode: "arena", meta: { x: {} } }, "BAD_REQUEST");
  await fails(j1, "room:quickjoin", { mode: "nope" }, "UNKNOWN_MODE");

  // small: 1 player; big: 2 players; secret (password) 2 players; hidden (private); other meta.
  const small = await ok(h1, "room:create", { mode: "arena", maxPlayers: 3, meta });
  const big = await ok(h2, "room:create", { mode: "arena", maxPlayers: 3, meta });
  await ok(h3, "room:join", { roomId: big.room.id });
  await ok(h4, "room:create", { mode: "arena", maxPlayers: 8, meta, password: "pw" });
  await ok(socks[9], "room:create", { mode: "arena", maxPlayers: 8, meta, private: true });
  await ok(socks[10], "room:create", { mode: "arena", maxPlayers: 8, meta: { run, tier: "2" } }); // "2" is not 2

  // The fullest first: big (2/3) fills up, then small.
  let q = await ok(j1, "room:quickjoin", { mode: "arena", meta });
  assert.equal(q.room.id, big.room.id);
  assert.equal(q.room.players, 3);
  q = await ok(j2, "room:quickjoin", { mode: "arena", meta });
  assert.equal(q.room.id, small.room.id);
  q = await ok(j3, "room:quickjoin", { mode: "arena", meta });
  assert.equal(q.room.id, small.room.id);
  assert.equal(q.room.players, 3);
  // Every matching public room is full: a new one, with the meta, started at once.
  q = await ok(j4, "room:quickjoin", { mode: "arena", meta });
  assert.ok(![small.room.id, big.room.id].includes(q.room.id));
  assert.deepEqual(q.room.meta, meta);
  assert.equal(q.room.private, false);
  assert.equal(q.room.hasPassword, false);
  if (q.room.phase !== "playing") await waitEvent(j4, "room:info", (e) => e.phase === "playing");
  // ... which the next quickjoin joins (playing, joining in progress allowed).
  const q2 = await ok(j5, "room:quickjoin", { mode: "arena", meta });
  assert.equal(q2.room.id, q.room.id);
  assert.equal(q2.room.phase, "playing");
  assert.equal(q2.room.players, 2);
});
