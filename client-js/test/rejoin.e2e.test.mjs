// Rejoin after the connection is cut, and "seat lost" when the seat is gone by the time the
// connection comes back: kicked meanwhile, or the grace period over (a gameserver with
// -seat-grace 1s); over the transports of TICKROOM_TRANSPORTS (see helpers.mjs).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { connect, TickroomError } from "../src/index.js";
import { URL, skip, skipUnless, waitFor, next, sleep, TRANSPORTS, TRANSPORT } from "./helpers.mjs";

const GRACE_URL = process.env.TICKROOM_GRACE_URL || "";
const GRACE_MS = Number(process.env.TICKROOM_GRACE_MS || 0);

const clients = [];
async function client(name, opts = {}, url = URL) {
  const c = await connect(url, { name, transports: TRANSPORTS, ...opts });
  clients.push(c);
  return c;
}
after(() => { for (const c of clients) c.close(); });

test(`rejoin (${TRANSPORT}): a cut connection reconnects to the same seat; the mirror checks out again`, { skip }, async () => {
  const a = await client("cut");
  const room = await a.create({ mode: "arena" });
  await waitFor(() => room.stats.hashChecks > 3, 3000, "snapshots");
  const { playerId, seatToken } = room;
  for (let i = 0; i < 5; i++) { room.sendInput({ x: 1, y: 0 }); await sleep(50); }
  const reconnecting = next(room, "reconnecting");
  const reconnected = next(room, "reconnected", 10000);
  a.socket.io.engine.close(); // the transport drops, as on a network failure
  await reconnecting;
  assert.equal(room.sendInput({ x: 1, y: 0 }), null, "no input while reconnecting");
  await reconnected;
  assert.equal(a.room, room);
  assert.equal(room.playerId, playerId);
  assert.notEqual(room.seatToken, seatToken, "a fresh seat token");
  assert.equal(room.stats.rejoins, 1);
  const checked = room.stats.hashChecks;
  await waitFor(() => room.stats.hashChecks > checked + 10, 3000, "hash-checked snapshots after the rejoin");
  const seq = room.sendInput({ x: 0, y: 1 });
  assert.ok(seq > 5, "the seq continues above the seat's a");
  await waitFor(() => room.ack >= seq, 3000, "the input applied");
  assert.equal(room.stats.desyncs, 0);
});

test(`seat lost (${TRANSPORT}): kicked while the connection was down`, { skip }, async () => {
  const h = await client("host2");
  const hostRoom = await h.create({ mode: "arena" });
  const g = await client("guest2", { reconnectionDelay: 1500, reconnectionDelayMax: 1500, socketOptions: { randomizationFactor: 0 } });
  const room = await g.joinByCode(hostRoom.code);
  const gone = waitFor(() => hostRoom.players.get(room.playerId)?.connected === false, 5000, "guest shown disconnected");
  const lost = next(room, "seatlost", 10000);
  const closed = next(room, "closed", 10000);
  g.socket.io.engine.close();
  await gone;
  await hostRoom.kick(room.playerId); // while the guest is away
  const [err] = await lost;
  assert.ok(err instanceof TickroomError);
  assert.equal(err.code, "SEAT_EXPIRED");
  assert.deepEqual(await closed, ["seatlost"]);
  assert.equal(g.room, null);
});

test(`seat lost (${TRANSPORT}): the grace period ended before the connection came back`, { skip: skipUnless("TICKROOM_GRACE_URL", "TICKROOM_GRACE_MS") }, async () => {
  const h = await client("host3", {}, GRACE_URL);
  const hostRoom = await h.create({ mode: "arena" });
  // The first reconnection attempt comes 800 ms after the grace period has run out.
  const delay = GRACE_MS + 800;
  const g = await client("late", { reconnectionDelay: delay, reconnectionDelayMax: delay, socketOptions: { randomizationFactor: 0 } }, GRACE_URL);
  const room = await g.joinByCode(hostRoom.code);
  await waitFor(() => hostRoom.players.has(room.playerId), 3000, "the host sees the guest");
  const seen = []; // what the host hears of the guest
  hostRoom.on("player", (op, p) => { if (p.id === room.playerId) seen.push({ op, connected: p.connected, at: Date.now() }); });
  const rejoined = [];
  room.on("reconnected", () => rejoined.push(true));
  const lost = next(room, "seatlost", delay + 5000);
  const closed = next(room, "closed", delay + 5000);
  const cutAt = Date.now();
  g.socket.io.engine.close();
  const [err] = await lost;
  const lostAt = Date.now();
  assert.ok(err instanceof TickroomError);
  assert.equal(err.code, "SEAT_EXPIRED");
  assert.deepEqual(await closed, ["seatlost"]);
  assert.equal(g.room, null);
  assert.ok(room.closed);
  assert.deepEqual(rejoined, []);
  assert.ok(lostAt - cutAt >= delay, `seat lost ${lostAt - cutAt} ms after the cut, before the reconnection`);
  assert.ok(g.connected, "the connection itself is back");

  // The host saw the guest drop, then leave when the grace period was over, not before.
  assert.deepEqual(seen.map((e) => e.op), ["update", "leave"]);
  assert.equal(seen[0].connected, false);
  const held = seen[1].at - seen[0].at;
  assert.ok(held >= GRACE_MS - 50 && held < GRACE_MS + 1000, `the seat was held ${held} ms, grace ${GRACE_MS} ms`);
  assert.equal(hostRoom.players.has(room.playerId), false);
  assert.equal(hostRoom.players.size, 1);
  await waitFor(() => hostRoom.info.players === 1, 2000, "room:info with 1 player");
});
