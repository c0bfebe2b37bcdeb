// Heartbeat: on the server's short-heartbeat path (/fastping/: pingInterval 250ms, pingTimeout
// 1s) a client that stops answering pings is dropped with "ping timeout", while a client
// that answers stays connected.
import { assert, call, connected, disconnected, env, io, clientOptions, run, sleep, step, waitReport, connect } from "../lib.mjs";

function fastSocket() {
  return io(env.url + "/", clientOptions({ path: "/fastping/" }));
}

await run("ping-timeout", async () => {
  const observer = await connect("/"); // on the normal path; reads the shared report
  const healthy = await connected(fastSocket());
  const victim = await connected(fastSocket());
  const victimId = victim.id;
  step(`victim ${victimId} connected over ${victim.io.engine.transport.name}; it now stops answering pings`);

  const engine = victim.io.engine;
  const send = engine._sendPacket.bind(engine);
  assert.equal(typeof send, "function", "engine.io-client still has _sendPacket");
  let pings = 0;
  engine.on("ping", () => pings++);
  engine._sendPacket = (type, ...rest) => {
    if (type === "pong") return; // swallow the answer to the server's ping
    return send(type, ...rest);
  };

  const gone = disconnected(victim, 10000);
  const rep = await waitReport(observer, victimId, (r) => r.disconnect !== "", 10000);
  assert.equal(rep.disconnect, "ping timeout");
  assert.ok(pings >= 1, `the server sent pings (${pings})`);
  step(`victim's client-side reason: ${await gone}`);

  step("the client that answers pings is still connected after several intervals");
  await sleep(1500);
  assert.equal(healthy.connected, true);
  assert.deepEqual(await call(healthy, "echo-ack", "alive"), ["alive"]);
  const [r2] = await call(observer, "report", healthy.id);
  assert.equal(r2.disconnect, "", `healthy client was disconnected: ${r2.disconnect}`);
  healthy.disconnect();
});
