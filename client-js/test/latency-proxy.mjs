// A TCP proxy for tests that adds latency: every chunk is forwarded `delayMs` after it arrived
// (plus, with opts.jitterMs, a random extra delay in [0, jitterMs), never overtaking the chunk
// before it), in order, in both directions (a connection's end and reset are delayed alike).
import net from "node:net";

/**
 * startLatencyProxy listens on 127.0.0.1 and forwards each connection to target (an http URL or
 * {host, port}). It resolves with {url, port, close()}; close() stops listening and drops every
 * proxied connection.
 * @param {string | {host: string, port: number}} target
 * @param {number} delayMs added to each direction
 */
export async function startLatencyProxy(target, delayMs, opts = {}) {
  const jitter = opts.jitterMs ?? 0;
  let seed = (opts.seed ?? 1) >>> 0; // a deterministic PRNG, so a failure replays
  const rand = () => ((seed = Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5 >>> 0) / 2 ** 32);
  const extra = () => (jitter > 0 ? rand() * jitter : 0);
  const to = typeof target === "string" ? new globalThis.URL(target) : null;
  const host = to ? to.hostname : target.host;
  const port = to ? Number(to.port) : target.port;
  const sockets = new Set();
  // Half-open on both sides: each direction ends when its own delayed end comes through.
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const upstream = net.connect({ host, port, allowHalfOpen: true });
    for (const s of [client, upstream]) {
      s.setNoDelay(true);
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {}); // ended by "close" below
    }
    pipeDelayed(client, upstream, delayMs, extra);
    pipeDelayed(upstream, client, delayMs, extra);
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port: own } = server.address();
  return {
    port: own,
    url: `http://127.0.0.1:${own}`,
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

// pipeDelayed writes what `from` reads to `to`, each chunk delayMs (+ extra()) after it arrived
// and not before the chunk ahead of it. One timer at a time serves a FIFO queue, so the order is
// kept whatever the timer resolution.
function pipeDelayed(from, to, delayMs, extra = () => 0) {
  const queue = []; // {at, chunk} or {at, end: true} / {at, reset: true}
  let timer = null;
  const pump = () => {
    timer = null;
    const now = performance.now();
    while (queue.length && queue[0].at <= now) {
      const item = queue.shift();
      if (item.reset) { to.destroy(); return; }
      if (item.end) { to.end(); return; }
      if (!to.destroyed) to.write(item.chunk);
    }
    if (queue.length) timer = setTimeout(pump, queue[0].at - now);
  };
  let last = 0;
  const push = (item) => {
    const at = Math.max(last, performance.now() + delayMs + extra());
    last = at;
    queue.push({ at, ...item });
    if (!timer) timer = setTimeout(pump, at - performance.now());
  };
  let ended = false;
  from.on("data", (chunk) => push({ chunk }));
  from.on("end", () => { ended = true; push({ end: true }); });
  from.on("close", (hadError) => { if (hadError || !ended) push({ reset: true }); });
}
