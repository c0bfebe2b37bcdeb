// Disconnects with the reference reasons on both sides: server-side disconnect (with and
// without closing the connection), client-side namespace disconnect, and a transport close.
// The server-side reason is read through "report" from another client.
import { assert, call, connect, disconnected, run, step, unique, waitReport } from "../lib.mjs";

await run("disconnect", async () => {
  const observer = await connect("/");
  const room = `d${unique()}`;

  step("server disconnect, keeping the connection");
  const s1 = await connect("/");
  await call(s1, "join", room);
  const id1 = s1.id; // socket.id is cleared on disconnect
  let gone = disconnected(s1);
  s1.emit("disconnect-me", false);
  assert.equal(await gone, "io server disconnect");
  let rep = await waitReport(observer, id1, (r) => r.disconnect !== "");
  assert.equal(rep.disconnect, "server namespace disconnect");
  assert.equal(rep.disconnecting, "server namespace disconnect", "disconnecting runs with the same reason");
  assert.ok(rep.roomsAtDisconnecting.includes(room), `rooms are left after disconnecting: ${rep.roomsAtDisconnecting}`);

  step("server disconnect closing the connection");
  const s2 = await connect("/");
  const id2 = s2.id;
  gone = disconnected(s2);
  s2.emit("disconnect-me", true);
  assert.equal(await gone, "io server disconnect");
  rep = await waitReport(observer, id2, (r) => r.disconnect !== "");
  assert.equal(rep.disconnect, "server namespace disconnect");

  step("client namespace disconnect");
  const s3 = await connect("/");
  await call(s3, "join", room);
  const id3 = s3.id;
  gone = disconnected(s3);
  s3.disconnect();
  assert.equal(await gone, "io client disconnect");
  rep = await waitReport(observer, id3, (r) => r.disconnect !== "");
  assert.equal(rep.disconnect, "client namespace disconnect");
  assert.equal(rep.disconnecting, "client namespace disconnect");
  assert.ok(rep.roomsAtDisconnecting.includes(room), `rooms at disconnecting: ${rep.roomsAtDisconnecting}`);

  step("transport close (the client closes its Engine.IO connection)");
  const s4 = await connect("/");
  const id4 = s4.id;
  gone = disconnected(s4);
  s4.io.engine.close();
  step(`client-side reason: ${await gone}`);
  rep = await waitReport(observer, id4, (r) => r.disconnect !== "");
  assert.equal(rep.disconnect, "transport close");

  step("the observer is unaffected");
  assert.deepEqual(await call(observer, "echo-ack", "still"), ["still"]);
});
