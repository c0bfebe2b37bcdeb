// Private rooms are never listed and are joinable by id or code; password rooms are listed with
// hasPassword, never echo the password, and answer WRONG_PASSWORD.
import { assert, connect, fails, ok, run, scenario, waitEvent } from "../lib.mjs";

scenario(async () => {
  const meta = { run };
  const [a, b, c, d, w] = await Promise.all(["a", "b", "c", "d", "w"].map(connect));
  await ok(w, "lobby:watch", { meta, includeFull: true });
  const priv = await ok(a, "room:create", { mode: "arena", private: true, meta, maxPlayers: 3 });
  assert.equal(priv.room.private, true);
  const pw = await ok(b, "room:create", { mode: "arena", password: "s3cret!", meta, name: "locked" });
  assert.equal(pw.room.hasPassword, true);
  assert.ok(!JSON.stringify(pw).includes("s3cret!"), "the password is never echoed");

  let list = await ok(c, "lobby:list", { meta, includeFull: true });
  assert.deepEqual(list.rooms.map((r) => r.id), [pw.room.id]);
  assert.ok(!JSON.stringify(list).includes("s3cret!"));
  await waitEvent(w, "lobby:update", (e) => e.rooms.some((r) => r.id === pw.room.id));
  // The watcher never hears of the private room.
  await ok(c, "room:join", { roomId: priv.room.id });
  await ok(d, "room:join", { code: priv.room.code });
  list = await ok(c, "lobby:list", { meta, includeFull: true });
  assert.ok(!list.rooms.some((r) => r.id === priv.room.id));
  assert.ok(!w.events.some(([ev, arg]) => ev === "lobby:update" && JSON.stringify(arg).includes(priv.room.id)));
  await ok(c, "room:leave", {});
  await ok(d, "room:leave", {});

  // Password rooms.
  await fails(c, "room:join", { roomId: pw.room.id }, "WRONG_PASSWORD");
  await fails(c, "room:join", { roomId: pw.room.id, password: "nope" }, "WRONG_PASSWORD");
  await fails(c, "room:join", { code: pw.room.code, password: "s3cret" }, "WRONG_PASSWORD");
  const j = await ok(c, "room:join", { roomId: pw.room.id, password: "s3cret!" });
  assert.ok(!JSON.stringify(j).includes("s3cret!"));
  // WRONG_PASSWORD before ROOM_FULL.
  const full = await ok(d, "room:create", { mode: "arena", password: "x", maxPlayers: 1, meta });
  const e = await connect("e");
  await fails(e, "room:join", { roomId: full.room.id, password: "y" }, "WRONG_PASSWORD");
  await fails(e, "room:join", { roomId: full.room.id, password: "x" }, "ROOM_FULL");

  // lobby:list filters and limits.
  await fails(e, "lobby:list", { mode: "nope" }, "UNKNOWN_MODE");
  await fails(e, "lobby:list", { limit: 0 }, "BAD_REQUEST");
  await fails(e, "lobby:list", { limit: "3" }, "BAD_REQUEST");
  await fails(e, "lobby:list", { mode: "nope", limit: 0 }, "BAD_REQUEST"); // BAD_REQUEST first
  await fails(e, "lobby:list", [1, 2], "BAD_REQUEST");
  list = await ok(e, "lobby:list", { meta });
  assert.deepEqual(list.rooms.map((r) => r.id), [pw.room.id], "full rooms are left out by default");
  list = await ok(e, "lobby:list", { meta, includeFull: true });
  assert.deepEqual(list.rooms.map((r) => r.id), [pw.room.id, full.room.id], "most players first, then oldest");
  list = await ok(e, "lobby:list", { meta, includeFull: true, limit: 1 });
  assert.equal(list.rooms.length, 1);
  list = await ok(e, "lobby:list", { mode: "arena", meta: { run, other: 1 }, includeFull: true });
  assert.deepEqual(list.rooms, []);
});
