// State callbacks against real servers, as a game registers them: after `await join()`, when the
// first full state may be in the mirror already. onAdd and onGlobals first report what the room
// holds; entity.listen and room.listen report each change with the previous value; quickjoin
// makes its room with the create options; playerMeta reaches the mode. Over the transports of
// TICKROOM_TRANSPORTS (see helpers.mjs); the shop mode runs in the Go test's own host.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { connect, TickroomError } from "../src/index.js";
import { URL, skip, skipUnless, waitFor, next, sleep, rejectsWith, TRANSPORTS, TRANSPORT } from "./helpers.mjs";

const HOST_URL = process.env.TICKROOM_HOST_URL || "";
const clients = [];
async function client(name, url = URL) {
  const c = await connect(url, { name, transports: TRANSPORTS });
  clients.push(c);
  return c;
}
after(() => { for (const c of clients) c.close(); });

const run = Math.random().toString(36).slice(2, 10);
const expectCode = (p, code) => rejectsWith(assert, p, code, TickroomError);

test(`state (${TRANSPORT}): callbacks registered after join see the world already there`, { skip }, async () => {
  const c = await client("late");
  const room = await c.create({ mode: "arena" });
  // Registered right after the join: whether or not the first state is in the mirror yet, each
  // entity is reported exactly once, the own one among them, and the globals once at least.
  const added = new Map();
  room.onAdd((e) => {
    assert.ok(!added.has(e.id), `entity ${e.id} reported twice`);
    added.set(e.id, e);
  });
  room.onRemove((e) => added.delete(e.id));
  const globals = [];
  room.onGlobals((g, names) => globals.push([...names]));
  await waitFor(() => [...added.values()].some((e) => e.fields.pid === room.playerId), 3000, "onAdd of the own entity");
  await waitFor(() => globals.length > 0, 3000, "onGlobals");
  assert.deepEqual(globals[0].sort(), ["endTick", "phase"], "the first call names every global");

  // Registered once the state is held: called at once, during the registration.
  await waitFor(() => room.tick > 0, 3000, "a state");
  const now = [];
  room.onAdd((e) => now.push(e));
  assert.equal(now.length, room.entities.size);
  assert.ok(now.includes(room.me), "the own entity among them");
  assert.deepEqual(new Set(now), new Set(room.entities.values()));
  const gnow = [];
  room.onGlobals((g, names) => gnow.push([g, names]));
  assert.equal(gnow.length, 1);
  assert.equal(gnow[0][0], room.globals);
  assert.deepEqual([...gnow[0][1]].sort(), ["endTick", "phase"]);
  const phases = [];
  room.listen("phase", (v, prev) => phases.push([v, prev]));
  assert.deepEqual(phases, [[0, undefined]], "listen first reports the current value");

  // immediate: false opts out.
  const quiet = [];
  room.onAdd((e) => quiet.push(e), { immediate: false });
  room.onGlobals(() => quiet.push("g"), { immediate: false });
  room.listen("phase", () => quiet.push("p"), { immediate: false });
  assert.deepEqual(quiet, []);

  // A global's listener gets each change with the value before it.
  await room.start();
  await waitFor(() => phases.length > 1, 3000, "phase change");
  assert.deepEqual(phases[1], [1, 0]);
  assert.ok(quiet.includes("g") && quiet.includes("p"), "the quiet callbacks still hear changes");
  assert.throws(() => room.listen("phaze", () => {}), TypeError, "an unknown global is a TypeError");
});

test(`state (${TRANSPORT}): entity.listen reports every change with the previous value`, { skip }, async () => {
  const c = await client("listener");
  const room = await c.create({ mode: "arena" });
  await room.start();
  const me = await waitFor(() => room.me, 3000, "the own entity");
  const xs = [];
  const off = me.listen("x", (value, previous) => xs.push([value, previous]));
  assert.deepEqual(xs, [[me.fields.x, undefined]], "called at once with the current value");
  assert.throws(() => me.listen("nope", () => {}), TypeError);
  const quiet = [];
  me.listen("x", (v) => quiet.push(v), { immediate: false });
  assert.deepEqual(quiet, []);
  for (let i = 0; i < 10; i++) { room.sendInput({ x: 1, y: 0 }); await sleep(50); }
  await waitFor(() => xs.length >= 5, 3000, "x changes");
  for (let i = 1; i < xs.length; i++) {
    assert.equal(xs[i][1], xs[i - 1][0], `change ${i}: previous is the value before`);
    assert.notEqual(xs[i][0], xs[i][1], `change ${i}: a change`);
  }
  assert.equal(xs.at(-1)[0], me.fields.x);
  off();
  const n = xs.length;
  for (let i = 0; i < 5; i++) { room.sendInput({ x: -1, y: 0 }); await sleep(50); }
  await waitFor(() => quiet.length >= n + 3, 3000, "more x changes");
  assert.equal(xs.length, n, "no calls after off()");
});

