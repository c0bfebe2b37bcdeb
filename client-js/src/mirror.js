// The state mirror: reads the snapshot entity section (`e`) and computes the view hash (`h`),
// byte for byte as docs/snapshot-format.md defines them and game.Mirror does in Go.

import { withListen } from "./listen.js";

const CODEC_VARINT = 0; // int, and float with a quantum: zigzag varint of an int64
const CODEC_F64 = 1; // float without a quantum: 8 bytes little endian (bits kept)
const CODEC_BOOL = 2; // 1 byte, 0 or 1
const CODEC_STRING = 3; // uvarint length, then UTF-8 bytes

const MAX_ID = 2 ** 32 - 1;
const TWO32 = 2 ** 32;
const utf8 = new TextDecoder("utf-8");

/** Thrown by Mirror.apply for a malformed section; the mirror is left unchanged. */
export class BadSectionError extends Error {
  constructor(message) {
    super("tickroom: bad snapshot section: " + message);
    this.name = "BadSectionError";
  }
}

function compileFields(list, where) {
  if (!Array.isArray(list)) throw new TypeError(`tickroom: schema ${where}: fields must be an array`);
  return list.map((f) => {
    const quantum = typeof f.quantum === "number" && f.quantum > 0 ? f.quantum : 0;
    let codec;
    switch (f.type) {
      case "int": codec = CODEC_VARINT; break;
      case "float": codec = quantum > 0 ? CODEC_VARINT : CODEC_F64; break;
      case "bool": codec = CODEC_BOOL; break;
      case "string": codec = CODEC_STRING; break;
      default: throw new TypeError(`tickroom: schema ${where}: unknown field type ${f.type}`);
    }
    return { name: String(f.name), type: f.type, quantum, codec };
  });
}

/**
 * Compiles the schema a Joined ack carries ({kinds: [{name, fields}], globals}) into the form
 * the decoder uses.
 */
export function compileSchema(schema) {
  if (!schema || !Array.isArray(schema.kinds)) throw new TypeError("tickroom: schema without kinds");
  const kinds = schema.kinds.map((k, i) => ({ name: String(k.name), fields: compileFields(k.fields, `kind ${i}`) }));
  const globals = compileFields(schema.globals ?? [], "globals");
  return { kinds, globals };
}

// zeroWire is a field's wire zero value, what a full state resets globals to.
function zeroWire(f) {
  switch (f.codec) {
    case CODEC_VARINT: return 0;
    case CODEC_F64: return new Uint8Array(8);
    case CODEC_BOOL: return 0;
    default: return { s: "", b: new Uint8Array(0) };
  }
}

// shown turns a wire value into what the game sees.
function shown(f, w) {
  switch (f.codec) {
    case CODEC_VARINT:
      if (f.quantum > 0) return Number(w) * f.quantum;
      return w;
    case CODEC_F64: return new DataView(w.buffer, w.byteOffset, 8).getFloat64(0, true);
    case CODEC_BOOL: return w === 1;
    default: return w.s;
  }
}

function sameWire(f, a, b) {
  switch (f.codec) {
    case CODEC_F64:
      for (let i = 0; i < 8; i++) if (a[i] !== b[i]) return false;
      return true;
    case CODEC_STRING: {
      if (a.b.length !== b.b.length) return false;
      for (let i = 0; i < a.b.length; i++) if (a.b[i] !== b.b[i]) return false;
      return true;
    }
    default: return a === b;
  }
}

// Reader decodes the section's primitives and throws BadSectionError rather than read past the end.
class Reader {
  constructor(bytes) {
    this.b = bytes;
    this.i = 0;
  }

  left() { return this.b.length - this.i; }

  // uvarint reads an unsigned LEB128 in its shortest form, at most 10 bytes and 2^64-1, as a
  // Number when it is a safe integer and as a BigInt otherwise.
  uvarint() {
    const b = this.b;
    let i = this.i;
    let v = 0;
    let mul = 1;
    for (let n = 0; ; n++) {
      if (i >= b.length) throw new BadSectionError("truncated uvarint");
      if (n >= 10) throw new BadSectionError("uvarint longer than 10 bytes");
      const c = b[i++];
      if (n === 9 && c > 1) throw new BadSectionError("uvarint above 2^64-1");
      if (n >= 7) return this.bigUvarint();
      v += (c & 0x7f) * mul;
      mul *= 128;
      if (c < 0x80) {
        if (n > 0 && c === 0) throw new BadSectionError("uvarint not in its shortest form");
        this.i = i;
        return v;
      }
    }
  }

