// How a room ends or survives when its connection goes, whoever ends it: the user's own
// socket.disconnect() and client.close() close the room ("disconnected") at once, never leaving
// it reconnecting; simulateConnectionLoss() drops the transport as a network failure would and
// the room rejoins, holding its requests meanwhile; a server that stays unreachable ends in
// "disconnected" once socket.io-client gives up. Over the transports of TICKROOM_TRANSPORTS.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { connect, TickroomError } from "../src/index.js";
import { skipUnless, waitFor, next, sleep, rejectsWith, TRANSPORTS, TRANSPORT } from "./helpers.mjs";
import { startLatencyProxy } from "./latency-proxy.mjs";

const HOST_URL = process.env.TICKROOM_HOST_URL || "";
const skip = skipUnless("TICKROOM_HOST_URL");
const cleanup = [];
async function client(name, opts = {}, url = HOST_URL) {
  const c = await connect(url, { name, transports: TRANSPORTS, ...opts });
  cleanup.push(() => c.close());
  return c;
}
after(async () => { for (const f of cleanup.reverse()) await f(); });

const expectCode = (p, code) => rejectsWith(assert, p, code, TickroomError);

// events records the room's lifecycle events in order.
function events(room) {
  const seen = [];
  room.on("reconnecting", () => seen.push("reconnecting")); // the reason depends on the transport
  room.on("reconnected", () => seen.push("reconnected"));
  room.on("seatlost", (err) => seen.push(`seatlost:${err.code}`));
  room.on("closed", (reason) => seen.push(`closed:${reason}`));
  return seen;
}

test(`connection (${TRANSPORT}): socket.disconnect() by the user closes the room; rejoin takes the seat back`, { skip }, async () => {
  const host = await client("host");
  const hostRoom = await host.create({ mode: "shop" });
  const c = await client("user");
  const room = await c.join({ code: hostRoom.code });
  const seen = events(room);
  const closed = next(room, "closed");
  c.socket.disconnect();
  assert.deepEqual(await closed, ["disconnected"]);
  assert.deepEqual(seen, ["closed:disconnected"], "closed at once, not reconnecting");
  assert.ok(room.closed);
  assert.equal(c.room, null);
  await expectCode(room.send("echo", 1), "NOT_IN_ROOM");
  await expectCode(c.list(), "DISCONNECTED");
  assert.equal(room.sendInput({ walk: 1 }), null);
  // The server holds the seat for its grace period: connecting again and rejoining takes it back.
  await waitFor(() => hostRoom.players.get(room.playerId)?.connected === false, 3000, "the host sees the user away");
  c.socket.connect();
  await waitFor(() => c.connected, 3000, "connected again");
  const again = await c.rejoin(room.seatToken);
  assert.equal(again.playerId, room.playerId);
  assert.equal(await again.send("echo", "back"), "back");
});

test(`connection (${TRANSPORT}): client.close() closes the room, even while it is reconnecting`, { skip }, async () => {
  const c = await client("closer");
  const room = await c.create({ mode: "shop" });
  const seen = events(room);
  c.close();
  assert.deepEqual(seen, ["closed:disconnected"]);
  await expectCode(c.request("lobby:list", {}), "DISCONNECTED");

  const d = await client("dropper", { reconnectionDelay: 5000, reconnectionDelayMax: 5000 });
  const r2 = await d.create({ mode: "shop" });
  const seen2 = events(r2);
  const reconnecting = next(r2, "reconnecting");
  d.simulateConnectionLoss();
  await reconnecting;
  d.close(); // no disconnect event comes now: the connection is down already
  assert.deepEqual(seen2, ["reconnecting", "closed:disconnected"]);
  assert.equal(d.room, null);
});

test(`connection (${TRANSPORT}): simulateConnectionLoss() reconnects and rejoins; requests wait for the rejoin`, { skip }, async () => {
  const c = await client("flaky");
  const room = await c.create({ mode: "shop" });
  await waitFor(() => room.me, 3000, "the own customer");
  const seen = events(room);
  const reconnecting = next(room, "reconnecting");
  c.simulateConnectionLoss();
  await reconnecting;
  assert.equal(room.sendInput({ walk: 1 }), null);
  // Sent while the room is reconnecting: it goes out once the seat is back.
  const reply = room.send("echo", "after the rejoin");
  assert.equal(await reply, "after the rejoin");
  assert.deepEqual(seen, ["reconnecting", "reconnected"]);
  assert.equal(room.stats.rejoins, 1);
  assert.equal(c.room, room);
  await waitFor(() => room.me, 3000, "the own customer after the full state");
});

test(`connection (${TRANSPORT}): reconnection off: a lost connection closes the room`, { skip }, async () => {
  const c = await client("once", { reconnection: false });
  const room = await c.create({ mode: "shop" });
  const seen = events(room);
  const closed = next(room, "closed");
  c.simulateConnectionLoss();
  assert.deepEqual(await closed, ["disconnected"]);
  assert.deepEqual(seen, ["closed:disconnected"]);
});

test(`connection (${TRANSPORT}): a server that stays unreachable ends in "disconnected"`, { skip, timeout: 20000 }, async () => {
  const proxy = await startLatencyProxy(HOST_URL, 0);
  cleanup.push(() => proxy.close());
  const c = await client("stranded", { reconnectionDelay: 100, reconnectionDelayMax: 100, socketOptions: { reconnectionAttempts: 2 } }, proxy.url);
  const room = await c.create({ mode: "shop" });
  const seen = events(room);
  const closed = next(room, "closed", 10000);
  await proxy.close(); // the connection drops, and nothing listens any more
  assert.deepEqual(await closed, ["disconnected"]);
  assert.deepEqual(seen, ["reconnecting", "closed:disconnected"]);
  await expectCode(room.send("echo", 1), "NOT_IN_ROOM");
  await sleep(10);
});
