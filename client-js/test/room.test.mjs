// The Room's callbacks without a server: snapshots of docs/snapshot-format.md's worked example are
// fed to a Room on a stand-in client. onAdd/onGlobals/listen report what the room holds when they
// are registered late, field listeners get previous values, room:events that came with the join
// wait for their handler, and removeAllListeners silences everything.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Room } from "../src/room.js";
import { Client } from "../src/client.js";
import { arenaSchema, hex, tick1, tick2 } from "./fixtures.mjs";

const zeroGlobals = hex("08 03 00 00"); // a full state: no entities, phase 0, endTick 0

// room makes a Room as Client._seat does, on a client that sends nothing.
function room() {
  const client = {
    opts: { interpolationDelay: 100, requestTimeout: 1000, schemas: { arena: arenaSchema } },
    socket: { connected: true, emit() {} },
    room: null,
    serverNow: (t) => t,
    request: () => Promise.resolve({ ok: true }),
  };
  const r = new Room(client, {
    room: { id: "r1", code: "ABCDEF", mode: "arena" },
    you: { playerId: 7, seatToken: "tok" },
    players: [{ id: 7, name: "ann" }],
  });
  client.room = r;
  return r;
}

const snap = (t, b, e) => ({ t, b, a: 0, ts: t * 50, e });

test("onAdd and onGlobals report what the room holds when registered after the state came", () => {
  const r = room();
  const early = [];
  r.onAdd((e) => early.push(e.id));
  r.onGlobals((g, names) => early.push(names.join()));
  assert.deepEqual(early, [], "nothing before a state");
  r._onSnapshot(snap(1, 0, tick1));
  assert.deepEqual(early, [1, 2, "phase,endTick"]);

  const late = [];
  r.onAdd((e) => late.push(e.id));
  r.onGlobals((g, names) => late.push([g.phase, names.join()]));
  assert.deepEqual(late, [1, 2, [1, "phase,endTick"]], "called during the registration");
  const none = [];
  r.onAdd((e) => none.push(e), { immediate: false });
  r.onGlobals((g) => none.push(g), { immediate: false });
  assert.deepEqual(none, []);

  r._onSnapshot(snap(2, 1, tick2));
  assert.deepEqual(early.slice(3), [3], "then only the entities entering");
  assert.deepEqual(none.map((e) => e.id), [3]);
});

test("the first full state reports every global, zero values too", () => {
  const r = room();
  const calls = [];
  r.onGlobals((g, names) => calls.push([names.join(), g.phase, g.endTick]));
  const phases = [];
  r.listen("phase", (v, prev) => phases.push([v, prev]));
  assert.deepEqual(phases, [], "no value before a state");
  r._onSnapshot(snap(1, 0, zeroGlobals));
  assert.deepEqual(calls, [["phase,endTick", 0, 0]]);
  assert.deepEqual(phases, [[0, undefined]]);
  r._onSnapshot(snap(2, 0, tick1)); // a full state again: only the differences
  assert.deepEqual(calls[1], ["phase,endTick", 1, 6001]);
  assert.deepEqual(phases[1], [1, 0]);
  r._onSnapshot(snap(3, 0, tick1));
  assert.equal(calls.length, 2, "an equal full state changes nothing");
});

test("entity.listen and room.listen: the current value first, then each change with the previous", () => {
  const r = room();
  r._onSnapshot(snap(1, 0, tick1));
  const ann = r.entities.get(1);
  assert.equal(r.me, ann, "pid 7 is the own entity");
  const got = [];
  const offX = ann.listen("x", (v, prev) => got.push(["x", v, prev]));
  ann.listen("boost", (v, prev) => got.push(["boost", v, prev]));
  ann.listen("name", (v, prev) => got.push(["name", v, prev]), { immediate: false });
  assert.deepEqual(got, [["x", 10.5, undefined], ["boost", false, undefined]]);
  assert.throws(() => ann.listen("nope", () => {}), TypeError);
  assert.throws(() => r.listen("nope", () => {}), TypeError);
  assert.deepEqual(Object.keys(ann), ["id", "kind", "fields"], "listen is not an enumerable field");

  got.length = 0;
  r._onSnapshot(snap(2, 1, tick2));
  assert.deepEqual(got, [["x", 20.5, 10.5], ["boost", true, false]]);
  offX();
  got.length = 0;
  r._onSnapshot(snap(3, 2, hex("02 01 00 01 00"))); // x back to 0
  assert.deepEqual(got, []);
  assert.equal(ann.fields.x, 0);
});