  // bigUvarint is the slow path for uvarints of 8 or more bytes.
  bigUvarint() {
    const b = this.b;
    let i = this.i;
    let v = 0n;
    let shift = 0n;
    for (let n = 0; ; n++) {
      if (i >= b.length) throw new BadSectionError("truncated uvarint");
      if (n >= 10) throw new BadSectionError("uvarint longer than 10 bytes");
      const c = b[i++];
      if (n === 9 && c > 1) throw new BadSectionError("uvarint above 2^64-1");
      v |= BigInt(c & 0x7f) << shift;
      shift += 7n;
      if (c < 0x80) {
        if (n > 0 && c === 0) throw new BadSectionError("uvarint not in its shortest form");
        this.i = i;
        return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
      }
    }
  }

  // varint reads a zigzag varint; the int64 comes back as a Number when safe, else a BigInt.
  varint() {
    const u = this.uvarint();
    if (typeof u === "number") return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
    const n = (u >> 1n) ^ -(u & 1n);
    return Number.isSafeInteger(Number(n)) && BigInt(Number(n)) === n ? Number(n) : n;
  }

  // small reads a uvarint that must fit a Number (counts, gaps, kinds, masks).
  small(what) {
    const v = this.uvarint();
    if (typeof v !== "number") throw new BadSectionError(`${what} ${v} too large`);
    return v;
  }

  count(what) {
    const n = this.small(what + " count");
    if (n > this.left()) throw new BadSectionError(`${what} count ${n} exceeds the ${this.left()} bytes left`);
    return n;
  }

  position(prev, held, what) {
    const gap = this.small(what + " gap");
    if (gap >= held - prev - 1) throw new BadSectionError(`${what} gap ${gap} after position ${prev} points beyond the ${held} entities held`);
    return prev + 1 + gap;
  }

  value(f) {
    switch (f.codec) {
      case CODEC_VARINT: return this.varint();
      case CODEC_F64: {
        if (this.left() < 8) throw new BadSectionError("short float64");
        const v = this.b.slice(this.i, this.i + 8);
        this.i += 8;
        return v;
      }
      case CODEC_BOOL: {
        if (this.left() < 1 || this.b[this.i] > 1) throw new BadSectionError("bad bool");
        return this.b[this.i++];
      }
      default: {
        const n = this.small("string length");
        if (n > this.left()) throw new BadSectionError(`string length ${n} exceeds the ${this.left()} bytes left`);
        const bytes = this.b.slice(this.i, this.i + n);
        this.i += n;
        return { s: utf8.decode(bytes), b: bytes };
      }
    }
  }
}

// maskBits lists the set bits of a mask below limit, failing on bits at or above it.
function maskBits(mask, limit, what) {
  if (mask === 0) throw new BadSectionError(`${what}: zero mask`);
  if (mask >= 2 ** limit) throw new BadSectionError(`${what}: mask ${mask.toString(16)} has unknown bits`);
  const bits = [];
  for (let i = 0; i < limit; i++) if (Math.floor(mask / 2 ** i) % 2 === 1) bits.push(i);
  return bits;
}

/**
 * Mirror holds one player's view: entities sorted by id, and the globals. apply() reads a section
 * and reports what changed; hash() is the view hash `h`.
 */
export class Mirror {
  constructor(schema) {
    this.schema = compileSchema(schema); // compiling a compiled schema gives the same schema
    /** @type {{id:number, kind:number, wire:any[], entity:any}[]} ascending by id */
    this.list = [];
    /** id -> public entity object {id, kind, fields} */
    this.entities = new Map();
    this.globalWire = this.schema.globals.map(zeroWire);
    this.globals = {};
    this.schema.globals.forEach((f, i) => { this.globals[f.name] = shown(f, this.globalWire[i]); });
    /** Whether a full state was applied: before it, the globals are placeholders. */
    this.filled = false;
  }

  /**
   * Applies a section. full means the snapshot's b is 0. Returns the changes
   * {added: Entity[], removed: Entity[], changed: [Entity, string[], previous][], globals: string[]},
   * where previous holds the changed fields' earlier values by name. The first full state reports
   * every global: the zero values before it were no state.
   * Throws BadSectionError, leaving the mirror as it was, when the section is malformed.
   */
  apply(section, full) {
    const bytes = section instanceof Uint8Array ? section : new Uint8Array(section);
    const st = this.parse(bytes, full);
    return this.commit(st, full);
  }

