// Snapshot interpolation: states are kept with their server time and rendered `delay` ms in the
// past, on the server's clock, so arrival jitter does not show.

/**
 * Interpolator buffers entity positions by server time and blends between the two states around
 * the render time.
 */
export class Interpolator {
  /** @param {{delay?: number, fields?: string[], maxStates?: number}} [opts] */
  constructor(opts = {}) {
    this.delay = opts.delay ?? 100;
    this.fields = opts.fields ?? ["x", "y"];
    this.maxStates = opts.maxStates ?? 64;
    /** @type {{ts: number, ents: Map<number, Record<string, number>>}[]} ascending by ts */
    this.states = [];
  }

  /** push records the positions of entities (an iterable of {id, fields}) at server time ts. */
  push(ts, entities) {
    const ents = new Map();
    for (const e of entities) {
      const v = {};
      for (const f of this.fields) if (typeof e.fields[f] === "number") v[f] = e.fields[f];
      ents.set(e.id, v);
    }
    const s = this.states;
    // States that arrive out of order are put in their place: dropping them would leave
    // longer gaps to blend across. A second state for the same time replaces the first.
    let i = s.length;
    while (i > 0 && s[i - 1].ts > ts) i--;
    if (i > 0 && s[i - 1].ts === ts) s[i - 1] = { ts, ents };
    else s.splice(i, 0, { ts, ents });
    if (s.length > this.maxStates) s.splice(0, s.length - this.maxStates);
  }

  clear() { this.states = []; }

  /**
   * at returns, for server time renderTs, each entity's interpolated fields: blended between the
   * states just before and after, held at the newest state past the end (no extrapolation) and at
   * the oldest before the start. An entity missing from the later state shows its earlier value.
   * @returns {Map<number, Record<string, number>>}
   */
  at(renderTs) {
    const s = this.states;
    if (!s.length) return new Map();
    if (renderTs <= s[0].ts) return copy(s[0].ents);
    if (renderTs >= s[s.length - 1].ts) return copy(s[s.length - 1].ents);
    let i = s.length - 2;
    while (i > 0 && s[i].ts > renderTs) i--;
    const a = s[i];
    const b = s[i + 1];
    const k = (renderTs - a.ts) / (b.ts - a.ts);
    const out = new Map();
    for (const [id, va] of a.ents) {
      const vb = b.ents.get(id);
      if (!vb) { out.set(id, { ...va }); continue; }
      const v = {};
      for (const f in va) v[f] = f in vb ? va[f] + (vb[f] - va[f]) * k : va[f];
      out.set(id, v);
    }
    for (const [id, vb] of b.ents) if (!a.ents.has(id) && k >= 0.5) out.set(id, { ...vb });
    return out;
  }
}

function copy(ents) {
  const out = new Map();
  for (const [id, v] of ents) out.set(id, { ...v });
  return out;
}

/**
 * ClockSync estimates serverTime - localTime from time:sync samples {t0, serverTime, t1}: the
 * sample with the smallest round trip wins, its server time taken at the midpoint.
 */
export class ClockSync {
  constructor() { this.reset(); }

  /** reset forgets every sample: for another server's clock (the client moved to another node). */
  reset() {
    this.offset = 0;
    this.rtt = Infinity;
    this.samples = 0;
  }

  add(t0, serverTime, t1) {
    const rtt = t1 - t0;
    this.samples++;
    if (rtt < 0) return;
    if (rtt <= this.rtt) {
      this.rtt = rtt;
      this.offset = serverTime - (t0 + rtt / 2);
    }
  }
}
