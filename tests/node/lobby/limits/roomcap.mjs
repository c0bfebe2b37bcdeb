// The room cap, against a gameserver started with -max-rooms 2: room:create beyond it, and a
// quickjoin that would have to make a room, answer UNAVAILABLE; joining a room that exists works.
import { assert, connect, fails, ok, run, scenario } from "../lib.mjs";

scenario(async () => {
  const a = await connect("a");
  const b = await connect("b");
  const c = await connect("c");
  const ra = await ok(a, "room:create", { mode: "arena", maxPlayers: 2, meta: { run } });
  await ok(b, "room:create", { mode: "arena", maxPlayers: 1, meta: { run } });
  await fails(c, "room:create", { mode: "arena" }, "UNAVAILABLE");
  // quickjoin fills the room that has a seat, then has nowhere to go.
  const q = await ok(c, "room:quickjoin", { mode: "arena", meta: { run } });
  assert.equal(q.room.id, ra.room.id);
  const d = await connect("d");
  await fails(d, "room:quickjoin", { mode: "arena", meta: { run } }, "UNAVAILABLE");
  await fails(d, "room:create", { mode: "nope" }, "UNKNOWN_MODE"); // UNAVAILABLE ranks last
});
