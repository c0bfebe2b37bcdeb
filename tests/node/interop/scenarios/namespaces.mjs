// Custom namespace, dynamic namespaces matched by the server's function (^/dyn-\d+$), a
// namespace-wide broadcast that stays inside its namespace, and several namespaces multiplexed
// over one Engine.IO connection.
import {
  assert, call, connect, connectError, connected, managerSocket, once, openManager, openSocket, run, sameData, sleep,
  step, unique,
} from "../lib.mjs";

await run("namespaces", async () => {
  step("custom namespace with auth");
  const c = openSocket("/custom", { auth: { who: "custom" } });
  const authEvent = once(c, "auth");
  await connected(c);
  sameData((await authEvent)[0], { who: "custom" });
  const [me] = await call(c, "whoami");
  assert.equal(me.nsp, "/custom");
  assert.equal(me.id, c.id);

  step("dynamic namespace");
  const dyn = `/dyn-${unique()}`;
  const d1 = await connect(dyn);
  const d2 = await connect(dyn);
  const [me1] = await call(d1, "whoami");
  const [me2] = await call(d2, "whoami");
  assert.equal(me1.nsp, dyn);
  assert.equal(me2.nsp, dyn);
  assert.deepEqual(await call(d1, "echo-ack", "dyn", 1), ["dyn", 1]);

  step("a name that does not match is refused");
  const bad = openSocket("/dyn-abc");
  assert.equal((await connectError(bad)).message, "Invalid namespace");

  step("a namespace-wide broadcast reaches its namespace only");
  const root = await connect("/");
  let leaked = false;
  root.on("ns-wide", () => (leaked = true));
  c.on("ns-wide", () => (leaked = true));
  const got1 = once(d1, "ns-wide");
  const got2 = once(d2, "ns-wide");
  assert.deepEqual(await call(d1, "broadcast", { event: "ns-wide", args: ["hello dyn"] }), ["ok"]);
  assert.deepEqual(await got1, ["hello dyn"]);
  assert.deepEqual(await got2, ["hello dyn"]);
  await call(root, "echo-ack", "fence"); // anything sent to root before this ack has arrived
  await call(c, "echo-ack", "fence");
  await sleep(50);
  assert.equal(leaked, false, "a client of another namespace got the broadcast");

  step("multiplexing: /, /custom and a dynamic namespace over one connection");
  const m = openManager();
  const dyn2 = `/dyn-${unique()}`;
  const ms = [managerSocket(m, "/"), managerSocket(m, "/custom"), managerSocket(m, dyn2)];
  await Promise.all(ms.map((s) => connected(s)));
  const engineIds = new Set(ms.map((s) => s.io.engine.id));
  assert.equal(engineIds.size, 1, "all three share one Engine.IO session");
  const names = await Promise.all(ms.map(async (s) => (await call(s, "whoami"))[0].nsp));
  assert.deepEqual(names, ["/", "/custom", dyn2]);
  const ids = new Set(ms.map((s) => s.id));
  assert.equal(ids.size, 3, "each namespace socket has its own id");

  step("leaving one namespace keeps the others");
  ms[1].disconnect();
  await sleep(50);
  assert.deepEqual(await call(ms[0], "echo-ack", "root ok"), ["root ok"]);
  assert.deepEqual(await call(ms[2], "echo-ack", "dyn ok"), ["dyn ok"]);
});
