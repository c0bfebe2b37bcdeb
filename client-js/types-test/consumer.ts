// A consumer of @tickroom/client, compiled with `tsc --strict` to check the type definitions.
import { connect, TickroomError, Mirror, Interpolator, arenaStep, arenaRules, type ArenaStepState, type Room, type Entity, type RoomInfo } from "@tickroom/client";

interface Me extends Record<string, unknown> { x: number; y: number }

async function main(): Promise<void> {
  const client = await connect("http://localhost:8080", { name: "ada", interpolationDelay: 120 });
  const rooms: RoomInfo[] = await client.list({ mode: "arena", includeFull: true });
  const watch = await client.watch({ mode: "arena" });
  watch.on("update", (all, delta) => console.log(all.length, delta.removed.join(",")));
  let room: Room;
  try {
    room = await client.joinByCode(rooms[0]?.code ?? "AAAAAA");
  } catch (e) {
    if (e instanceof TickroomError && e.code === "ROOM_NOT_FOUND") room = await client.create({ mode: "arena", maxPlayers: 4 });
    else throw e;
  }
  room.onAdd((e: Entity) => console.log(e.id, e.kind, e.fields.x));
  room.onRemove((e) => console.log(e.id));
  room.onChange((e, fields) => console.log(e.id, fields.length));
  room.onChange("score", (e, value) => console.log(e.id, value));
  room.on("player", (op, p) => console.log(op, p.name, p.connected));
  room.on("chat", (m) => console.log(m.from, m.text));
  room.on("desync", (why) => console.log(why));
  room.on("seatlost", (err) => console.log(err.code));
  room.on("reconnected", () => console.log("back"));
  room.on("moved", ({ from, to }) => console.log(from, to, room.stats.moves));
  client.on("moved", (move) => console.log(move.from.length + move.to.length, client.url));
  watch.on("error", (err) => console.log(err.code));
  client.clock.reset();
  const seq: number | null = room.sendInput({ x: 1, y: 0 });
  console.log(seq, room.stats.desyncs, room.players.get(room.playerId)?.host);
  const pred = room.predict<Me>((s, input) => ({ ...s, x: s.x + Number(input.x) }));
  const st: Me | null = pred.state;
  for (const [id, pos] of room.interpolated()) console.log(id, pos.x, st?.y);
  const arena = room.predict(arenaStep);
  const next: ArenaStepState | null = arena.state;
  const after = arenaStep({ x: 0, y: 0, r: 20 }, { x: 1, y: 0, boost: true });
  const left: number = after.boostLeft + arenaRules.boostTicks;
  console.log(next?.x, next?.boostLeft, after.x, left);
  await room.chat("gg");
  await room.leave();
  const m = new Mirror({ kinds: [{ name: "k", fields: [{ name: "n", type: "int" }] }], globals: [] });
  const h: number = m.hash();
  new Interpolator({ delay: 50 }).push(1, m.entities.values());
  console.log(h);
  await watch.unwatch();
  client.close();
}

void main();
