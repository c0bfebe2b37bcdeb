// Acks both ways: client emit with an ack callback answered by the server (no args, several
// args, binary), the server's EmitWithAck answered by a client callback, and a server ack
// timeout when the client never answers (the server sees ErrAckTimeout and reports it).
import { assert, call, connect, once, run, sameData, step } from "../lib.mjs";

await run("acks", async () => {
  const s = await connect("/");

  step("client -> server ack, no args");
  assert.deepEqual(await call(s, "echo-ack"), []);

  step("client -> server ack, several args");
  const args = [1, "two", { three: [3] }, null, -4.5];
  sameData(await call(s, "echo-ack", ...args), args);

  step("client -> server ack with binary");
  sameData(await call(s, "echo-ack", Buffer.from([1, 2, 3]), "x"), [Buffer.from([1, 2, 3]), "x"]);

  step("many acks in flight at once come back to the right callbacks");
  const many = await Promise.all(Array.from({ length: 20 }, (_, i) => call(s, "echo-ack", i, `n${i}`)));
  many.forEach((res, i) => assert.deepEqual(res, [i, `n${i}`]));

  step("server -> client ack answered by the client");
  s.on("need-ack", (a, b, cb) => {
    assert.equal(typeof cb, "function", "the server's emit carries an ack id");
    cb({ got: [a, b] }, "second", Buffer.from([7, 8]));
  });
  let result = once(s, "server-ack-result");
  assert.deepEqual(
    await call(s, "server-emit-with-ack", { event: "need-ack", args: ["x", 2], timeoutMs: 3000 }),
    ["started"],
  );
  const [ok] = await result;
  sameData(ok, { ok: true, args: [{ got: ["x", 2] }, "second", Buffer.from([7, 8])] }, "server-ack-result");

  step("server ack timeout: the client never answers");
  let called = false;
  s.on("no-answer", (...a) => {
    called = true;
    assert.equal(typeof a[a.length - 1], "function", "the server's emit carries an ack id");
  });
  result = once(s, "server-ack-result");
  const t0 = Date.now();
  await call(s, "server-emit-with-ack", { event: "no-answer", args: ["hello?"], timeoutMs: 300 });
  const [timedOut] = await result;
  const elapsed = Date.now() - t0;
  assert.equal(called, true, "the client got the event");
  assert.equal(timedOut.ok, false, JSON.stringify(timedOut));
  assert.equal(timedOut.timeout, true, `the server error is ErrAckTimeout: ${timedOut.error}`);
  assert.ok(elapsed >= 250, `the timeout fired after ${elapsed}ms, before the 300ms asked for`);
  step(`server timed out after ~${elapsed}ms: ${timedOut.error}`);

  step("the connection is still fine after the timeout");
  assert.deepEqual(await call(s, "echo-ack", "after"), ["after"]);
});
