// Every request's success and each error code it can return, in the contract's precedence.
import { assert, connect, eventsOf, fails, ok, req, run, scenario, sleep, waitEvent } from "../lib.mjs";

scenario(async () => {
  const meta = { run };
  const a = await connect("alice");
  const b = await connect("bob");
  const c = await connect("carol");

  // Shapes: a payload that is not a map, wrong types.
  await fails(a, "room:create", "arena", "BAD_REQUEST");
  await fails(a, "room:create", {}, "BAD_REQUEST");
  await fails(a, "room:create", { mode: 7 }, "BAD_REQUEST");
  await fails(a, "room:create", { mode: "arena", maxPlayers: 99 }, "BAD_REQUEST");
  await fails(a, "room:create", { mode: "arena", maxPlayers: "2" }, "BAD_REQUEST");
  await fails(a, "room:create", { mode: "arena", private: "yes" }, "BAD_REQUEST");
  await fails(a, "room:create", { mode: "arena", meta: { x: [1] } }, "BAD_REQUEST");
  await fails(a, "room:create", { mode: "arena", meta: { x: "y".repeat(65) } }, "BAD_REQUEST");
  await fails(a, "room:create", { mode: "arena", meta: { ["k".repeat(33)]: 1 } }, "BAD_REQUEST");
  const many = {};
  for (let i = 0; i < 17; i++) many["k" + i] = i;
  await fails(a, "room:create", { mode: "arena", meta: many }, "BAD_REQUEST");
  await fails(a, "room:create", { mode: "nope" }, "UNKNOWN_MODE");
  // BAD_REQUEST before UNKNOWN_MODE.
  await fails(a, "room:create", { mode: "nope", private: 1 }, "BAD_REQUEST");

  // room:create: the creator is seated and host.
  const created = await ok(a, "room:create", { mode: "arena", name: "  Alice's\u0007 room ", maxPlayers: 3, meta });
  assert.equal(created.room.name, "Alice's room");
  assert.equal(created.room.maxPlayers, 3);
  assert.equal(created.room.players, 1);
  assert.equal(created.room.phase, "waiting");
  assert.equal(created.room.private, false);
  assert.equal(created.room.hasPassword, false);
  assert.deepEqual(created.room.meta, meta);
  assert.match(created.room.code, /^[A-HJKMNP-Z2-9]{6}$/);
  assert.equal(created.players.length, 1);
  assert.deepEqual(created.players[0], { id: created.you.playerId, name: "alice", ready: false, host: true, connected: true, bot: false });
  assert.equal(typeof created.you.seatToken, "string");
  await fails(a, "room:create", { mode: "arena" }, "ALREADY_IN_ROOM");
  await fails(a, "room:create", { mode: "nope" }, "ALREADY_IN_ROOM"); // before UNKNOWN_MODE
  await fails(a, "room:quickjoin", { mode: "arena" }, "ALREADY_IN_ROOM");
  const roomId = created.room.id;

  // room:join
  await fails(b, "room:join", {}, "BAD_REQUEST");
  await fails(b, "room:join", { roomId, code: created.room.code }, "BAD_REQUEST");
  await fails(b, "room:join", { roomId: 5 }, "BAD_REQUEST");
  await fails(b, "room:join", { roomId: "no-such-room" }, "ROOM_NOT_FOUND");
  await fails(b, "room:join", { code: "ZZZZZZ" }, "ROOM_NOT_FOUND");
  const joined = await ok(b, "room:join", { code: created.room.code.toLowerCase() });
  assert.equal(joined.room.id, roomId);
  assert.equal(joined.room.players, 2);
  assert.equal(joined.players.length, 2);
  assert.equal(joined.players.find((p) => p.id === joined.you.playerId).host, false);
  await fails(b, "room:join", { roomId }, "ALREADY_IN_ROOM");
  // The others learn of the joiner.
  const pj = await waitEvent(a, "room:player", (e) => e.op === "join");
  assert.equal(pj.player.id, joined.you.playerId);
  assert.equal(pj.player.name, "bob");
  const info = await waitEvent(a, "room:info", (e) => e.players === 2);
  assert.equal(info.id, roomId);
  assert.equal(eventsOf(b, "room:player").filter((e) => e.op === "join" && e.player.id === joined.you.playerId).length, 0, "the joiner is not told of itself");

  // room:ready
  await fails(c, "room:ready", { ready: true }, "NOT_IN_ROOM");
  await fails(b, "room:ready", {}, "BAD_REQUEST");
  await fails(b, "room:ready", { ready: "yes" }, "BAD_REQUEST");
  await fails(c, "room:ready", { ready: 1 }, "BAD_REQUEST"); // before NOT_IN_ROOM
  await ok(b, "room:ready", { ready: true });
  const upd = await waitEvent(a, "room:player", (e) => e.op === "update" && e.player.id === joined.you.playerId);
  assert.equal(upd.player.ready, true);

  // room:chat
  await fails(c, "room:chat", { text: "hi" }, "NOT_IN_ROOM");
  await fails(b, "room:chat", {}, "BAD_REQUEST");
  await fails(b, "room:chat", { text: 5 }, "BAD_REQUEST");
  await fails(b, "room:chat", { text: "   " }, "BAD_REQUEST");
  await fails(b, "room:chat", { text: "x".repeat(201) }, "BAD_REQUEST");
  await ok(b, "room:chat", { text: "  " + "é".repeat(200) + " " }); // 200 code points after trim
  await ok(b, "room:chat", { text: " hello " });
  const heard = await waitEvent(a, "room:chat", (e) => e.text === "hello");
  assert.equal(heard.from, joined.you.playerId);
  assert.equal(heard.name, "bob");
  assert.equal(typeof heard.at, "number");
  await waitEvent(b, "room:chat", (e) => e.text === "hello"); // the sender hears itself
  // Burst of 5: three more pass, then RATE_LIMITED.
  await ok(b, "room:chat", { text: "3" });
  await ok(b, "room:chat", { text: "4" });
  await ok(b, "room:chat", { text: "5" });
  await fails(b, "room:chat", { text: "6" }, "RATE_LIMITED");
  await fails(b, "room:chat", { text: "" }, "BAD_REQUEST"); // BAD_REQUEST before RATE_LIMITED
  await sleep(1100);
  await ok(b, "room:chat", { text: "after a second" });

  // room:kick
  await fails(c, "room:kick", { playerId: 1 }, "NOT_IN_ROOM");
  await fails(a, "room:kick", {}, "BAD_REQUEST");
  await fails(a, "room:kick", { playerId: "1" }, "BAD_REQUEST");
  await fails(a, "room:kick", { playerId: created.you.playerId }, "BAD_REQUEST");
  await fails(a, "room:kick", { playerId: 9999 }, "BAD_REQUEST");
  await fails(b, "room:kick", { playerId: created.you.playerId }, "NOT_HOST");
  const cj = await ok(c, "room:join", { roomId });
  await ok(a, "room:kick", { playerId: cj.you.playerId });
  const closed = await waitEvent(c, "room:closed");
  assert.deepEqual(closed, { reason: "kicked" });
  await waitEvent(b, "room:player", (e) => e.op === "leave" && e.player.id === cj.you.playerId);
  await fails(c, "room:rejoin", { seatToken: cj.you.seatToken }, "SEAT_EXPIRED");
  await fails(c, "room:leave", {}, "NOT_IN_ROOM");

  // room:start
  await fails(c, "room:start", {}, "NOT_IN_ROOM");
  await fails(b, "room:start", {}, "NOT_HOST");
  await ok(a, "room:start", {});
  const playing = await waitEvent(b, "room:info", (e) => e.phase === "playing");
  assert.equal(playing.players, 2);
  await fails(a, "room:start", {}, "ROOM_LOCKED");
  await fails(b, "room:start", {}, "ROOM_LOCKED"); // ROOM_LOCKED before NOT_HOST
  await fails(b, "room:ready", { ready: false }, "ROOM_LOCKED");

  // room:resync, time:sync
  await fails(c, "room:resync", {}, "NOT_IN_ROOM");
  await ok(a, "room:resync", {});
  const t0 = Date.now();
  const ts = await ok(c, "time:sync", { t0 });
  assert.equal(ts.t0, t0);
  assert.ok(Math.abs(ts.serverTime - Date.now()) < 5000);
  await fails(c, "time:sync", { t0: "x" }, "BAD_REQUEST");

  // room:rejoin
  await fails(c, "room:rejoin", {}, "BAD_REQUEST");
  await fails(c, "room:rejoin", { seatToken: 5 }, "BAD_REQUEST");
  await fails(c, "room:rejoin", { seatToken: "bogus" }, "SEAT_EXPIRED");
  await fails(a, "room:rejoin", { seatToken: joined.you.seatToken }, "ALREADY_IN_ROOM");
  const bMark = a.events.length;
  b.disconnect();
  const drop = await waitEvent(a, "room:player", (e) => e.op === "update" && e.player.id === joined.you.playerId && !e.player.connected, 8000, bMark);
  assert.equal(drop.player.connected, false);
  const re = await ok(c, "room:rejoin", { seatToken: joined.you.seatToken });
  assert.equal(re.you.playerId, joined.you.playerId);
  assert.notEqual(re.you.seatToken, joined.you.seatToken, "a fresh token");
  await waitEvent(a, "room:player", (e) => e.op === "update" && e.player.id === joined.you.playerId && e.player.connected, 8000, bMark);
  await fails(a, "room:rejoin", { seatToken: joined.you.seatToken }, "ALREADY_IN_ROOM");
  const d = await connect("dave");
  await fails(d, "room:rejoin", { seatToken: joined.you.seatToken }, "SEAT_EXPIRED"); // old token stopped working
  await waitEvent(c, "snapshot", (s) => s.b === 0); // a full state first

  // room:leave
  await ok(c, "room:leave", {});
  await fails(c, "room:leave", {}, "NOT_IN_ROOM");
  await waitEvent(a, "room:player", (e) => e.op === "leave" && e.player.id === joined.you.playerId);
  await waitEvent(a, "room:info", (e) => e.players === 1);

  // Full and locked rooms.
  const tiny = await ok(c, "room:create", { mode: "arena", maxPlayers: 1, meta, options: { matchSeconds: 1 } });
  await fails(d, "room:join", { roomId: tiny.room.id }, "ROOM_FULL");
  await ok(c, "room:start", {});
  await waitEvent(c, "room:event", (e) => e.type === "results", 5000);
  await waitEvent(c, "room:info", (e) => e.phase === "ended");
  await fails(d, "room:join", { roomId: tiny.room.id }, "ROOM_LOCKED");
  await fails(d, "room:join", { roomId: tiny.room.id, password: 5 }, "BAD_REQUEST");

  // A request without an ack is dropped; the socket keeps working.
  d.emit("room:create", { mode: "arena" });
  d.emit("lobby:list", "not a map");
  await sleep(100);
  await fails(d, "room:leave", {}, "NOT_IN_ROOM");
  // Absent and nil payloads count as {}.
  await fails(d, "room:leave", undefined, "NOT_IN_ROOM");
  await fails(d, "room:leave", null, "NOT_IN_ROOM");
  await ok(d, "lobby:list", null);
});
