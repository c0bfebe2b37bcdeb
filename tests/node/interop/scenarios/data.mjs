// Emit both ways with maps, arrays, floats, negative ints, nested objects and unicode strings:
// client -> server -> client through "echo" (event) and "echo-ack" (ack), the kind the server
// holds for each value through "describe", and values built by the Go server ("give-data").
import { assert, call, connect, once, request, run, sameData, step } from "../lib.mjs";

const uni = "héllo 🎮 世界 𝄞 ключ ñ \u0000 \u2028 \"quoted\" \\ end";
const nested = {
  a: 1,
  b: "two",
  c: [1, 2, 3],
  d: { e: { f: [true, false, null, { g: "deep" }] } },
  "ключ 🔑": "値",
  "": "empty key",
};

// [value, kind the server must hold it as]
const cases = [
  [nested, "map"],
  [[1, "x", [2, [3, [4]]], { k: "v" }, []], "array"],
  [{}, "map"],
  [[], "array"],
  [0.5, "float"],
  [-1.25, "float"],
  [Math.PI, "float"],
  [1e-7, "float"],
  [-1, "int"],
  [-32, "int"],
  [-33, "int"],
  [-128, "int"],
  [-129, "int"],
  [-32768, "int"],
  [-32769, "int"],
  [-2147483648, "int"],
  [-2147483649, "int"],
  [0, "int"],
  [127, "int"],
  [128, "int"],
  [255, "int"],
  [256, "int"],
  [65535, "int"],
  [65536, "int"],
  [4294967295, "int"],
  [4294967296, "int"],
  [Number.MAX_SAFE_INTEGER, "int"],
  [Number.MIN_SAFE_INTEGER, "int"],
  [uni, "str"],
  ["", "str"],
  ["x".repeat(300), "str"],
  [true, "bool"],
  [false, "bool"],
  [null, "nil"],
];
const values = cases.map(([v]) => v);

await run("data", async () => {
  const s = await connect("/");

  step("the server holds each value as the expected msgpack kind");
  const [kinds] = await call(s, "describe", ...values);
  assert.deepEqual(
    kinds,
    cases.map(([, k]) => k),
    "kinds seen by the server",
  );

  step("echo event: client -> server -> client");
  const back = await request(s, "echo-back", "echo", ...values);
  sameData(back, values, "echo-back");

  step("echo ack");
  sameData(await call(s, "echo-ack", ...values), values, "echo-ack");

  step("one value per event, each kind");
  for (const v of values) {
    sameData(await request(s, "echo-back", "echo", v), [v], `echo of ${JSON.stringify(v)}`);
  }

  step("a long unicode string");
  const long = "🎮世界ñ".repeat(400); // ~4 KB of UTF-8, under the server's 10 KB buffer limit
  sameData(await call(s, "echo-ack", long), [long]);

  step("a large whole number near and beyond the int64 range keeps its value");
  sameData(await call(s, "echo-ack", 1e19, 2 ** 63, -(2 ** 62)), [1e19, 2 ** 63, -(2 ** 62)]);

  step("values built by the Go server");
  const expected = [
    {
      int: -42,
      small: 7,
      big: 2 ** 40,
      negBig: -(2 ** 40),
      float: 0.25,
      str: "héllo 🎮 世界",
      bin: Buffer.from([0, 1, 2, 253, 254, 255]),
      nil: null,
      bool: true,
      nested: { arr: [1, "a", null, false, 1.5] },
      emptyMap: {},
      emptyArr: [],
    },
    [-1, 300, -70000, 0.5, -1.25],
    "ключ 🔑",
    Buffer.from("raw bytes"),
  ];
  const dataEvent = once(s, "data");
  const acked = await call(s, "give-data");
  sameData(acked, expected, "give-data ack");
  sameData(await dataEvent, expected, "data event");
});
