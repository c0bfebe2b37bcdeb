// room.send and room.onMessage against the shop mode of the Go test's own host
// (client-js/shopmode_test.go): the handler's reply, REFUSED, BAD_REQUEST for an unknown type,
// NOT_IN_ROOM, the per-connection message bucket (RATE_LIMITED), and room:events to everyone, to
// one player and to all but one. Over the transports of TICKROOM_TRANSPORTS (see helpers.mjs).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { connect, TickroomError } from "../src/index.js";
import { skipUnless, waitFor, next, rejectsWith, TRANSPORTS, TRANSPORT } from "./helpers.mjs";

const HOST_URL = process.env.TICKROOM_HOST_URL || "";
const skip = skipUnless("TICKROOM_HOST_URL");
const clients = [];
async function client(name) {
  const c = await connect(HOST_URL, { name, transports: TRANSPORTS });
  clients.push(c);
  return c;
}
after(() => { for (const c of clients) c.close(); });

const expectCode = (p, code) => rejectsWith(assert, p, code, TickroomError);

test(`messages (${TRANSPORT}): reply, REFUSED, BAD_REQUEST, NOT_IN_ROOM`, { skip }, async () => {
  const a = await client("buyer");
  // Not seated: the server's NOT_IN_ROOM.
  await expectCode(a.request("room:message", { type: "echo" }), "NOT_IN_ROOM");
  const room = await a.create({ mode: "shop" });
  // The welcome the mode sends a joiner reaches a handler registered after the join.
  const [welcome] = await next({ on: (ev, fn) => room.onMessage(ev, fn) }, "welcome");
  assert.deepEqual(welcome, { type: "welcome", gold: 10 });

  const me = await waitFor(() => room.me, 3000, "the own customer");
  const gold = [];
  me.listen("gold", (v, prev) => gold.push([v, prev]));
  const sale = next({ on: (ev, fn) => room.onMessage(ev, fn) }, "sale");
  const reply = await room.send("buy", { item: "apple" });
  assert.deepEqual(reply, { item: "apple", price: 3, gold: 7 });
  assert.deepEqual((await sale)[0], { type: "sale", item: "apple", by: room.playerId });
  await waitFor(() => gold.length === 2, 3000, "the gold field's change");
  assert.deepEqual(gold, [[10, undefined], [7, 10]]);
  await waitFor(() => room.globals.sales === 1, 3000, "the sales global");

  await rejectsWith(assert, room.send("buy", { item: "pear" }), "REFUSED", TickroomError);
  await assert.rejects(room.send("buy", { item: "pear" }), { message: "we only sell apples" });
  await expectCode(room.send("buy"), "REFUSED"); // no data: the handler's own refusal
  await expectCode(room.send("sell", { item: "apple" }), "BAD_REQUEST"); // no handler
  await expectCode(room.send("bad type!"), "BAD_REQUEST");
  await expectCode(room.send(""), "BAD_REQUEST");
  await expectCode(room.send("x".repeat(33)), "BAD_REQUEST");
  await expectCode(room.send("ok", "x".repeat(17 * 1024)), "BAD_REQUEST"); // payload over 16 KB

  // Any value goes as data and comes back as the handler returns it; none is no reply.
  const data = { list: [1, -2.5, "three", true, null, { deep: ["x"] }], n: 2 ** 40, s: "héllo" };
  assert.deepEqual(await room.send("echo", data), data);
  assert.equal(await room.send("echo", "just a string"), "just a string");
  assert.equal(await room.send("echo"), undefined);

  // Two more apples spend the gold; then REFUSED with the mode's reason.
  await room.send("buy", { item: "apple" });
  await room.send("buy", { item: "apple" });
  await assert.rejects(room.send("buy", { item: "apple" }), (e) => e instanceof TickroomError && e.code === "REFUSED" && e.message === "not enough gold");

  // A closed room refuses at once, whatever the connection does next.
  await room.leave();
  await expectCode(room.send("echo", 1), "NOT_IN_ROOM");
  const other = await a.create({ mode: "shop" });
  await expectCode(room.send("echo", 1), "NOT_IN_ROOM");
  assert.equal(await other.send("echo", 2), 2);
});

test(`messages (${TRANSPORT}): the bucket of 60 answers RATE_LIMITED beyond it`, { skip }, async () => {
  const a = await client("spammer");
  const room = await a.create({ mode: "shop" });
  const results = await Promise.allSettled(Array.from({ length: 80 }, (_, i) => room.send("echo", i)));
  const codes = {};
  results.forEach((r, i) => {
    const k = r.status === "fulfilled" ? "ok" : r.reason.code;
    codes[k] = (codes[k] || 0) + 1;
    if (r.status === "fulfilled") assert.equal(r.value, i);
    else assert.ok(r.reason instanceof TickroomError);
  });
  assert.ok(codes.ok >= 60 && codes.ok < 70, `80 at once: ${JSON.stringify(codes)}`);
  assert.equal(codes.ok + codes.RATE_LIMITED, 80, JSON.stringify(codes));
  // Another connection has its own bucket.
  const b = await client("patient");
  const rb = await b.join({ roomId: room.id });
  assert.equal(await rb.send("echo", "fine"), "fine");
});

test(`events (${TRANSPORT}): to everyone, to one player, to all but the sender`, { skip }, async () => {
  const [a, b, c] = [await client("ann"), await client("bob"), await client("cat")];
  const ra = await a.create({ mode: "shop" });
  const rb = await b.join({ code: ra.code });
  const rc = await c.join({ code: ra.code });
  const got = new Map([[ra, []], [rb, []], [rc, []]]);
  for (const [room, list] of got) {
    for (const type of ["whisper", "shout", "sale"]) room.onMessage(type, (ev) => list.push(ev));
  }
  const all = []; // room.on("event") hears every type
  rb.on("event", (ev) => all.push(ev.type));
  assert.equal(await ra.send("whisper", { to: rb.playerId, text: "psst" }), undefined);
  await ra.send("shout", { text: "hey" });
  await ra.send("buy", { item: "apple" });
  // Events reach a connection in order: once a client has the sale, it has had all before it.
  for (const list of got.values()) await waitFor(() => list.some((ev) => ev.type === "sale"), 3000, "the sale");
  const types = (room) => got.get(room).map((ev) => ev.type);
  assert.deepEqual(types(ra), ["sale"], "the sender hears neither its whisper nor its shout");
  assert.deepEqual(types(rb), ["whisper", "shout", "sale"]);
  assert.deepEqual(types(rc), ["shout", "sale"], "a whisper reaches only its player");
  assert.deepEqual(got.get(rb)[0], { type: "whisper", from: ra.playerId, text: "psst" });
  assert.deepEqual(got.get(rc)[0], { type: "shout", from: ra.playerId, text: "hey" });
  assert.deepEqual(all.filter((t) => t !== "welcome"), ["whisper", "shout", "sale"]);
});
