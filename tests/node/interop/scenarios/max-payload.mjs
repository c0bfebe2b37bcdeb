// maxHttpBufferSize (10000 bytes on the test server): a message under it goes through; one
// over it closes that client's connection only, and another client keeps working.
import { assert, call, connect, disconnected, request, run, step, waitReport } from "../lib.mjs";

await run("max-payload", async () => {
  const a = await connect("/");
  const b = await connect("/");

  step("a 4000-byte message is fine");
  const fits = "f".repeat(4000);
  assert.deepEqual(await request(a, "echo-back", "echo", fits), [fits]);

  step("a 20000-byte message closes the sender's connection");
  const aId = a.id;
  const gone = disconnected(a, 8000);
  a.emit("echo", "x".repeat(20000));
  const reason = await gone;
  step(`client-side reason: ${reason}`);
  assert.ok(
    ["transport close", "transport error"].includes(reason),
    `unexpected client-side reason ${reason}`,
  );

  step("the other client is unaffected");
  assert.deepEqual(await call(b, "echo-ack", "b ok"), ["b ok"]);
  const rep = await waitReport(b, aId, (r) => r.disconnect !== "", 8000);
  step(`server-side reason: ${rep.disconnect}`);
  assert.ok(
    ["transport error", "transport close", "parse error", "forced close"].includes(rep.disconnect),
    `unexpected server-side reason ${rep.disconnect}`,
  );
  assert.equal(b.connected, true);
});
