// Shared helpers for the interop scenarios: each scenario is a plain script that connects the
// npm socket.io-client to the Go test server (tests/interop/testserver), exits 0 on success and
// exits 1 with a clear message on the first failed check.
//
// Environment (set by tests/interop/interop_test.go):
//   SIO_URL        base URL of the test server, e.g. http://127.0.0.1:41234
//   SIO_PARSER     "msgpack" (socket.io-msgpack-parser) or "text" (the default parser)
//   SIO_TRANSPORT  "websocket" (websocket only), "polling" (polling only) or
//                  "upgrade" (polling, then the upgrade to websocket, which is waited for)
import { io, Manager } from "socket.io-client";
import msgpackParser from "socket.io-msgpack-parser";
import assert from "node:assert/strict";

export { assert, io, Manager };

export const env = {
  url: process.env.SIO_URL ?? "http://127.0.0.1:3000",
  parser: process.env.SIO_PARSER ?? "msgpack",
  transport: process.env.SIO_TRANSPORT ?? "websocket",
};

if (!["msgpack", "text"].includes(env.parser)) {
  throw new Error(`SIO_PARSER must be msgpack or text, not ${env.parser}`);
}
if (!["websocket", "polling", "upgrade"].includes(env.transport)) {
  throw new Error(`SIO_TRANSPORT must be websocket, polling or upgrade, not ${env.transport}`);
}

const TRANSPORTS = {
  websocket: ["websocket"],
  polling: ["polling"],
  upgrade: ["polling", "websocket"],
};

export const DEFAULT_TIMEOUT = 8000;

const opened = []; // every socket and manager, closed at the end
const testErrors = []; // "test-error" events from the server

/** Manager/io options for the current parser and transport. */
export function clientOptions(extra = {}) {
  const opts = {
    forceNew: true,
    reconnection: false,
    timeout: DEFAULT_TIMEOUT,
    transports: TRANSPORTS[env.transport],
    upgrade: env.transport === "upgrade",
    ...extra,
  };
  if (env.parser === "msgpack") opts.parser = msgpackParser;
  return opts;
}

function watch(socket) {
  opened.push(socket);
  socket.on("test-error", (msg) => testErrors.push(`${socket.nsp}: ${msg}`));
  return socket;
}

/** Creates a socket on namespace nsp without waiting for anything. */
export function openSocket(nsp = "/", extra = {}) {
  return watch(io(env.url + nsp, clientOptions(extra)));
}

/** A Manager whose sockets share one Engine.IO connection. */
export function openManager(extra = {}) {
  const m = new Manager(env.url, clientOptions(extra));
  opened.push(m);
  return m;
}

/** Creates a socket on an existing manager (multiplexing). */
export function managerSocket(manager, nsp, opts = {}) {
  return watch(manager.socket(nsp, opts));
}

/** Resolves with the listener arguments of the next `event`, rejects after ms. */
export function once(emitter, event, ms = DEFAULT_TIMEOUT) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, handler);
      reject(new Error(`timed out after ${ms}ms waiting for "${event}"`));
    }, ms);
    function handler(...args) {
      clearTimeout(timer);
      resolve(args);
    }
    emitter.once(event, handler);
  });
}

/** Waits until the socket is connected and, in upgrade mode, its transport is websocket. */
export async function connected(socket, ms = DEFAULT_TIMEOUT) {
  if (!socket.connected) {
    const result = await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out after ${ms}ms waiting for connect to ${socket.nsp}`)),
        ms,
      );
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve(null);
      });
      socket.once("connect_error", (err) => {
        clearTimeout(timer);
        resolve(err);
      });
    });
    if (result) {
      throw new Error(`connect to ${socket.nsp} failed: ${result.message} ${JSON.stringify(result.data)}`);
    }
  }
  if (env.transport === "upgrade") await upgraded(socket, ms);
  return socket;
}

/** Resolves once the socket's Engine.IO connection runs over websocket. */
export function upgraded(socket, ms = DEFAULT_TIMEOUT) {
  const engine = socket.io.engine;
  if (engine.transport.name === "websocket") return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timed out after ${ms}ms waiting for the upgrade to websocket`)),
      ms,
    );
    engine.once("upgrade", () => {
      clearTimeout(timer);
      resolve();
    });
    engine.once("upgradeError", (err) => {
      clearTimeout(timer);
      reject(new Error(`upgrade failed: ${err.message}`));
    });
  });
}

/** openSocket + connected. */
export async function connect(nsp = "/", extra = {}) {
  return connected(openSocket(nsp, extra));
}

