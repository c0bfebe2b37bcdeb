// Play against a real gameserver started with -hash-every 1: every snapshot carries the view
// hash, and the mirror must match the server's view on every one of them, for the whole match.
// (Rejoin and seat loss: rejoin.e2e.test.mjs.)
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { connect, bundledSchemas } from "../src/index.js";
import { URL, skip, waitFor, sleep } from "./helpers.mjs";

const PLAY_SECONDS = Number(process.env.TICKROOM_PLAY_SECONDS || 30);
const clients = [];
async function client(name, opts = {}) {
  const c = await connect(URL, { name, ...opts });
  clients.push(c);
  return c;
}
after(() => { for (const c of clients) c.close(); });

test("the bundled arena schema is the server's", { skip: process.env.TICKROOM_ARENA_SCHEMA ? false : "TICKROOM_ARENA_SCHEMA not set" }, () => {
  assert.deepEqual(bundledSchemas.arena, JSON.parse(process.env.TICKROOM_ARENA_SCHEMA));
});

test(`play: the mirror equals the server view on every snapshot for ${PLAY_SECONDS} s`, { skip, timeout: (PLAY_SECONDS + 30) * 1000 }, async () => {
  const players = [];
  const host = await client("p0");
  const first = await host.create({ mode: "arena", maxPlayers: 4 });
  players.push(first);
  for (let i = 1; i < 3; i++) players.push(await (await client("p" + i)).joinByCode(first.code));
  await first.start();

  // A second copy of each view, kept only through onAdd/onRemove/onChange, must end equal.
  const shadows = players.map((room) => {
    const shadow = new Map();
    room.onAdd((e) => { assert.ok(!shadow.has(e.id), `add of held ${e.id}`); shadow.set(e.id, { ...e.fields }); });
    room.onRemove((e) => { assert.ok(shadow.delete(e.id), `remove of unknown ${e.id}`); });
    room.onChange((e, names) => { const s = shadow.get(e.id); for (const n of names) s[n] = e.fields[n]; });
    for (const e of room.entities.values()) shadow.set(e.id, { ...e.fields });
    return shadow;
  });
  const desyncs = [];
  players.forEach((room, i) => room.on("desync", (why) => desyncs.push(`player ${i}: ${why}`)));

  const startPos = [];
  for (const r of players) startPos.push({ ...(await waitFor(() => r.me, 3000, "own entity")).fields });
  const end = Date.now() + PLAY_SECONDS * 1000;
  let k = 0;
  while (Date.now() < end) {
    for (const [i, room] of players.entries()) {
      const a = (k / 20 + i * 2.1) % (2 * Math.PI);
      room.sendInput({ x: Math.cos(a), y: Math.sin(a), ...(k % 97 === i ? { boost: true } : {}) });
    }
    k++;
    await sleep(50);
  }
  await sleep(300);
  assert.deepEqual(desyncs, []);
  for (const [i, room] of players.entries()) {
    const st = room.stats;
    assert.equal(st.desyncs, 0, `player ${i} desyncs`);
    assert.equal(st.badSections, 0);
    assert.equal(st.skipped, 0);
    assert.ok(st.snapshots >= PLAY_SECONDS * 15, `player ${i}: only ${st.snapshots} snapshots in ${PLAY_SECONDS} s`);
    assert.equal(st.hashChecks, st.snapshots, "every snapshot carries h (-hash-every 1)");
    assert.ok(room.ack > k / 2, `player ${i}: a = ${room.ack} after ${k} inputs`);
    const shadow = shadows[i];
    assert.deepEqual([...shadow.keys()].sort((x, y) => x - y), [...room.entities.keys()].sort((x, y) => x - y));
    for (const e of room.entities.values()) assert.deepEqual(shadow.get(e.id), e.fields, `entity ${e.id}`);
    const me = room.me.fields;
    assert.ok(me.x !== startPos[i].x || me.y !== startPos[i].y, "the player moved");
    assert.ok(room.entities.size > 1, "orbs in view");
    t_log(`player ${i}: ${st.snapshots} snapshots, ${st.hashChecks} hashes checked, ${st.bytes} section bytes, ${room.entities.size} entities, a=${room.ack}`);
  }
});

function t_log(s) { console.log(s); }
