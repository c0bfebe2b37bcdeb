// A middleware refuses a connect: the client's connect_error carries .message and .data from the
// server's ConnectError. Unknown namespaces are refused with "Invalid namespace". A refusal on
// one namespace leaves the shared Engine.IO connection usable for another.
import {
  assert, call, connect, connectError, connected, managerSocket, openManager, openSocket, run, sameData, step, unique,
} from "../lib.mjs";

await run("connect-refused", async () => {
  step("middleware refusal on /");
  const s = openSocket("/", { auth: { refuse: "banned" } });
  const err = await connectError(s);
  assert.equal(err.message, "refused by middleware");
  sameData(err.data, { reason: "banned", code: 4242 }, "connect_error data");
  assert.equal(s.connected, false);

  step("unknown namespace");
  const s2 = openSocket("/nope");
  const err2 = await connectError(s2);
  assert.equal(err2.message, "Invalid namespace");

  step("middleware refusal on a dynamic namespace (parent middleware applies to the child)");
  const s3 = openSocket(`/dyn-${unique()}`, { auth: { refuse: "dyn" } });
  const err3 = await connectError(s3);
  assert.equal(err3.message, "refused by middleware");
  sameData(err3.data, { reason: "dyn", code: 4242 });

  step("refused and accepted namespaces on one connection");
  const m = openManager();
  const refused = managerSocket(m, "/", { auth: { refuse: "again" } });
  const custom = managerSocket(m, "/custom");
  const [err4] = await Promise.all([connectError(refused), connected(custom)]);
  assert.equal(err4.message, "refused by middleware");
  const res = await call(custom, "echo-ack", "still here");
  assert.deepEqual(res, ["still here"]);

  step("a normal client connects fine afterwards");
  const ok = await connect("/");
  assert.ok(ok.connected);
});
