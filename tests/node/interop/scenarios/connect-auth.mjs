// Connect with an auth object: the server sees it in the handshake (its "auth" event on
// connection and "whoami" both carry it back), and a connect without auth gives {}.
import { assert, call, connected, once, openSocket, run, sameData, step } from "../lib.mjs";

await run("connect-auth", async () => {
  const auth = { token: "abc123", n: 1, neg: -7, f: 0.5, nested: { list: [1, 2, 3], ok: true }, uni: "🎮 世界" };
  const s = openSocket("/", { auth });
  const authEvent = once(s, "auth");
  await connected(s);
  step(`connected, socket id ${s.id}, engine id ${s.io.engine.id}, transport ${s.io.engine.transport.name}`);
  const [gotAuth] = await authEvent;
  sameData(gotAuth, auth, "the auth event carries the handshake auth");

  const [me] = await call(s, "whoami");
  assert.equal(me.id, s.id, "server socket id = client socket.id");
  assert.equal(me.nsp, "/");
  sameData(me.auth, auth, "whoami auth");
  assert.notEqual(s.id, s.io.engine.id, "the Socket.IO id is not the Engine.IO session id");
  assert.ok(typeof s.id === "string" && s.id.length >= 8, `socket id looks random: ${s.id}`);

  step("connect without auth");
  const s2 = openSocket("/");
  const authEvent2 = once(s2, "auth");
  await connected(s2);
  const [gotAuth2] = await authEvent2;
  sameData(gotAuth2, {}, "no auth arrives as {}");
  assert.notEqual(s2.id, s.id);
});
