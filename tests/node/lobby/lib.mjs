// Helpers for the lobby scenarios: each scenario connects npm socket.io-client clients with the
// msgpack parser to the gameserver (SIO_URL), exits 0 on success and 1 on the first failed check.
import { io } from "socket.io-client";
import msgpackParser from "socket.io-msgpack-parser";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";

export { assert };

export const url = process.env.SIO_URL ?? "http://127.0.0.1:8080";
export const TIMEOUT = 8000;
/** A value no other scenario uses: scenarios share one server, so they filter the lobby by it. */
export const run = randomUUID();

const opened = [];

/** Connects a client named name; resolves once connected. */
export async function connect(name) {
  const s = io(url, {
    forceNew: true, reconnection: false, transports: ["websocket"], parser: msgpackParser,
    auth: { name },
  });
  opened.push(s);
  s.events = []; // every server event, in order: [name, arg]
  s.onAny((ev, arg) => s.events.push([ev, arg]));
  await new Promise((resolve, reject) => {
    s.once("connect", resolve);
    s.once("connect_error", (e) => reject(new Error(`connect: ${e.message}`)));
  });
  return s;
}

/** Emits a request with an ack; resolves with the ack object. */
export function req(s, event, payload) {
  return new Promise((resolve, reject) => {
    const args = payload === undefined ? [] : [payload];
    s.timeout(TIMEOUT).emit(event, ...args, (err, res) => {
      if (err) reject(new Error(`no ack for ${event}`));
      else resolve(res);
    });
  });
}

/** Expects an ok ack and returns it. */
export async function ok(s, event, payload) {
  const res = await req(s, event, payload);
  assert.equal(res?.ok, true, `${event} ${JSON.stringify(payload)}: ${JSON.stringify(res)}`);
  return res;
}

/** Expects an error ack with code. */
export async function fails(s, event, payload, code) {
  const res = await req(s, event, payload);
  assert.equal(res?.ok, false, `${event} ${JSON.stringify(payload)} should fail with ${code}: ${JSON.stringify(res)}`);
  assert.equal(res.error.code, code, `${event} ${JSON.stringify(payload)}: ${JSON.stringify(res)}`);
  assert.equal(typeof res.error.message, "string");
  return res;
}

/** Resolves with the first event `name` at or after index `from` of s.events that satisfies pred. */
export async function waitEvent(s, name, pred = () => true, ms = TIMEOUT, from = 0) {
  const deadline = Date.now() + ms;
  for (;;) {
    for (let i = from; i < s.events.length; i++) {
      const [ev, arg] = s.events[i];
      if (ev === name && pred(arg)) return arg;
    }
    if (Date.now() > deadline) {
      throw new Error(`no ${name} matching within ${ms}ms; events: ${JSON.stringify(s.events.filter(([e]) => e !== "snapshot").slice(-20))}`);
    }
    await sleep(20);
  }
}

/** The events named name received so far. */
export function eventsOf(s, name) {
  return s.events.filter(([ev]) => ev === name).map(([, arg]) => arg);
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** Runs main with a watchdog, closes every socket, and exits 0 or 1. */
export function scenario(main, watchdogMs = 45000) {
  const dog = setTimeout(() => {
    console.error(`watchdog: scenario still running after ${watchdogMs}ms`);
    process.exit(1);
  }, watchdogMs);
  main().then(
    () => {
      clearTimeout(dog);
      for (const s of opened) s.close();
      console.log("ok");
      process.exit(0);
    },
    (err) => {
      console.error(err?.stack ?? err);
      process.exit(1);
    },
  );
}
