// The room a client sits in: players and info kept current, inputs with seq, the state mirror
// fed by snapshots (with the hash check and automatic resync), interpolation, prediction, and
// the rejoin after a lost connection.

import { Emitter } from "./emitter.js";
import { Mirror, BadSectionError } from "./mirror.js";
import { Interpolator } from "./interpolation.js";
import { Predictor } from "./prediction.js";
import { TickroomError } from "./errors.js";
import { bundledSchemas } from "./schemas.js";

// schemaOf picks the Joined ack's schema, else one given to connect(), else a bundled one.
function schemaOf(client, joined) {
  const mode = joined.room && joined.room.mode;
  const s = joined.schema || (client.opts.schemas && client.opts.schemas[mode]) || bundledSchemas[mode];
  if (!s) throw new TickroomError("INTERNAL", `no schema for mode ${mode}: the server sent none; pass one in connect(url, {schemas})`);
  return s;
}

/** Room is the seat a Client holds; Client.create/join/quickjoin/rejoin resolve with one. */
export class Room {
  constructor(client, joined) {
    this.client = client;
    this.events = new Emitter();
    this.mirror = new Mirror(schemaOf(client, joined));
    /** The mirror's entities by id: {id, kind, fields}. */
    this.entities = this.mirror.entities;
    /** The room-global fields by name. */
    this.globals = this.mirror.globals;
    this.interpolator = new Interpolator({ delay: client.opts.interpolationDelay, fields: client.opts.interpolationFields });
    /** @type {Predictor | null} */
    this.predictor = null;
    this.stats = { snapshots: 0, bytes: 0, hashChecks: 0, desyncs: 0, badSections: 0, skipped: 0, resyncs: 0, rejoins: 0 };
    /** The tick of the state the mirror holds (0: none yet). */
    this.tick = 0;
    /** The highest input seq of this player the server applied (the snapshots' `a`). */
    this.ack = 0;
    this._seq = 0;
    this._awaitFull = true;
    this._resyncing = false;
    this._reconnecting = false;
    this.closed = false;
    this._setJoined(joined);
  }

  _setJoined(joined) {
    /** RoomInfo */
    this.info = joined.room;
    this.id = joined.room.id;
    this.code = joined.room.code;
    this.playerId = joined.you.playerId;
    this.seatToken = joined.you.seatToken;
    /** @type {Map<number, any>} PlayerInfo by player id */
    this.players = new Map(joined.players.map((p) => [p.id, p]));
  }

  /** on listens to room events; it returns the function that stops listening. */
  on(event, fn) { return this.events.on(event, fn); }

  /** onAdd calls fn(entity) for each entity entering the view. */
  onAdd(fn) { return this.events.on("add", fn); }

  /** onRemove calls fn(entity) for each entity leaving the view. */
  onRemove(fn) { return this.events.on("remove", fn); }

  /**
   * onChange calls fn(entity, fieldNames) for each entity whose fields changed; with a field
   * name, only when that field changed, as fn(entity, value).
   */
  onChange(fnOrField, maybeFn) {
    if (typeof fnOrField === "function") return this.events.on("change", fnOrField);
    const field = fnOrField;
    return this.events.on("change", (e, names) => { if (names.includes(field)) maybeFn(e, e.fields[field]); });
  }

  /** onGlobals calls fn(globals, names) when room-global fields change. */
  onGlobals(fn) { return this.events.on("globals", fn); }

  /** me is this player's own entity, the one whose `pid` field is the player id, if in view. */
  get me() {
    for (const e of this.entities.values()) if (e.fields.pid === this.playerId) return e;
    return undefined;
  }

  /**
   * sendInput emits an input with the next seq and returns that seq, or null when the room is
   * not connected (inputs are not queued across a reconnection).
   */
  sendInput(fields) {
    if (this.closed || this._reconnecting || !this.client.socket.connected) return null;
    const input = { seq: ++this._seq, ...fields };
    input.seq = this._seq;
    this.client.socket.emit("input", input);
    if (this.predictor) this.predictor.input(input);
    return input.seq;
  }

  /** chat sends a chat message to the room. */
  async chat(text) { await this.client.request("room:chat", { text }); }

  /** ready marks this player ready or not. */
  async ready(ready = true) { await this.client.request("room:ready", { ready }); }

  /** start starts the match (host only). */
  async start() { await this.client.request("room:start", {}); }

  /** kick removes a player (host only). */
  async kick(playerId) { await this.client.request("room:kick", { playerId }); }

  /** resync asks for a full state; snapshots are skipped until it arrives. */
  async resync() {
    this._awaitFull = true;
    this.stats.resyncs++;
    await this.client.request("room:resync", {});
  }

