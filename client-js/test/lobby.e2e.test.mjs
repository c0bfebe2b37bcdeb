// Lobby calls against a real gameserver, and every error code a client can provoke there,
// surfaced as TickroomError; over the transports of TICKROOM_TRANSPORTS (see helpers.mjs).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { connect, Client, TickroomError } from "../src/index.js";
import { URL, skip, waitFor, next, rejectsWith, sleep, TRANSPORTS, TRANSPORT, FINAL_TRANSPORT } from "./helpers.mjs";

const clients = [];
async function client(name) {
  const c = await connect(URL, { name, transports: TRANSPORTS });
  clients.push(c);
  return c;
}
after(() => { for (const c of clients) c.close(); });

const run = Math.random().toString(36).slice(2, 10); // keeps reruns against one server apart
const expectCode = (p, code) => rejectsWith(assert, p, code, TickroomError);

test(`transport: the connection runs over ${TRANSPORT}`, { skip }, async () => {
  // The engine exists as soon as the Client does: watch it from its first transport on.
  const c = new Client(URL, { name: "wire", transports: TRANSPORTS });
  clients.push(c);
  const engine = c.socket.io.engine;
  const first = engine.transport.name;
  const upgrades = [];
  engine.on("upgrade", (tr) => upgrades.push(tr.name));
  await new Promise((resolve, reject) => {
    c.socket.once("connect", resolve);
    c.socket.once("connect_error", reject);
  });
  assert.equal(first, TRANSPORTS[0], "the first transport");
  if (TRANSPORTS.length > 1) await waitFor(() => upgrades.length > 0, 5000, `the upgrade to ${FINAL_TRANSPORT}`);
  const { rtt } = await c.timeSync(3);
  assert.ok(rtt >= 0);
  assert.deepEqual(upgrades, TRANSPORTS.slice(1), "upgrades");
  assert.equal(engine.transport.name, FINAL_TRANSPORT);
  assert.ok(c.connected);
});

test(`lobby (${TRANSPORT}): list, create, join by code and id, players and info kept current, chat`, { skip }, async () => {
  const a = await client("ann");
  const b = await client("bob");
  const room = await a.create({ mode: "arena", name: "js lobby test", meta: { suite: "client-js-lobby-" + run } });
  assert.equal(room.info.mode, "arena");
  assert.equal(room.players.size, 1);
  assert.ok(room.players.get(room.playerId).host);
  assert.ok(room.seatToken && room.code.length === 6);

  const listed = await b.list({ mode: "arena", meta: { suite: "client-js-lobby-" + run } });
  assert.deepEqual(listed.map((r) => r.id), [room.id]);

  const joinedSeen = next(room, "player");
  const rb = await b.joinByCode(room.code.toLowerCase());
  assert.equal(rb.id, room.id);
  assert.equal(rb.players.size, 2);
  const [op, p] = await joinedSeen;
  assert.equal(op, "join");
  assert.equal(p.id, rb.playerId);
  await waitFor(() => room.players.size === 2 && room.info.players === 2, 3000, "room:info with 2 players");

  const chatA = next(room, "chat");
  const chatB = next(rb, "chat");
  await rb.chat("hello from bob");
  for (const [m] of [await chatA, await chatB]) {
    assert.equal(m.text, "hello from bob");
    assert.equal(m.from, rb.playerId);
  }

  const leftSeen = next(room, "player");
  const closed = next(rb, "closed");
  await rb.leave();
  assert.deepEqual(await closed, ["left"]);
  assert.equal(b.room, null);
  assert.equal((await leftSeen)[0], "leave");
  assert.equal(room.players.size, 1);

  const again = await b.joinById(room.id);
  assert.equal(again.id, room.id);
});

test(`lobby (${TRANSPORT}): watch reports created rooms; unwatch`, { skip }, async () => {
  const w = await client("watcher");
  const watch = await w.watch({ mode: "arena", meta: { suite: "client-js-watch-" + run } });
  assert.equal(watch.rooms.size, 0);
  const c = await client("maker");
  const updated = next(watch, "update");
  const room = await c.create({ mode: "arena", meta: { suite: "client-js-watch-" + run } });
  const [rooms] = await updated;
  assert.ok(rooms.some((r) => r.id === room.id));
  assert.ok(watch.rooms.has(room.id));
  await watch.unwatch();
});

test(`lobby (${TRANSPORT}): quickjoin seats players together`, { skip }, async () => {
  const meta = { suite: "client-js-quick-" + run };
  const a = await client("q1");
  const b = await client("q2");
  const ra = await a.quickjoin("arena", meta);
  const rb = await b.quickjoin("arena", meta);
  assert.equal(ra.id, rb.id);
});

test(`errors (${TRANSPORT}): every code a client can cause arrives as a TickroomError`, { skip }, async () => {
  const a = await client("host");
  const b = await client("guest");
  const c = await client("third");

  await expectCode(a.list({ mode: "no-such-mode" }), "UNKNOWN_MODE");
  await expectCode(a.list({ limit: "many" }), "BAD_REQUEST");
  await expectCode(a.create({ mode: "no-such-mode" }), "UNKNOWN_MODE");
  await expectCode(a.create({ mode: "arena", maxPlayers: 99 }), "BAD_REQUEST");
  await expectCode(a.joinByCode("ZZZZZZ"), "ROOM_NOT_FOUND");
  await expectCode(a.join({ roomId: "x", code: "ZZZZZZ" }), "BAD_REQUEST");
  await expectCode(a.request("room:leave"), "NOT_IN_ROOM");
  await expectCode(a.request("room:chat", { text: "hi" }), "NOT_IN_ROOM");

  const room = await a.create({ mode: "arena", maxPlayers: 2, password: "hunter2", private: true });
  await expectCode(a.create({ mode: "arena" }), "ALREADY_IN_ROOM");
  // A failed join costs 5 of a connection's 10 seat requests (rooms/lobby Limits): the two
  // wrong passwords come from two connections, so that b's right one is not RATE_LIMITED.
  await expectCode(b.joinByCode(room.code), "WRONG_PASSWORD");
  await expectCode(c.joinByCode(room.code, "nope"), "WRONG_PASSWORD");
  const rb = await b.joinByCode(room.code, "hunter2");
  await expectCode(c.joinById(room.id, "hunter2"), "ROOM_FULL");
  await expectCode(rb.start(), "NOT_HOST");
  await expectCode(room.kick(room.playerId), "BAD_REQUEST");
  await expectCode(room.chat("   "), "BAD_REQUEST");

  // A kicked player's seat token answers SEAT_EXPIRED.
  const token = rb.seatToken;
  const kicked = next(rb, "closed");
  await room.kick(rb.playerId);
  assert.deepEqual(await kicked, ["kicked"]);
  await expectCode(b.rejoin(token), "SEAT_EXPIRED");

  await room.start();
  await waitFor(() => room.info.phase === "playing", 3000, "phase playing");
  await expectCode(room.ready(true), "ROOM_LOCKED");
  await expectCode(room.start(), "ROOM_LOCKED");

  // Chat: a burst of 5, then RATE_LIMITED.
  let limited = null;
  for (let i = 0; i < 10 && !limited; i++) {
    try { await room.chat("spam " + i); } catch (e) { limited = e; }
  }
  assert.ok(limited instanceof TickroomError);
  assert.equal(limited.code, "RATE_LIMITED");
  await sleep(10);
});
