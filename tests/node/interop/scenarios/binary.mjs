// Binary both ways: Buffer, ArrayBuffer, Uint8Array, empty and larger buffers, binary nested in
// objects. The server must hold each as msgpack bin (msgpack parser: bin or ext type 0; text
// parser: placeholders and attachments) and send bytes back that arrive as a Buffer or ArrayBuffer.
import { assert, bytesOf, call, connect, request, run, sameData, step, typeName } from "../lib.mjs";

await run("binary", async () => {
  const s = await connect("/");
  const buf = Buffer.from([0, 1, 2, 250, 255]);
  const ab = Uint8Array.from([9, 8, 7]).buffer;
  const u8 = new Uint8Array([5, 6, 7, 8]);
  const big = Buffer.alloc(3000, 0);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
  const empty = Buffer.alloc(0);
  const nested = { file: Buffer.from("hi"), list: [Buffer.from([1]), "x", { deeper: Uint8Array.from([2, 3]).buffer }] };
  const args = [buf, ab, u8, big, empty, nested];

  step("kinds held by the server");
  const [kinds] = await call(s, "describe", ...args);
  assert.deepEqual(kinds, ["bin:5", "bin:3", "bin:4", "bin:3000", "bin:0", "map"]);

  step("echo event");
  const back = await request(s, "echo-back", "echo", ...args);
  sameData(back, args, "echo-back bytes");
  step(`binary arrives as: ${back.slice(0, 5).map(typeName).join(", ")}`);
  for (const v of back.slice(0, 5)) bytesOf(v); // throws if not binary

  step("echo ack");
  const acked = await call(s, "echo-ack", ...args);
  sameData(acked, args, "echo-ack bytes");

  step("binary mixed with other values");
  const mixed = ["before", buf, 42, { b: ab, n: -1 }, "after"];
  sameData(await request(s, "echo-back", "echo", ...mixed), mixed);
});