  /** leave gives up the seat. */
  async leave() {
    await this.client.request("room:leave", {});
    this._close("left");
  }

  /**
   * interpolated returns the entities' interpolated positions (the interpolation fields, x and y
   * by default) for rendering at local time now: the server state of `delay` ms ago.
   * @returns {Map<number, Record<string, number>>}
   */
  interpolated(now = Date.now()) {
    return this.interpolator.at(this.client.serverNow(now) - this.interpolator.delay);
  }

  /**
   * predict turns on client-side prediction of the own entity: applyInput(state, input) returns
   * the state after one input. Local inputs apply at once; each snapshot replays the inputs the
   * server has not applied yet (seq above `a`) over the authoritative state.
   */
  predict(applyInput) {
    this.predictor = new Predictor(applyInput);
    const me = this.me;
    if (me) this.predictor.reconcile(me.fields, this.ack);
    return this.predictor;
  }

  /** predicted is the predicted state of the own entity, or its mirrored fields without prediction. */
  get predicted() {
    if (this.predictor && this.predictor.state) return this.predictor.state;
    const me = this.me;
    return me ? me.fields : null;
  }

  _onSnapshot(s) {
    const st = this.stats;
    st.snapshots++;
    const full = s.b === 0;
    if (this._awaitFull && !full) { st.skipped++; return; }
    if (!full && s.b !== this.tick) {
      // A delta against a state we do not hold: the server's rule 1 broken or a lost snapshot.
      this._desync(`delta against tick ${s.b}, holding ${this.tick}`);
      return;
    }
    const section = s.e instanceof Uint8Array ? s.e : new Uint8Array(s.e);
    st.bytes += section.length;
    let changes;
    try {
      changes = this.mirror.apply(section, full);
    } catch (e) {
      if (!(e instanceof BadSectionError)) throw e;
      st.badSections++;
      this._desync(e.message);
      return;
    }
    if (full) {
      this._awaitFull = false;
      // The input seq belongs to the seat: after a rejoin continue above the server's `a`.
      if (s.a > this._seq) this._seq = s.a;
    }
    this.tick = s.t;
    this.ack = s.a;
    for (const e of changes.removed) this.events.emit("remove", e);
    for (const e of changes.added) this.events.emit("add", e);
    for (const [e, names] of changes.changed) this.events.emit("change", e, names);
    if (changes.globals.length) this.events.emit("globals", this.globals, changes.globals);
    if (s.h !== undefined && s.h !== null) {
      st.hashChecks++;
      const mine = this.mirror.hash();
      if (mine !== s.h >>> 0) {
        this._desync(`view hash ${mine.toString(16)} != server ${(s.h >>> 0).toString(16)} at tick ${s.t}`);
        return;
      }
    }
    this.interpolator.push(s.ts, this.entities.values());
    if (this.predictor) {
      const me = this.me;
      this.predictor.reconcile(me ? me.fields : null, s.a);
    }
    this.events.emit("snapshot", s);
  }

  // _desync counts a mirror that no longer matches the server and asks for a full state.
  _desync(why) {
    this.stats.desyncs++;
    this.events.emit("desync", why);
    this._awaitFull = true;
    if (this._resyncing) return;
    this._resyncing = true;
    this.stats.resyncs++;
    this.client.request("room:resync", {})
      .catch((e) => this.events.emit("error", e))
      .finally(() => { this._resyncing = false; });
  }

  _onPlayer({ op, player }) {
    if (op === "leave") this.players.delete(player.id);
    else this.players.set(player.id, player);
    this.events.emit("player", op, player);
  }

  _onInfo(info) {
    this.info = info;
    this.events.emit("info", info);
  }

  _onClosed(reason) { this._close(reason); }

  _close(reason) {
    if (this.closed) return;
    this.closed = true;
    if (this.client.room === this) this.client.room = null;
    this.events.emit("closed", reason);
  }

  _onDisconnect(reason) {
    if (this.closed) return;
    this._reconnecting = true;
    this._awaitFull = true;
    this.interpolator.clear();
    this.events.emit("reconnecting", reason);
    if (!this.client.opts.reconnection) this._close("disconnected");
  }

  // _rejoin runs on the new connection: room:rejoin with the seat token. The Joined ack updates
  // the seat synchronously, before the full snapshot that follows it is dispatched.
  _rejoin() {
    this.client.request("room:rejoin", { seatToken: this.seatToken }, (joined) => {
      this._setJoined(joined);
      this._reconnecting = false;
      this.stats.rejoins++;
      return joined;
    }).then(
      () => this.events.emit("reconnected"),
      (err) => {
        this.events.emit("seatlost", err);
        this._close("seatlost");
      },
    );
  }
}
