// UNAUTHORIZED through the JS client, against a gameserver with TICKROOM_TOKEN_SECRET (the HMAC
// token verifier): connect without a valid token rejects, a valid one connects under the
// token's name, and a seat belongs to its account; over the transports of TICKROOM_TRANSPORTS.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { connect, TickroomError } from "../src/index.js";
import { skipUnless, next, rejectsWith, TRANSPORTS, TRANSPORT } from "./helpers.mjs";

const AUTH_URL = process.env.TICKROOM_AUTH_URL || "";
const SECRET = process.env.TICKROOM_AUTH_SECRET || "";
const skip = skipUnless("TICKROOM_AUTH_URL", "TICKROOM_AUTH_SECRET");

// signToken issues a token as a game backend would (docs/lobby.md "Server side"):
// base64url(JSON claims) "." base64url(HMAC-SHA256(secret, first part)).
const b64 = (b) => Buffer.from(b).toString("base64url");
function signToken(secret, claims) {
  const head = b64(JSON.stringify(claims));
  return head + "." + b64(createHmac("sha256", secret).update(head).digest());
}
const inSeconds = (s) => Math.floor(Date.now() / 1000) + s;
const token = (sub, name) => signToken(SECRET, { sub, name, exp: inSeconds(3600) });

const clients = [];
async function client(opts) {
  const c = await connect(AUTH_URL, { transports: TRANSPORTS, reconnection: false, ...opts });
  clients.push(c);
  return c;
}
after(() => { for (const c of clients) c.close(); });

test(`auth (${TRANSPORT}): connect without a valid token rejects with UNAUTHORIZED`, { skip }, async () => {
  const refused = {
    "no token": {},
    "a malformed token": { token: "not-a-token" },
    "a token of another secret": { token: signToken("another secret, 32 bytes or more....", { sub: "u1", exp: inSeconds(3600) }) },
    "an expired token": { token: signToken(SECRET, { sub: "u1", exp: inSeconds(-5) }) },
    "a token without an account": { token: signToken(SECRET, { name: "nobody", exp: inSeconds(3600) }) },
  };
  for (const [what, opts] of Object.entries(refused)) {
    await assert.rejects(connect(AUTH_URL, { name: "anon", transports: TRANSPORTS, ...opts }), (e) => {
      assert.ok(e instanceof TickroomError, `${what}: expected a TickroomError, got ${e}`);
      assert.equal(e.code, "UNAUTHORIZED", `${what}: ${e.message}`);
      return true;
    }, what);
  }
});

test(`auth (${TRANSPORT}): a valid token connects under its name; another account cannot take the seat`, { skip }, async () => {
  const a = await client({ token: token("account-1", "Ada Lovelace"), name: "ignored" });
  const room = await a.create({ mode: "arena" });
  assert.equal(room.players.get(room.playerId).name, "Ada Lovelace", "the token's name, not the handshake's");
  const closedA = [];
  room.on("closed", (reason) => closedA.push(reason));

  // A second account holding the first one's seat token gets UNAUTHORIZED and takes nothing.
  const b = await client({ token: token("account-2", "Mallory") });
  await rejectsWith(assert, b.rejoin(room.seatToken), "UNAUTHORIZED", TickroomError);
  assert.equal(b.room, null);
  await room.chat("still my seat"); // the first player still sits in the room
  assert.equal(a.room, room);
  assert.deepEqual(closedA, []);
  assert.equal(room.players.size, 1);
  assert.equal(room.players.get(room.playerId).connected, true);

  // The seat's own account, on a new connection, does take it over.
  const taken = next(room, "closed");
  const a2 = await client({ token: token("account-1", "Ada Lovelace") });
  const again = await a2.rejoin(room.seatToken);
  assert.equal(again.playerId, room.playerId);
  assert.deepEqual(await taken, ["rejoined"]);
});
