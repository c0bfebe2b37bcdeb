// INTERNAL through the JS client: the Go test serves a rooms.Host with a short RequestTimeout and
// a "stuck" mode whose join never returns (client-js/testhost_test.go); room:create of that
// mode answers INTERNAL once the timeout passes. Over the transports of TICKROOM_TRANSPORTS.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { connect, TickroomError } from "../src/index.js";
import { skipUnless, waitFor, rejectsWith, TRANSPORTS, TRANSPORT } from "./helpers.mjs";

const HOST_URL = process.env.TICKROOM_HOST_URL || "";
const TIMEOUT_MS = Number(process.env.TICKROOM_STUCK_TIMEOUT_MS || 0);

const clients = [];
after(() => { for (const c of clients) c.close(); });

test(`INTERNAL (${TRANSPORT}): a room that does not answer in time`, { skip: skipUnless("TICKROOM_HOST_URL", "TICKROOM_STUCK_TIMEOUT_MS") }, async () => {
  const c = await connect(HOST_URL, { name: "patient", transports: TRANSPORTS, requestTimeout: 5000 });
  clients.push(c);
  const start = Date.now();
  await rejectsWith(assert, c.create({ mode: "stuck" }), "INTERNAL", TickroomError);
  const took = Date.now() - start;
  // The server's answer after its RequestTimeout, not the client's own TIMEOUT.
  assert.ok(took >= TIMEOUT_MS - 20 && took < 5000, `INTERNAL after ${took} ms, server timeout ${TIMEOUT_MS} ms`);
  assert.equal(c.room, null);

  // The connection stays usable: other requests are answered, and a working mode plays.
  assert.ok(Array.isArray(await c.list({ mode: "arena" })));
  const room = await c.create({ mode: "arena" });
  assert.equal(room.info.mode, "arena");
  await waitFor(() => room.me, 3000, "the own entity in a snapshot");
  await room.leave();
});
