// The client in a cluster: a seat request answered by a node that does not hold the seat (a
// Joined with url) is followed by the client itself: it connects to the owner with the same
// options, rejoins there, and the room plays on from the full state the rejoin brings, with
// "moved" {from, to} on the client (and on a room that moved while it lived). Over the
// transports of TICKROOM_TRANSPORTS.
//
// Run by tests/cluster's TestFollow (go test ./tests/cluster/), which starts the cluster:
// TICKROOM_CLUSTER_URLS is "A,B,C". A takes every new room; B and C drain, so B places nothing
// and answers with A's url; C's public URL is TICKROOM_DEAD_URL, where nothing listens, and it
// holds one room, join code TICKROOM_DEAD_CODE, made before it drained. Every node puts the
// view hash in every snapshot.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { connect, TickroomError } from "../../src/index.js";
import { skipUnless, waitFor, next, TRANSPORTS, TRANSPORT } from "../helpers.mjs";

const skip = skipUnless("TICKROOM_CLUSTER_URLS", "TICKROOM_RUN", "TICKROOM_DEAD_URL", "TICKROOM_DEAD_CODE");
const [A, B] = (process.env.TICKROOM_CLUSTER_URLS || ",").split(",");
const RUN = `${process.env.TICKROOM_RUN}-${TRANSPORT}`;

const cleanup = [];
async function client(name, url) {
  const c = await connect(url, { name, transports: TRANSPORTS });
  cleanup.push(() => c.close());
  return c;
}
after(async () => { for (const f of cleanup.reverse()) await f(); });

// track counts the room's state callbacks, registered once: they must go on firing after a move.
function track(room) {
  const cb = { adds: 0, changes: 0, snapshots: 0 };
  room.onAdd(() => cb.adds++);
  room.onChange(() => cb.changes++);
  room.on("snapshot", () => cb.snapshots++);
  return cb;
}

// keepsPlaying: the room's callbacks fire, its snapshots pass the hash check, and an input of
// its own is applied, on the node it is on now.
async function keepsPlaying(room, cb) {
  await waitFor(() => room.tick > 0, 5000, "the room's first state"); // inputs wait for it after a rejoin
  const { changes, snapshots } = cb;
  const checked = room.stats.hashChecks;
  const me = room.me;
  const seq = room.sendInput({ x: me && me.fields.x > 0 ? -1 : 1, y: 0.5 }); // towards the middle
  assert.notEqual(seq, null, "the room takes inputs");
  try {
    await waitFor(() => room.ack >= seq && cb.changes > changes && cb.snapshots > snapshots + 5 && room.stats.hashChecks > checked + 5,
      8000, "the input applied, changes and hash-checked snapshots");
  } catch (e) {
    // Which of them did not come says where it stopped.
    throw new Error(`${e.message}: ack ${room.ack} of ${seq}, changes +${cb.changes - changes}, ` +
      `snapshots +${cb.snapshots - snapshots}, hash checks +${room.stats.hashChecks - checked}, ` +
      `desyncs ${room.stats.desyncs}, status ${room.status}`);
  }
  assert.equal(room.stats.desyncs, 0);
  assert.ok(room.me, "the own entity is in view");
}

// The room every test joins: made on A through B; and a watch its maker started on B.
let hostRoom;
let hostCb;
let watch;

test(`cluster (${TRANSPORT}): create through a draining node makes the room on A; the client moves there`, { skip }, async () => {
  const c = await client("maker", B);
  watch = await c.watch({ meta: { run: RUN } });
  watch.on("error", (e) => assert.fail(`the watch was not renewed: ${e.message}`));
  const first = c.socket;
  const moved = next(c, "moved", 10000);
  const room = await c.create({ mode: "arena", name: "made elsewhere", meta: { run: RUN } });
  assert.deepEqual((await moved)[0], { from: B, to: A });
  assert.equal(c.url, A);
  assert.equal(c.room, room);
  assert.equal(room.stats.moves, 1);
  assert.equal(room.info.name, "made elsewhere");
  assert.ok(room.players.get(room.playerId).host);
  // One live connection: the first is closed, the lobby is served on A (which lists every node's rooms).
  assert.notEqual(c.socket, first);
  assert.equal(first.connected, false);
  assert.ok(c.connected);
  hostCb = track(room);
  await keepsPlaying(room, hostCb);
  const listed = await c.list({ meta: { run: RUN } });
  assert.deepEqual(listed.map((r) => r.id), [room.id]);
  await waitFor(() => watch.rooms.get(room.id)?.players === 1, 5000, "the room in the watch");
  hostRoom = room;
});

let joiner;
let joined;