  parse(bytes, full) {
    const r = new Reader(bytes);
    const { kinds, globals } = this.schema;
    const held = full ? 0 : this.list.length;
    const st = { removed: [], updated: [], created: [], gmask: 0, gvals: [] };

    // The flags byte says which parts follow: removed 1, updated 2, created 4, globals 8.
    if (r.left() < 1) throw new BadSectionError("empty section: no flags byte");
    const flags = r.b[r.i++];
    if (flags & ~0x0f) throw new BadSectionError(`flags ${flags.toString(16)} have unknown bits`);
    const part = (bit, what) => {
      if (!(flags & bit)) return 0;
      const n = r.count(what);
      if (n === 0) throw new BadSectionError(`${what} flagged present with a count of 0`);
      return n;
    };
    const nrem = part(1, "removed");
    if (nrem > held) throw new BadSectionError(`${nrem} removals of ${held} entities held`);
    let prev = -1;
    for (let i = 0; i < nrem; i++) {
      prev = r.position(prev, held, "removed");
      st.removed.push(prev);
    }
    const nupd = part(2, "updated");
    if (nupd > held - nrem) throw new BadSectionError(`${nupd} updates of ${held - nrem} entities kept`);
    prev = -1;
    let prevMask = 0; // no update yet: a mask is never 0
    for (let i = 0, ri = 0; i < nupd; i++) {
      // head = gap * 2 + same; same: the mask is the previous update's and is not written.
      const head = r.small("update head");
      const gap = Math.floor(head / 2);
      if (gap >= held - prev - 1) throw new BadSectionError(`updated gap ${gap} after position ${prev} points beyond the ${held} entities held`);
      prev = prev + 1 + gap;
      let mask = prevMask;
      if (head % 2 === 0) {
        mask = r.small("update mask");
        if (mask !== 0 && mask === prevMask) throw new BadSectionError(`update of position ${prev} writes the previous update's mask again`);
      } else if (prevMask === 0) {
        throw new BadSectionError(`the first update (position ${prev}) repeats a mask`);
      }
      prevMask = mask;
      while (ri < st.removed.length && st.removed[ri] < prev) ri++;
      if (ri < st.removed.length && st.removed[ri] === prev) {
        throw new BadSectionError(`update of entity ${this.list[prev].id}, removed by the same section`);
      }
      const e = this.list[prev];
      const fields = kinds[e.kind].fields;
      const bits = maskBits(mask, fields.length, `entity ${e.id}`);
      const vals = bits.map((b) => r.value(fields[b]));
      st.updated.push({ pos: prev, bits, vals });
    }
    const ncre = part(4, "created");
    let prevID = 0;
    for (let i = 0; i < ncre; i++) {
      const delta = r.small("created id delta");
      const kind = r.small("kind");
      if (delta === 0 || delta > MAX_ID - prevID) {
        throw new BadSectionError(`created id delta ${delta} after id ${prevID}: not ascending or above 2^32-1`);
      }
      const id = prevID + delta;
      prevID = id;
      if (kind >= kinds.length) throw new BadSectionError(`entity ${id} of unknown kind ${kind}`);
      if (!full && this.find(id) >= 0) throw new BadSectionError(`create of entity ${id}, which is held`);
      const wire = kinds[kind].fields.map((f) => r.value(f));
      st.created.push({ id, kind, wire });
    }
    const gmask = flags & 8 ? r.small("globals mask") : 0;
    if (flags & 8 && gmask === 0) throw new BadSectionError("globals flagged present with an empty mask");
    if (gmask >= 2 ** globals.length) throw new BadSectionError(`global mask ${gmask.toString(16)} has unknown bits`);
    st.gmask = gmask;
    for (let g = 0; g < globals.length; g++) {
      if (Math.floor(gmask / 2 ** g) % 2 === 1) st.gvals.push([g, r.value(globals[g])]);
    }
    if (full && gmask !== 2 ** globals.length - 1) throw new BadSectionError("full state without every global");
    if (r.left() !== 0) throw new BadSectionError(`${r.left()} trailing bytes`);
    return st;
  }