test(`state (${TRANSPORT}): removeAllListeners silences the room`, { skip }, async () => {
  const c = await client("silent");
  const room = await c.create({ mode: "arena" });
  const me = await waitFor(() => room.me, 3000, "the own entity");
  let calls = 0;
  const count = () => { calls++; };
  room.on("snapshot", count);
  room.onChange(count);
  room.onGlobals(count);
  room.listen("phase", count);
  me.listen("x", count);
  room.on("player", count);
  room.removeAllListeners();
  calls = 0;
  const snapshots = room.stats.snapshots;
  await room.start();
  for (let i = 0; i < 6; i++) { room.sendInput({ x: 0, y: 1 }); await sleep(50); }
  await waitFor(() => room.stats.snapshots > snapshots + 5, 3000, "snapshots");
  assert.equal(calls, 0);
  // The room still works, and takes new listeners.
  await next(room, "snapshot");
});

test(`quickjoin (${TRANSPORT}): create options make the room; playerMeta reaches the mode`, { skip: skipUnless("TICKROOM_HOST_URL") }, async () => {
  const meta = { suite: "client-js-quick-create-" + run };
  const a = await client("red1", HOST_URL);
  const b = await client("red2", HOST_URL);
  const blue = await client("blue", HOST_URL);
  // (A refused quickjoin may leave the room it made: other meta keeps it apart from the one below.)
  await expectCode(blue.quickjoin({ mode: "shop", meta: { suite: meta.suite + "-blue" }, playerMeta: { team: "blue" } }), "REFUSED");
  await expectCode(a.quickjoin({ mode: "shop", meta, create: { maxPlayers: 9 } }), "BAD_REQUEST");
  const ra = await a.quickjoin({ mode: "shop", meta, create: { name: "Apple shop", maxPlayers: 3 }, playerMeta: { team: "red" } });
  assert.equal(ra.info.name, "Apple shop");
  assert.equal(ra.info.maxPlayers, 3);
  assert.deepEqual(ra.info.meta, meta);
  const rb = await b.quickjoin({ mode: "shop", meta, create: { name: "another" }, playerMeta: { team: "green" } });
  assert.equal(rb.id, ra.id, "the second quickjoin joins the room the first made");
  const teams = new Map();
  rb.onAdd((e) => teams.set(e.fields.pid, e.fields.team));
  await waitFor(() => teams.size === 2, 3000, "both customers");
  assert.equal(teams.get(ra.playerId), "red");
  assert.equal(teams.get(rb.playerId), "green");
  // The old form still works: quickjoin(mode, meta).
  const c = await client("plain", HOST_URL);
  const rc = await c.quickjoin("shop", meta);
  assert.equal(rc.id, ra.id);
});

test(`playerMeta (${TRANSPORT}): on create and join; the password goes in join's object`, { skip: skipUnless("TICKROOM_HOST_URL") }, async () => {
  const a = await client("host", HOST_URL);
  const b = await client("guest", HOST_URL);
  const blue = await client("blue", HOST_URL);
  const room = await a.create({ mode: "shop", password: "hunter2", private: true, playerMeta: { team: "red" } });
  await expectCode(blue.join({ code: room.code, password: "hunter2", playerMeta: { team: "blue" } }), "REFUSED");
  // A password passed apart from the object would be dropped: join refuses the call.
  await assert.rejects(b.join({ code: room.code }, "hunter2"), TypeError);
  const rb = await b.join({ code: room.code, password: "hunter2", playerMeta: { team: "gold" } });
  const teams = new Map();
  rb.onAdd((e) => teams.set(e.fields.pid, e.fields.team));
  await waitFor(() => teams.size === 2, 3000, "both customers");
  assert.equal(teams.get(room.playerId), "red");
  assert.equal(teams.get(rb.playerId), "gold");
});