/** Resolves with the connect_error of a socket that must be refused. */
export function connectError(socket, ms = DEFAULT_TIMEOUT) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timed out after ${ms}ms waiting for connect_error on ${socket.nsp}`)),
      ms,
    );
    socket.once("connect", () => {
      clearTimeout(timer);
      reject(new Error(`${socket.nsp}: connected, but the server should have refused`));
    });
    socket.once("connect_error", (err) => {
      clearTimeout(timer);
      resolve(err);
    });
  });
}

/** Emits event with args and an ack callback; resolves with all the ack's arguments. */
export function call(socket, event, ...args) {
  return new Promise((resolve, reject) => {
    socket.timeout(DEFAULT_TIMEOUT).emit(event, ...args, (err, ...res) => {
      if (err) reject(new Error(`no ack for "${event}" within ${DEFAULT_TIMEOUT}ms`));
      else resolve(res);
    });
  });
}

/** Emits event and resolves with the arguments of the next `replyEvent`. */
export async function request(socket, replyEvent, event, ...args) {
  const p = once(socket, replyEvent);
  socket.emit(event, ...args);
  return p;
}

/** Polls "report" on observer until pred(report) holds; returns the report. */
export async function waitReport(observer, sid, pred, ms = DEFAULT_TIMEOUT) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    [last] = await call(observer, "report", sid);
    if (pred(last)) return last;
    await sleep(50);
  }
  throw new Error(`server report for ${sid} never matched within ${ms}ms; last: ${JSON.stringify(last)}`);
}

/** Resolves with the reason of the socket's next disconnect. */
export async function disconnected(socket, ms = DEFAULT_TIMEOUT) {
  const [reason] = await once(socket, "disconnect", ms);
  return reason;
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The bytes of a Buffer, typed array or ArrayBuffer as a Buffer; throws on anything else. */
export function bytesOf(v) {
  if (Buffer.isBuffer(v)) return v;
  if (ArrayBuffer.isView(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (v instanceof ArrayBuffer) return Buffer.from(v);
  throw new Error(`expected binary, got ${typeName(v)}: ${JSON.stringify(v)}`);
}

export function typeName(v) {
  if (v === null) return "null";
  if (Buffer.isBuffer(v)) return "Buffer";
  if (v instanceof ArrayBuffer) return "ArrayBuffer";
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  if (Array.isArray(v)) return "Array";
  return typeof v;
}

/**
 * Replaces every binary value (Buffer, typed array, ArrayBuffer) by {$bin: hex} so that values
 * compare by their bytes, whichever binary type the parser produced.
 */
export function normBin(v) {
  if (Buffer.isBuffer(v) || ArrayBuffer.isView(v) || v instanceof ArrayBuffer) {
    return { $bin: bytesOf(v).toString("hex") };
  }
  if (Array.isArray(v)) return v.map(normBin);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normBin(x)]));
  }
  return v;
}

/** Deep equality where binary values compare by bytes. */
export function sameData(actual, expected, message) {
  assert.deepStrictEqual(normBin(actual), normBin(expected), message);
}

const started = Date.now();

/** Logs a step with the time since the scenario started, for reading slow or failed runs. */
export function step(msg) {
  console.log(`  - [${String(Date.now() - started).padStart(5)}ms] ${msg}`);
}

/** A fresh suffix for room and namespace names, so parallel runs never meet. */
export function unique() {
  return `${process.pid}${Math.floor(Math.random() * 1e6)}`;
}

/** Runs a scenario: prints "ok" and exits 0, or prints the failure and exits 1. */
export async function run(name, fn, { timeoutMs = 45000 } = {}) {
  const label = `${name} [${env.parser}/${env.transport}]`;
  const watchdog = setTimeout(() => {
    console.error(`FAIL ${label}: scenario timed out after ${timeoutMs}ms`);
    process.exit(1);
  }, timeoutMs);
  let code = 0;
  try {
    await fn();
    if (testErrors.length) throw new Error(`the server reported test-error: ${testErrors.join("; ")}`);
    console.log(`ok ${label} in ${Date.now() - started}ms`);
  } catch (err) {
    console.error(`FAIL ${label}: ${err && err.stack ? err.stack : err}`);
    code = 1;
  }
  clearTimeout(watchdog);
  for (const s of opened) {
    try {
      if (s instanceof Manager) s.engine?.close();
      else s.disconnect();
    } catch {
      // closing is best effort
    }
  }
  process.exit(code);
}