test(`cluster (${TRANSPORT}): join by code through B into A's room`, { skip }, async () => {
  joiner = await client("joiner", B);
  const moved = next(joiner, "moved", 10000);
  const seen = [];
  const off = hostRoom.on("player", (op, p) => seen.push(`${op}:${p.name}:${p.connected}`));
  joined = await joiner.joinByCode(hostRoom.code.toLowerCase());
  assert.deepEqual((await moved)[0], { from: B, to: A });
  assert.equal(joined.id, hostRoom.id);
  assert.equal(joiner.url, A);
  assert.equal(joined.stats.moves, 1);
  // The owner shows the reserved seat away, then there once the client has followed.
  await waitFor(() => hostRoom.players.get(joined.playerId)?.connected === true, 5000, "the joiner seated on A");
  off();
  assert.deepEqual(seen.slice(0, 2), ["join:joiner:false", "update:joiner:true"]);
  await keepsPlaying(joined, track(joined));
  await keepsPlaying(hostRoom, hostCb);
  // The maker's watch, renewed on A when its connection moved there, hears of the join.
  await waitFor(() => watch.rooms.get(hostRoom.id)?.players === 2, 5000, "the join in the watch");
});

test(`cluster (${TRANSPORT}): quickjoin through B, which does not place games, seats on A`, { skip }, async () => {
  const c = await client("quick", B);
  const moved = next(c, "moved", 10000);
  const room = await c.quickjoin({ mode: "arena", meta: { run: RUN, quick: true } });
  assert.deepEqual((await moved)[0], { from: B, to: A });
  assert.equal(c.url, A);
  assert.notEqual(room.id, hostRoom.id, "the meta differs");
  await keepsPlaying(room, track(room));
});

test(`cluster (${TRANSPORT}): rejoin through B takes the seat back on A`, { skip }, async () => {
  const { playerId, seatToken } = joined;
  joiner.close(); // the seat waits in its grace period
  await waitFor(() => hostRoom.players.get(playerId)?.connected === false, 5000, "the joiner away");
  const c = await client("joiner", B);
  const moved = next(c, "moved", 10000);
  const room = await c.rejoin(seatToken);
  assert.deepEqual((await moved)[0], { from: B, to: A });
  assert.equal(room.playerId, playerId);
  assert.notEqual(room.seatToken, seatToken);
  await waitFor(() => hostRoom.players.get(playerId)?.connected === true, 5000, "the joiner back");
  await keepsPlaying(room, track(room));
});

test(`cluster (${TRANSPORT}): a lost connection that comes back to B moves to A with the same room and callbacks`, { skip }, async () => {
  const lb = await balancer(A);
  cleanup.push(() => lb.close());
  const c = await client("balanced", lb.url);
  const room = await c.joinByCode(hostRoom.code); // through the balancer to A: no move
  assert.equal(room.stats.moves, 0);
  const cb = track(room);
  await keepsPlaying(room, cb);
  const { playerId } = room;
  const seen = [];
  for (const ev of ["reconnecting", "moved", "reconnected", "seatlost", "closed"]) room.on(ev, () => seen.push(ev));
  const moved = next(room, "moved", 15000);
  const clientMoved = next(c, "moved", 15000);
  const back = next(room, "reconnected", 15000);
  lb.switchTo(B); // the connection drops and comes back through the balancer, to B
  assert.deepEqual((await moved)[0], { from: lb.url, to: A });
  assert.deepEqual((await clientMoved)[0], { from: lb.url, to: A });
  await back;
  assert.deepEqual(seen, ["reconnecting", "moved", "reconnected"]);
  assert.equal(c.room, room);
  assert.equal(c.url, A);
  assert.equal(room.playerId, playerId);
  assert.equal(room.stats.rejoins, 1);
  assert.equal(room.stats.moves, 1);
  await keepsPlaying(room, cb); // the callbacks registered before the move
});

test(`cluster (${TRANSPORT}): a seat on a node that cannot be reached rejects with CONNECT_FAILED`, { skip }, async () => {
  const dead = process.env.TICKROOM_DEAD_URL;
  const c = await client("unlucky", B);
  await assert.rejects(c.joinByCode(process.env.TICKROOM_DEAD_CODE), (e) => {
    assert.ok(e instanceof TickroomError, `a TickroomError, not ${e}`);
    assert.equal(e.code, "CONNECT_FAILED");
    assert.match(e.message, /^room:join: the room's server /);
    assert.ok(e.message.includes(dead), e.message);
    return true;
  });
  // The first connection stays in use.
  assert.equal(c.room, null);
  assert.equal(c.url, B);
  assert.ok(c.connected);
  await c.list();
});

/**
 * balancer stands for a load balancer in front of the nodes: a TCP proxy to one node at a time.
 * switchTo(url) sends new connections to another node and drops every current one, as a
 * balancer that takes a node out of rotation does.
 */
async function balancer(target) {
  let to = new URL(target);
  const conns = new Set();
  const server = net.createServer((down) => {
    const up = net.connect({ host: to.hostname, port: Number(to.port) });
    for (const [s, other] of [[down, up], [up, down]]) {
      conns.add(s);
      s.on("error", () => {});
      s.on("close", () => { conns.delete(s); other.destroy(); });
      s.pipe(other);
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    switchTo(url) {
      to = new URL(url);
      for (const s of conns) s.destroy();
    },
    close() {
      for (const s of conns) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
