// Seats routed across cluster nodes, through the npm socket.io-client: a join,
// a quickjoin and a rejoin answered by a node that does not host the room
// carry `url` (the owner's origin); the client connects there with the same
// options and sends room:rejoin with the token it got. SIO_URLS lists the
// nodes' URLs (comma-separated), RUN a value no other test uses.
import { io } from "socket.io-client";
import msgpackParser from "socket.io-msgpack-parser";
import { assert, ok, fails, waitEvent } from "../lobby/lib.mjs";

const urls = process.env.SIO_URLS.split(",");
const run = process.env.RUN;
const opened = [];

/** Connects to url as name; resolves once connected. */
async function connect(url, name) {
  const s = io(url, {
    forceNew: true, reconnection: false, transports: ["websocket"], parser: msgpackParser,
    auth: { name },
  });
  opened.push(s);
  s.events = [];
  s.onAny((ev, arg) => s.events.push([ev, arg]));
  await new Promise((resolve, reject) => {
    s.once("connect", resolve);
    s.once("connect_error", (e) => reject(new Error(`connect ${url}: ${e.message}`)));
  });
  return s;
}

/** Follows a Joined: where it has url, connects there and rejoins with its token. */
async function follow(joined, name) {
  if (!joined.url) return { joined, s: null };
  assert.ok(urls.includes(joined.url), `url ${joined.url} is a node's origin (no path, no slash)`);
  const s = await connect(joined.url, name);
  const back = await ok(s, "room:rejoin", { seatToken: joined.you.seatToken });
  assert.equal(back.url, undefined, "the owner answers without url");
  assert.equal(back.room.id, joined.room.id);
  assert.equal(back.you.playerId, joined.you.playerId);
  await waitEvent(s, "snapshot", (snap) => snap.b === 0, 8000); // a full state first
  return { joined: back, s };
}

try {
  // The owner makes a room on node 0.
  const owner = await connect(urls[0], "owner");
  const made = await ok(owner, "room:create", { mode: "arena", maxPlayers: 4, meta: { run } });
  assert.equal(made.url, undefined);

  // A join answered by node 1: a seat reserved on node 0, shown to the owner as not connected.
  const b1 = await connect(urls[1], "bee");
  const j = await ok(b1, "room:join", { code: made.room.code.toLowerCase() });
  assert.equal(j.url, urls[0]);
  assert.equal(j.room.id, made.room.id);
  assert.equal(j.players.find((p) => p.id === j.you.playerId).connected, false);
  await waitEvent(owner, "room:player", (e) => e.op === "join" && e.player.id === j.you.playerId && !e.player.connected);
  await ok(b1, "lobby:list", {}); // the serving connection is in no room
  const { joined: atOwner, s: b0 } = await follow(j, "bee");
  await waitEvent(owner, "room:player", (e) => e.op === "update" && e.player.id === j.you.playerId && e.player.connected);

  // A rejoin answered by node 2: a fresh token and url; the old token stops working everywhere.
  b0.disconnect();
  const b2 = await connect(urls[2], "bee");
  const r = await ok(b2, "room:rejoin", { seatToken: atOwner.you.seatToken });
  assert.equal(r.url, urls[0]);
  assert.notEqual(r.you.seatToken, atOwner.you.seatToken);
  const { joined: back } = await follow(r, "bee");
  assert.equal(back.players.length, 2);
  for (const u of urls) {
    const c = await connect(u, "thief");
    for (const old of [j.you.seatToken, atOwner.you.seatToken, r.you.seatToken]) {
      await fails(c, "room:rejoin", { seatToken: old }, "SEAT_EXPIRED");
    }
  }

  // Quickjoins asked of every node: one node places them all, the others answer with its url.
  const q = [];
  for (const u of urls) {
    const c = await connect(u, "quick");
    q.push(await ok(c, "room:quickjoin", { mode: "arena", meta: { run, q: 1 } }));
  }
  const room = q[0].room.id;
  assert.ok(q.every((a) => a.room.id === room), "one room for one game");
  const placers = new Set(q.map((a, i) => a.url ?? urls[i]));
  assert.equal(placers.size, 1, `one node places the game: ${[...placers]}`);
  assert.ok(q.some((a) => a.url), "some quickjoin answered by a node that does not host the room");
  for (const a of q) {
    const { joined } = await follow(a, "quick");
    assert.equal(joined.room.id, room);
  }
  const placer = [...placers][0];
  const lister = await connect(placer, "lister");
  const listed = await ok(lister, "lobby:list", { meta: { run, q: 1 } });
  assert.equal(listed.rooms[0].players, 3);
  console.log("routing: ok");
} finally {
  for (const s of opened) s.disconnect();
}

