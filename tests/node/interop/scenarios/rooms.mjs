// Rooms: three clients join rooms; broadcasts to rooms with except reach exactly the expected
// clients, each once. After each broadcast a "fence" event to everyone proves absence: events
// on one connection keep their order, so a client that got the fence without the broadcast will
// never get it.
import { assert, call, connect, once, run, step, unique } from "../lib.mjs";

await run("rooms", async () => {
  const p = `r${unique()}-`;
  const red = p + "red", blue = p + "blue", green = p + "green";
  const [A, B, C] = await Promise.all([connect("/"), connect("/"), connect("/")]);
  const clients = { A, B, C };
  const got = { A: [], B: [], C: [] };
  for (const [name, s] of Object.entries(clients)) s.on("bcast", (tag) => got[name].push(tag));

  const [roomsA] = await call(A, "join", red, blue);
  await call(B, "join", red);
  await call(C, "join", red, green);
  assert.ok(roomsA.includes(red) && roomsA.includes(blue), `A's rooms: ${roomsA}`);

  async function broadcast(from, req, expected, label) {
    step(label);
    assert.deepEqual(await call(from, "broadcast", { event: "bcast", ...req }), ["ok"]);
    const fences = Object.values(clients).map((s) => once(s, "fence"));
    await call(A, "broadcast", { event: "fence", to: [red], args: [label] });
    await Promise.all(fences);
    const tag = req.args[0];
    for (const name of Object.keys(clients)) {
      const n = got[name].filter((t) => t === tag).length;
      const want = expected.includes(name) ? 1 : 0;
      assert.equal(n, want, `${label}: ${name} received "${tag}" ${n} times, want ${want}`);
    }
  }

  await broadcast(A, { to: [red], except: [green], args: ["t1"] }, ["A", "B"], "namespace to(red).except(green)");
  await broadcast(A, { to: [red], except: [green], excludeSelf: true, args: ["t2"] }, ["B"],
    "socket.to(red).except(green): not the sender");
  await broadcast(A, { to: [red, green, blue], args: ["t3"] }, ["A", "B", "C"], "to several rooms: each client once");
  await broadcast(B, { to: [blue], args: ["t4"] }, ["A"], "to(blue) sent by a non-member");
  await broadcast(A, { to: [red], except: [blue, green], args: ["t5"] }, ["B"], "except two rooms");
  await call(C, "leave", green);
  await broadcast(A, { to: [red], except: [green], args: ["t6"] }, ["A", "B", "C"], "after C left green");
  await broadcast(C, { to: [red], excludeSelf: true, args: ["t7"] }, ["A", "B"], "socket.to(red) from C");

  step("a room of one socket id: emit to a socket by its id");
  await broadcast(A, { to: [B.id], args: ["t8"] }, ["B"], "to(B.id)");
});
