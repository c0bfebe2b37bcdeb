// Typed state, compiled with `tsc --strict`: reads of an arena room's fields need no cast, a
// game declares its own mode's state in a few lines, and mistakes are compile errors (an
// expected-error directive fails the build when the line below it compiles).
import { connect, type ArenaState, type Entity, type Room, type TickroomError } from "@tickroom/client";
import { connect as connectInBrowser } from "@tickroom/client/browser";

// A mode of the game's own, declared once for the whole program.
interface ShopState {
  entities: { customer: { x: number; y: number; gold: number; pid: number }; shelf: { item: string; stock: number } };
  globals: { open: boolean; day: number };
  input: { walk: number };
  messages: {
    buy: { data: { item: string }; reply: { item: string; price: number } };
    ping: {};
    note: { data?: string };
  };
  events: { sale: { item: string; by: number }; results: { sold: number } };
}
declare module "@tickroom/client" {
  interface Modes { shop: ShopState }
}

async function arena(): Promise<void> {
  const client = await connect("http://localhost:8080");
  const room = await client.create({ mode: "arena" });
  const typed: Room<ArenaState> = room;
  room.onAdd((e) => {
    const x: number = e.fields.x; // every kind has x
    if (e.kind === "player") {
      const score: number = e.fields.score;
      const name: string = e.fields.name;
      e.listen("score", (value, previous) => console.log(value - (previous ?? 0), name, score));
      // @ts-expect-error: a player has no field v
      e.listen("v", () => {});
    } else {
      const v: number = e.fields.v;
      console.log(v);
    }
    // @ts-expect-error: score is not on every kind
    console.log(e.fields.score, x);
    // @ts-expect-error: the mirror's fields are read-only
    e.fields.x = 1;
  });
  room.onChange("score", (e, value) => {
    const n: number = value;
    const pid: number = e.fields.pid; // only players have a score
    console.log(n, pid);
  });
  room.onGlobals((g, names) => {
    const phase: number = g.phase;
    const first: "phase" | "endTick" | undefined = names[0];
    console.log(phase, first);
  });
  room.listen("phase", (phase, before) => console.log(phase, before));
  // @ts-expect-error: no such global
  room.listen("phaze", () => {});
  const me = room.me;
  if (me) {
    const r: number = me.fields.r;
    console.log(r, me.kind === "player");
  }
  room.onMessage("results", (ev) => {
    for (const p of ev.ranking) console.log(p.playerId, p.name, p.score);
    const t: "results" = ev.type;
    console.log(t);
  });
  room.sendInput({ x: 1, y: 0, boost: true });
  // @ts-expect-error: arena inputs are numbers and a boolean
  room.sendInput({ x: "left" });
  // @ts-expect-error: the arena handles no messages
  await room.send("buy", { item: "apple" });
  const orb: Entity<ArenaState, "orb"> | undefined = [...room.entities.values()].find((e): e is Entity<ArenaState, "orb"> => e.kind === "orb");
  console.log(orb?.fields.v, typed.id);
}

async function shop(): Promise<void> {
  const client = await connect("http://localhost:8080");
  const room = await client.quickjoin({ mode: "shop", create: { maxPlayers: 4, options: { rich: true } }, playerMeta: { team: "red" } });
  const reply = await room.send("buy", { item: "apple" });
  const price: number = reply.price;
  const none: undefined = await room.send("ping");
  await room.send("note");
  await room.send("note", "hi");
  // @ts-expect-error: buy needs its data
  await room.send("buy");
  // @ts-expect-error: the data's shape
  await room.send("buy", { item: 3 });
  // @ts-expect-error: no such message type
  await room.send("sell", { item: "apple" });
  room.onMessage("sale", (ev) => console.log(ev.item, ev.by, price, none));
  // @ts-expect-error: no such event
  room.onMessage("sail", () => {});
  room.onAdd((e) => { if (e.kind === "shelf") console.log(e.fields.item, e.fields.stock); });
  const open: boolean = room.globals.open;
  room.sendInput({ walk: 1 });
  const gold: number | undefined = room.me?.fields.gold;
  console.log(open, gold);
  try {
    await room.send("buy", { item: "pear" });
  } catch (e) {
    if ((e as TickroomError).code === "REFUSED") console.log("no pears");
  }
  // A room joined by code is typed by what the caller knows of it.
  const byCode = await client.joinByCode<ShopState>("ABCDEF");
  const day: number = byCode.globals.day;
  // Without a declaration, fields are the wire's value types.
  const other = await client.create({ mode: "unknown-mode" });
  other.onAdd((e) => { const v: number | bigint | boolean | string | undefined = e.fields.anything; console.log(v, day); });
  await other.send("whatever", { any: "thing" });
  // @ts-expect-error: join takes one object; the password belongs in it
  await client.join({ code: "ABCDEF" }, "hunter2");
  await client.join({ code: "ABCDEF", password: "hunter2", playerMeta: { team: "red" } });
  // @ts-expect-error: roomId or code, not both
  await client.join({ code: "ABCDEF", roomId: "x" });
}

async function browser(): Promise<void> {
  // The browser build has the same API and types.
  const room = await (await connectInBrowser("http://localhost:8080")).create({ mode: "arena" });
  const typed: Room<ArenaState> = room;
  console.log(typed.globals.phase);
}

void arena();
void shop();
void browser();
