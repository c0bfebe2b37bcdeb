// Shared by the end-to-end tests: the server URLs and the transports (set by the Go test that
// starts the servers, client-js/e2e_test.go) and small waiting helpers.
export const URL = process.env.TICKROOM_URL || "";
export const skip = URL ? false : "TICKROOM_URL is not set: run through `go test ./client-js/`";

/** skipUnless is false when every named environment variable is set, else the reason to skip. */
export function skipUnless(...names) {
  const missing = names.filter((n) => !process.env[n]);
  return missing.length ? `${missing.join(", ")} not set: run through \`go test ./client-js/\`` : false;
}

/**
 * TRANSPORTS are the Socket.IO transports of the transport tests (TICKROOM_TRANSPORTS, comma
 * separated; default websocket); `polling,websocket` starts with long-polling and upgrades.
 */
export const TRANSPORTS = (process.env.TICKROOM_TRANSPORTS || "websocket").split(",").map((s) => s.trim());
/** TRANSPORT names the transports in test names: websocket, polling or polling+upgrade. */
export const TRANSPORT = TRANSPORTS.length > 1 ? `${TRANSPORTS[0]}+upgrade` : TRANSPORTS[0];
/** FINAL_TRANSPORT is the transport a connection ends up on (after the upgrade, if any). */
export const FINAL_TRANSPORT = TRANSPORTS[TRANSPORTS.length - 1];

/** waitFor polls cond every 20 ms until it is truthy or ms pass. */
export async function waitFor(cond, ms = 5000, what = "condition") {
  const end = Date.now() + ms;
  for (;;) {
    const v = cond();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * next resolves with the arguments of the next `event` on an object with on() returning off();
 * on() may call back at once, during the registration (as onMessage does with held events).
 */
export function next(target, event, ms = 5000) {
  return new Promise((resolve, reject) => {
    let done = false;
    let off = null;
    const timer = setTimeout(() => { done = true; off(); reject(new Error(`timed out waiting for ${event}`)); }, ms);
    off = target.on(event, (...args) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (off) off();
      resolve(args);
    });
    if (done) off();
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** rejects asserts that p rejects with a TickroomError of that code. */
export async function rejectsWith(assert, p, code, TickroomError) {
  await assert.rejects(p, (e) => {
    assert.ok(e instanceof TickroomError, `expected a TickroomError, got ${e}`);
    assert.equal(e.code, code, e.message);
    assert.equal(typeof e.message, "string");
    return true;
  });
}
