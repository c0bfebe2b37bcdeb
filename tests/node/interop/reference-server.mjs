// The Node reference (npm socket.io) with the same event vocabulary as the Go test server in
// tests/interop/testserver: running the scenarios against it checks that the scenarios expect
// what the reference does. Opt-in from Go: TICKROOM_INTEROP_REFERENCE=1 go test ./tests/interop/
// Usage: node interop/reference-server.mjs msgpack|text   (prints "LISTEN http://127.0.0.1:PORT")
import { createServer } from "node:http";
import { Server } from "socket.io";
import msgpackParser from "socket.io-msgpack-parser";

const parserName = process.argv[2] ?? "msgpack";
const httpServer = createServer();
const reports = new Map();

function kindOf(v) {
  if (v === null || v === undefined) return "nil";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return Number.isInteger(v) && Math.abs(v) < 2 ** 63 ? "int" : "float";
  if (typeof v === "string") return "str";
  if (Buffer.isBuffer(v) || ArrayBuffer.isView(v)) return `bin:${v.byteLength}`;
  if (v instanceof ArrayBuffer) return `bin:${v.byteLength}`;
  if (Array.isArray(v)) return "array";
  return "map";
}

const fixedData = () => [
  {
    int: -42, small: 7, big: 2 ** 40, negBig: -(2 ** 40), float: 0.25, str: "héllo 🎮 世界",
    bin: Buffer.from([0, 1, 2, 253, 254, 255]), nil: null, bool: true,
    nested: { arr: [1, "a", null, false, 1.5] }, emptyMap: {}, emptyArr: [],
  },
  [-1, 300, -70000, 0.5, -1.25],
  "ключ 🔑",
  Buffer.from("raw bytes"),
];

function setup(nsp) {
  nsp.use((socket, next) => {
    const auth = socket.handshake.auth;
    if (auth && "refuse" in auth) {
      const err = new Error("refused by middleware");
      err.data = { reason: auth.refuse, code: 4242 };
      return next(err);
    }
    next();
  });
  nsp.on("connection", (socket) => {
    const rec = { nsp: socket.nsp.name, disconnecting: "", disconnect: "", roomsAtDisconnecting: [] };
    reports.set(socket.id, rec);
    socket.on("disconnecting", (reason) => {
      rec.disconnecting = reason;
      rec.roomsAtDisconnecting = [...socket.rooms].sort();
    });
    socket.on("disconnect", (reason) => (rec.disconnect = reason));
    const reply = (ack, ...args) => typeof ack === "function" && ack(...args);
    const split = (args) => (typeof args[args.length - 1] === "function" ? [args.slice(0, -1), args[args.length - 1]] : [args, null]);
    socket.on("whoami", (ack) =>
      reply(ack, { id: socket.id, nsp: socket.nsp.name, auth: socket.handshake.auth, rooms: [...socket.rooms].sort(), transport: socket.conn.transport.name }));
    socket.on("echo", (...args) => socket.emit("echo-back", ...args));
    socket.on("echo-ack", (...a) => { const [args, ack] = split(a); reply(ack, ...args); });
    socket.on("describe", (...a) => { const [args, ack] = split(a); reply(ack, args.map(kindOf)); });
    socket.on("give-data", (ack) => { socket.emit("data", ...fixedData()); reply(ack, ...fixedData()); });
    socket.on("join", (...a) => { const [rooms, ack] = split(a); socket.join(rooms); reply(ack, [...socket.rooms].sort()); });
    socket.on("leave", (room, ack) => { socket.leave(room); reply(ack, [...socket.rooms].sort()); });
    socket.on("broadcast", (req, ack) => {
      const to = req.to ?? [], except = req.except ?? [];
      let b = req.excludeSelf ? (to.length ? socket.to(to) : socket.broadcast) : (to.length ? nsp.to(to) : nsp);
      if (except.length) b = b.except(except);
      b.emit(req.event, ...(req.args ?? []));
      reply(ack, "ok");
    });
    socket.on("volatile", (...a) => { const [args, ack] = split(a); socket.volatile.emit("volatile-back", ...args); reply(ack, "ok"); });
    socket.on("server-emit-with-ack", (req, ack) => {
      reply(ack, "started");
      socket.timeout(req.timeoutMs).emit(req.event, ...(req.args ?? []), (err, ...res) => {
        if (err) socket.emit("server-ack-result", { ok: false, timeout: true, error: String(err.message) });
        else socket.emit("server-ack-result", { ok: true, args: res });
      });
    });
    socket.on("disconnect-me", (close) => socket.disconnect(!!close));
    socket.on("report", (sid, ack) => {
      const rec = reports.get(sid);
      reply(ack, rec ? { found: true, ...rec } : { found: false });
    });
    socket.emit("auth", socket.handshake.auth);
  });
}

function make(path, pingInterval, pingTimeout) {
  const opts = { path, pingInterval, pingTimeout, maxHttpBufferSize: 10000, cors: { origin: "*" } };
  if (parserName === "msgpack") opts.parser = msgpackParser;
  const io = new Server(httpServer, opts);
  setup(io.of("/"));
  setup(io.of("/custom"));
  setup(io.of(/^\/dyn-\d+$/));
  return io;
}

make("/socket.io/", 2000, 5000);
make("/fastping/", 250, 1000);
httpServer.listen(0, "127.0.0.1", () => {
  console.log(`LISTEN http://127.0.0.1:${httpServer.address().port}`);
});
process.on("SIGTERM", () => process.exit(0));