  // find returns the index of id in the held list, or -1.
  find(id) {
    const l = this.list;
    let lo = 0;
    let hi = l.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (l[mid].id < id) lo = mid + 1;
      else hi = mid;
    }
    return lo < l.length && l[lo].id === id ? lo : -1;
  }

  commit(st, full) {
    const { kinds, globals } = this.schema;
    const changes = { added: [], removed: [], changed: [], globals: [] };
    if (full) {
      // A full state replaces everything; entities kept across it keep their objects, so a
      // resync or rejoin reports only the real differences.
      const old = new Map(this.list.map((e) => [e.id, e]));
      const next = [];
      for (const c of st.created) {
        const o = old.get(c.id);
        if (o && o.kind === c.kind) {
          old.delete(c.id);
          const names = [];
          const previous = {};
          const fields = kinds[c.kind].fields;
          fields.forEach((f, i) => {
            if (!sameWire(f, o.wire[i], c.wire[i])) {
              o.wire[i] = c.wire[i];
              previous[f.name] = o.entity.fields[f.name];
              o.entity.fields[f.name] = shown(f, c.wire[i]);
              names.push(f.name);
            }
          });
          if (names.length) changes.changed.push([o.entity, names, previous]);
          next.push(o);
        } else {
          next.push(this.make(c));
        }
      }
      for (const o of old.values()) {
        this.entities.delete(o.id);
        changes.removed.push(o.entity);
      }
      for (const e of next) {
        if (!this.entities.has(e.id)) {
          this.entities.set(e.id, e.entity);
          changes.added.push(e.entity);
        }
      }
      this.list = next;
    } else {
      for (const u of st.updated) {
        const e = this.list[u.pos];
        const fields = kinds[e.kind].fields;
        const names = [];
        const previous = {};
        u.bits.forEach((b, j) => {
          const name = fields[b].name;
          e.wire[b] = u.vals[j];
          previous[name] = e.entity.fields[name];
          e.entity.fields[name] = shown(fields[b], u.vals[j]);
          names.push(name);
        });
        changes.changed.push([e.entity, names, previous]);
      }
      if (st.removed.length) {
        const drop = new Set(st.removed);
        const kept = [];
        this.list.forEach((e, i) => {
          if (drop.has(i)) {
            this.entities.delete(e.id);
            changes.removed.push(e.entity);
          } else kept.push(e);
        });
        this.list = kept;
      }
      if (st.created.length) {
        // Merge the ascending created records into the ascending list.
        const merged = [];
        let i = 0;
        for (const c of st.created) {
          while (i < this.list.length && this.list[i].id < c.id) merged.push(this.list[i++]);
          const e = this.make(c);
          merged.push(e);
          this.entities.set(e.id, e.entity);
          changes.added.push(e.entity);
        }
        while (i < this.list.length) merged.push(this.list[i++]);
        this.list = merged;
      }
    }
    for (const [g, w] of st.gvals) {
      const f = globals[g];
      if (full && this.filled && sameWire(f, this.globalWire[g], w)) continue;
      this.globalWire[g] = w;
      this.globals[f.name] = shown(f, w);
      changes.globals.push(f.name);
    }
    if (full) this.filled = true;
    return changes;
  }

  make(c) {
    const k = this.schema.kinds[c.kind];
    const fields = {};
    k.fields.forEach((f, i) => { fields[f.name] = shown(f, c.wire[i]); });
    return { id: c.id, kind: c.kind, wire: c.wire, entity: withListen({ id: c.id, kind: k.name, fields }) };
  }

  /** hash returns the 32-bit FNV-1a view hash over the mirror's wire values. */
  hash() {
    const h = new Hasher();
    const { kinds, globals } = this.schema;
    for (const e of this.list) {
      h.u32(e.id);
      h.byte(e.kind);
      const fields = kinds[e.kind].fields;
      for (let i = 0; i < fields.length; i++) h.value(fields[i], e.wire[i]);
    }
    h.byte(0xff);
    for (let g = 0; g < globals.length; g++) h.value(globals[g], this.globalWire[g]);
    return h.h;
  }
}

/** FNV-1a, 32 bits. */
class Hasher {
  constructor() { this.h = 0x811c9dc5; }

  byte(b) { this.h = Math.imul(this.h ^ (b & 0xff), 16777619) >>> 0; }

  u32(v) {
    this.byte(v);
    this.byte(v >>> 8);
    this.byte(v >>> 16);
    this.byte(v >>> 24);
  }

  i64(v) {
    if (typeof v === "bigint") {
      const u = BigInt.asUintN(64, v);
      this.u32(Number(u & 0xffffffffn));
      this.u32(Number(u >> 32n));
      return;
    }
    this.u32(v >>> 0);
    this.u32(Math.floor(v / TWO32) >>> 0);
  }

  value(f, w) {
    switch (f.codec) {
      case CODEC_VARINT: this.i64(w); break;
      case CODEC_F64: for (let i = 0; i < 8; i++) this.byte(w[i]); break;
      case CODEC_BOOL: this.byte(w); break;
      default:
        this.u32(w.b.length);
        for (let i = 0; i < w.b.length; i++) this.byte(w.b[i]);
    }
  }
}