test("room:events that arrive with the join wait for the first handler of their type", async () => {
  const r = room();
  r._onEvent({ type: "welcome", gold: 10 });
  r._onEvent({ type: "other" });
  const all = [];
  r.on("event", (ev) => all.push(ev.type));
  const got = [];
  r.onMessage("welcome", (ev) => got.push(ev));
  assert.deepEqual(got, [{ type: "welcome", gold: 10 }], "delivered during the registration");
  r.onMessage("welcome", (ev) => got.push(ev));
  assert.equal(got.length, 1, "to the first handler only");
  await new Promise((resolve) => setTimeout(resolve, 5));
  r._onEvent({ type: "later" });
  const later = [];
  r.onMessage("later", (ev) => later.push(ev));
  r.onMessage("other", (ev) => later.push(ev));
  assert.deepEqual(later, [], "held only until the seating task is over");
  r._onEvent({ type: "welcome", gold: 1 });
  assert.equal(got.length, 3, "both handlers hear later events");
  assert.deepEqual(all, ["later", "welcome"]);
  assert.throws(() => r.onMessage(5, () => {}), TypeError);
});

test("removeAllListeners drops every callback, the entities' listen too", () => {
  const r = room();
  r._onSnapshot(snap(1, 0, tick1));
  let calls = 0;
  const count = () => { calls++; };
  r.onAdd(count);
  r.onRemove(count);
  r.onChange(count);
  r.onGlobals(count);
  r.listen("phase", count);
  r.entities.get(1).listen("x", count);
  r.onMessage("x", count);
  r.on("snapshot", count);
  calls = 0;
  r.removeAllListeners();
  r._onSnapshot(snap(2, 1, tick2));
  r._onSnapshot(snap(3, 0, zeroGlobals));
  r._onEvent({ type: "x" });
  assert.equal(calls, 0);
  assert.equal(r.tick, 3, "the room still applies snapshots");
});

test("a closed room refuses requests with NOT_IN_ROOM without sending", async () => {
  const r = room();
  let sent = 0;
  r.client.request = () => { sent++; return Promise.resolve({ ok: true }); };
  r._close("kicked");
  for (const p of [r.send("x"), r.chat("hi"), r.ready(), r.start(), r.kick(1), r.leave(), r.resync()]) {
    await assert.rejects(p, (e) => e.code === "NOT_IN_ROOM");
  }
  assert.equal(sent, 0);
});

test("a room entered by rejoin takes inputs only once its first state tells the seat's a", () => {
  for (const rejoin of [false, true]) {
    const sent = [];
    const client = {
      opts: { interpolationDelay: 100, requestTimeout: 1000, schemas: { arena: arenaSchema } },
      socket: { connected: true, emit: (ev, input) => sent.push(input.seq) },
      room: null,
      serverNow: (t) => t,
      request: () => Promise.resolve({ ok: true }),
    };
    const joined = { room: { id: "r1", code: "ABCDEF", mode: "arena" }, you: { playerId: 7, seatToken: "tok" }, players: [{ id: 7, name: "ann" }] };
    const r = Client.prototype._enter.call(client, joined, null, rejoin);
    // A new seat's seq starts at 1; a seat taken back goes on from its a (5 here), which only
    // the first state tells: an input before it would be dropped by the server.
    assert.equal(r.sendInput({ x: 1 }), rejoin ? null : 1, `rejoin=${rejoin}: before the first state`);
    r._onSnapshot({ ...snap(1, 0, zeroGlobals), a: rejoin ? 5 : 0 });
    assert.equal(r.sendInput({ x: 1 }), rejoin ? 6 : 2, `rejoin=${rejoin}: after it`);
    assert.deepEqual(sent, rejoin ? [6] : [1, 2]);
  }
});
