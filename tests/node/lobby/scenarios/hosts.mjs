// Host hand-over to the longest-seated player; grace keeps the seat (connected: false) and the
// host; auto start when every seated player is ready.
import { assert, connect, ok, run, scenario, waitEvent } from "../lib.mjs";

scenario(async () => {
  const meta = { run };
  const [a, b, c] = await Promise.all(["a", "b", "c"].map(connect));
  const ra = await ok(a, "room:create", { mode: "arena", meta });
  const rb = await ok(b, "room:join", { roomId: ra.room.id });
  const rc = await ok(c, "room:join", { roomId: ra.room.id });

  // The host's disconnect keeps the host.
  a.disconnect();
  const drop = await waitEvent(b, "room:player", (e) => e.op === "update" && e.player.id === ra.you.playerId);
  assert.equal(drop.player.connected, false);
  assert.equal(drop.player.host, true);
  const a2 = await connect("a");
  const back = await ok(a2, "room:rejoin", { seatToken: ra.you.seatToken });
  assert.equal(back.players.find((p) => p.id === ra.you.playerId).host, true);

  // The host leaves: b (seated before c) becomes host; both are told.
  await ok(a2, "room:leave", {});
  for (const s of [b, c]) {
    await waitEvent(s, "room:player", (e) => e.op === "leave" && e.player.id === ra.you.playerId);
    const up = await waitEvent(s, "room:player", (e) => e.op === "update" && e.player.id === rb.you.playerId && e.player.host);
    assert.equal(up.player.host, true);
    await waitEvent(s, "room:info", (e) => e.players === 2);
  }

  // All seated ready: the room starts by itself.
  await ok(b, "room:ready", { ready: true });
  await ok(c, "room:ready", { ready: true });
  for (const s of [b, c]) await waitEvent(s, "room:info", (e) => e.phase === "playing");
  assert.equal(rc.room.phase, "waiting");
});
