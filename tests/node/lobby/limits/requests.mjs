// The contract's v2 request limits, as an attacker would try them, against a gameserver with the
// default limits: each abuser gets the contract's answer, and a player in another room sees no
// gap in its snapshots and no error meanwhile.
import { assert, connect, eventsOf, fails, ok, req, run, scenario, sleep, waitEvent } from "../lib.mjs";

scenario(async () => {
  // The bystander: plays in its own room for the whole scenario.
  const by = await connect("bystander");
  const mine = await ok(by, "room:create", { mode: "arena", meta: { run, who: "bystander" } });
  const ticks = [];
  by.on("snapshot", (s) => ticks.push(s.t));

  // 1. The seat request bucket: 10 at once, then RATE_LIMITED; 5 a second after that.
  const a = await connect("burst");
  await ok(a, "room:create", { mode: "arena", private: true, meta: { run } });
  // Sent at once, so that the bucket barely refills while they are answered.
  const answers = (await Promise.all(Array.from({ length: 14 }, () => req(a, "room:quickjoin", { mode: "arena" })))).map((r) => r.error?.code);
  const seated = answers.filter((c) => c === "ALREADY_IN_ROOM").length;
  assert.ok(seated === 9 || seated === 10, `the burst: ${JSON.stringify(answers)}`); // 10, the create's included
  assert.equal(answers.filter((c) => c === "RATE_LIMITED").length, 14 - seated, JSON.stringify(answers));
  await fails(a, "room:quickjoin", { mode: 7 }, "BAD_REQUEST"); // the shape comes first
  await sleep(1100);
  await fails(a, "room:quickjoin", { mode: "arena" }, "ALREADY_IN_ROOM"); // refilled

  // 2. Guessing codes: a join into no room costs five tokens.
  const g = await connect("guesser");
  const guesses = (await Promise.all(Array.from({ length: 100 }, (_, i) => req(g, "room:join", { code: "ZZZZZ" + (i % 10) })))).map((r) => r.error?.code);
  const notFound = guesses.filter((c) => c === "ROOM_NOT_FOUND").length;
  assert.equal(notFound, 2, `100 guesses answered ${notFound} ROOM_NOT_FOUND; the rest must be RATE_LIMITED`);
  assert.equal(guesses.filter((c) => c === "RATE_LIMITED").length, 98);

  // 3. Wrong passwords: one room takes ten a minute from everyone together.
  const owner = await connect("owner");
  const locked = await ok(owner, "room:create", { mode: "arena", password: "s3cret", maxPlayers: 4, meta: { run } });
  const tries = [];
  for (let i = 0; i < 12; i++) {
    const p = await connect(`pw${i}`); // a fresh connection each: no bucket of its own runs out
    tries.push((await req(p, "room:join", { code: locked.room.code, password: `guess${i}` })).error?.code);
  }
  assert.deepEqual(tries, [...Array(10).fill("WRONG_PASSWORD"), "RATE_LIMITED", "RATE_LIMITED"]);
  const friend = await connect("friend");
  await ok(friend, "room:join", { code: locked.room.code, password: "s3cret" }); // the right one still works

  // 4. Payload size: 16 KB encoded.
  const big = await connect("big");
  await fails(big, "lobby:list", { mode: "arena", pad: "x".repeat(17 * 1024) }, "BAD_REQUEST");
  const fine = await ok(big, "lobby:list", { mode: "arena", pad: "x".repeat(15 * 1024), meta: { run } });
  assert.ok(Array.isArray(fine.rooms));

  // 5. Text: chat and meta strings lose control and format characters.
  const c1 = await connect("chatter");
  const room = await ok(c1, "room:create", { mode: "arena", meta: { run, tag: "  a\u0007b\u202e\u200bc " } });
  assert.equal(room.room.meta.tag, "abc");
  const c2 = await connect("listener");
  await ok(c2, "room:join", { roomId: room.room.id });
  await ok(c1, "room:chat", { text: "red \u001b[31mtext\r\nnext\u202eline\u2066!" });
  const heard = await waitEvent(c2, "room:chat", (e) => e.from === room.you.playerId);
  assert.equal(heard.text, "red [31mtextnextline!");
  await fails(c1, "room:chat", { text: "\u202e\u0007\r\n" }, "BAD_REQUEST"); // nothing left

  // 6. The contract's fixes.
  const f = await connect("fixes");
  await fails(f, "room:create", { mode: "arena", maxPlayers: 0 }, "BAD_REQUEST");
  const own = await ok(f, "room:create", { mode: "arena", meta: { run, who: "fixes" } });
  await fails(f, "room:rejoin", { seatToken: own.you.seatToken }, "ALREADY_IN_ROOM"); // its own seat too
  const w = await connect("watcher");
  const watched = await ok(w, "lobby:watch", { meta: { run }, limit: 2 });
  assert.equal(watched.rooms.length, 2, "lobby:watch's first answer obeys limit");

  // The bystander saw every snapshot (ticks and snapshots at 20 Hz: t rises by 1) and no error.
  await sleep(300);
  assert.ok(ticks.length > 20, `the bystander got ${ticks.length} snapshots`);
  for (let i = 1; i < ticks.length; i++) assert.equal(ticks[i], ticks[i - 1] + 1, `a gap in the bystander's snapshots: ${ticks[i - 1]} then ${ticks[i]}`);
  for (const ev of ["notice", "room:closed"]) assert.equal(eventsOf(by, ev).length, 0, `the bystander got ${ev}`);
  assert.equal(mine.ok, true);
});
