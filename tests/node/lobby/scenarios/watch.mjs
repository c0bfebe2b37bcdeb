// lobby:watch sees create, join, leave, phase change and disposal, batched >= 250 ms apart.
import { assert, connect, eventsOf, fails, ok, run, scenario, sleep, waitEvent } from "../lib.mjs";

scenario(async () => {
  const meta = { run };
  const w = await connect("watcher");
  const a = await connect("alice");
  const b = await connect("bob");
  await fails(w, "lobby:watch", { mode: "nope" }, "UNKNOWN_MODE");
  await fails(w, "lobby:watch", { meta: 5 }, "BAD_REQUEST");
  await fails(w, "lobby:watch", { includeFull: "no" }, "BAD_REQUEST");
  const first = await ok(w, "lobby:watch", { mode: "arena", meta });
  assert.deepEqual(first.rooms, []);

  const created = await ok(a, "room:create", { mode: "arena", meta, maxPlayers: 2 });
  const id = created.room.id;
  let u = await waitEvent(w, "lobby:update", (e) => e.rooms.some((r) => r.id === id));
  assert.equal(u.rooms.find((r) => r.id === id).players, 1);

  // Made full while includeFull is false: removed; a leave brings it back.
  let mark = w.events.length;
  await ok(b, "room:join", { roomId: id });
  await waitEvent(w, "lobby:update", (e) => e.removed.includes(id), 8000, mark);
  mark = w.events.length;
  await ok(b, "room:leave", {});
  u = await waitEvent(w, "lobby:update", (e) => e.rooms.some((r) => r.id === id && r.players === 1), 8000, mark);

  // Phase change.
  mark = w.events.length;
  await ok(a, "room:start", {});
  await waitEvent(w, "lobby:update", (e) => e.rooms.some((r) => r.id === id && r.phase === "playing"), 8000, mark);

  // A second watcher with includeFull sees the join as a change, not a removal.
  const w2 = await connect("watcher2");
  const second = await ok(w2, "lobby:watch", { meta, includeFull: true });
  assert.equal(second.rooms.length, 1);
  mark = w2.events.length;
  await ok(b, "room:join", { roomId: id });
  await waitEvent(w2, "lobby:update", (e) => e.rooms.some((r) => r.id === id && r.players === 2), 8000, mark);
  await ok(w2, "lobby:unwatch", {});

  // Updates to one watcher are at least 250 ms apart.
  const times = [];
  w.on("lobby:update", () => times.push(Date.now()));
  for (let i = 0; i < 6; i++) {
    await ok(b, "room:leave", {});
    await ok(b, "room:join", { roomId: id });
  }
  await ok(b, "room:leave", {});
  await sleep(600);
  assert.ok(times.length >= 2, `expected batched updates, got ${times.length}`);
  for (let i = 1; i < times.length; i++) {
    assert.ok(times[i] - times[i - 1] >= 240, `updates ${times[i] - times[i - 1]} ms apart`);
  }

  // Disposal after the idle timeout (30 s) of the room left empty.
  const w2mark = w2.events.length;
  mark = w.events.length;
  await ok(a, "room:leave", {});
  await waitEvent(w, "lobby:update", (e) => e.rooms.some((r) => r.id === id && r.players === 0), 8000, mark);
  const left = Date.now();
  await waitEvent(w, "lobby:update", (e) => e.removed.includes(id), 40000, mark);
  const waited = Date.now() - left;
  assert.ok(waited >= 29000, `disposed after ${waited} ms, want the 30 s idle timeout`);
  assert.equal(w2.events.length, w2mark, "an unwatched socket gets no lobby:update");
  await fails(b, "room:join", { roomId: id }, "ROOM_NOT_FOUND");
  const list = await ok(b, "lobby:list", { meta, includeFull: true });
  assert.deepEqual(list.rooms, []);
}, 80000);
