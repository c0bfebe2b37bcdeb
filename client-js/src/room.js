// The room a client sits in: players and info kept current, inputs with seq, messages with
// replies and events by type, the state mirror fed by snapshots (with the hash check and
// automatic resync) and its callbacks, interpolation, prediction, and the rejoin after a lost
// connection, and the move to another node of a cluster when the rejoin says the seat is there.

import { Emitter } from "./emitter.js";
import { Mirror, BadSectionError } from "./mirror.js";
import { Interpolator } from "./interpolation.js";
import { Predictor } from "./prediction.js";
import { TickroomError } from "./errors.js";
import { bundledSchemas } from "./schemas.js";
import { addListener, dropListeners, notify } from "./listen.js";

// schemaOf picks the Joined ack's schema, else one given to connect(), else a bundled one.
function schemaOf(client, joined) {
  const mode = joined.room && joined.room.mode;
  const s = joined.schema || (client.opts.schemas && client.opts.schemas[mode]) || bundledSchemas[mode];
  if (!s) throw new TickroomError("INTERNAL", `no schema for mode ${mode}: the server sent none; pass one in connect(url, {schemas})`);
  return s;
}

// MAX_HELD bounds the room:events kept for handlers not registered yet (see _onEvent).
const MAX_HELD = 64;

const immediate = (opts) => !opts || opts.immediate !== false;

/** Room is the seat a Client holds; Client.create/join/quickjoin/rejoin resolve with one. */
export class Room {
  constructor(client, joined) {
    this.client = client;
    this.events = new Emitter();
    this.mirror = new Mirror(schemaOf(client, joined));
    /** The mirror's entities by id: {id, kind, fields, listen()}. */
    this.entities = this.mirror.entities;
    /** The room-global fields by name. */
    this.globals = this.mirror.globals;
    this.interpolator = new Interpolator({ delay: client.opts.interpolationDelay, fields: client.opts.interpolationFields });
    /** @type {Predictor | null} */
    this.predictor = null;
    this.stats = { snapshots: 0, bytes: 0, hashChecks: 0, desyncs: 0, badSections: 0, skipped: 0, resyncs: 0, rejoins: 0, moves: 0 };
    /** The tick of the state the mirror holds (0: none yet). */
    this.tick = 0;
    /** The highest input seq of this player the server applied (the snapshots' `a`). */
    this.ack = 0;
    this._seq = 0;
    // False for a seat taken back by a new Room (a rejoin) until its first full state: the
    // seat's inputs go on from that state's `a`, which only it tells.
    this._seqKnown = true;
    this._awaitFull = true;
    this._resyncing = false;
    this._reconnecting = false;
    this._moving = false; // following the seat to another node (Client._follow)
    this._globalsListened = false;
    /** @type {{resolve: () => void, reject: (e: Error) => void}[]} requests waiting for the rejoin */
    this._waiting = [];
    // room:events that arrive in the task that seats us (with the Joined ack, before the code
    // after `await join()` can register onMessage) are held for the handlers registered next.
    this._held = [];
    this._holding = true;
    setTimeout(() => { this._holding = false; this._held = []; }, 0);
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

  /**
   * onAdd calls fn(entity) for each entity entering the view. Unless opts.immediate is false it
   * first calls fn for every entity in view now, so that a callback registered after join()
   * sees the state that arrived with it.
   */
  onAdd(fn, opts) {
    const off = this.events.on("add", fn);
    if (immediate(opts) && this.mirror.filled) for (const e of [...this.entities.values()]) fn(e);
    return off;
  }

  /** onRemove calls fn(entity) for each entity leaving the view. */
  onRemove(fn) { return this.events.on("remove", fn); }

  /**
   * onChange calls fn(entity, fieldNames) for each entity whose fields changed; with a field
   * name, only when that field changed, as fn(entity, value).
   */
  onChange(fnOrField, maybeFn) {
    if (typeof fnOrField === "function") return this.events.on("change", fnOrField);
    const field = fnOrField;
    if (typeof maybeFn !== "function") throw new TypeError("tickroom: onChange(field, fn): fn is not a function");
    return this.events.on("change", (e, names) => { if (names.includes(field)) maybeFn(e, e.fields[field]); });
  }

  /**
   * onGlobals calls fn(globals, names) when room-global fields change. Unless opts.immediate is
   * false it first calls fn with every global name, once the room holds a state.
   */
  onGlobals(fn, opts) {
    const off = this.events.on("globals", fn);
    if (immediate(opts) && this.mirror.filled) fn(this.globals, Object.keys(this.globals));
    return off;
  }

  /**
   * listen calls fn(value, previous) when the room-global field changes; unless opts.immediate
   * is false, first with the current value (previous undefined) once the room holds a state.
   * Entities have their own: entity.listen(field, fn).
   */
  listen(field, fn, opts) {
    this._globalsListened = true;
    return addListener(this, this.globals, field, fn, { immediate: immediate(opts) && this.mirror.filled });
  }

  /**
   * onMessage calls fn(event) for each room:event of that type ({type, ...fields}) the mode
   * sends. Events that arrived together with the Joined ack, before any handler for their type,
   * are passed to the first handler registered for it right after join() resolved.
   */
  onMessage(type, fn) {
    if (typeof type !== "string") throw new TypeError("tickroom: onMessage(type, fn): type is not a string");
    const off = this.events.on("message:" + type, fn);
    const held = this._held.filter((ev) => ev.type === type);
    if (held.length) {
      this._held = this._held.filter((ev) => ev.type !== type);
      for (const ev of held) fn(ev);
    }
    return off;
  }

  /**
   * removeAllListeners drops every listener of this room: on(), the state callbacks, onMessage,
   * and the listen() of the room and of its entities.
   */
  removeAllListeners() {
    this.events.removeAll();
    dropListeners(this);
    for (const e of this.entities.values()) dropListeners(e);
    this._held = [];
  }

  /** me is this player's own entity, the one whose `pid` field is the player id, if in view. */
  get me() {
    for (const e of this.entities.values()) if (e.fields.pid === this.playerId) return e;
    return undefined;
  }

  /**
   * sendInput emits an input with the next seq and returns that seq, or null when the room is
   * not connected (inputs are not queued across a reconnection) or, in a room entered by
   * `rejoin` (or by following a seat to another node), before its first state has arrived (the
   * seat's seq goes on from that state's `a`: an input sent before it would be dropped).
   */
  sendInput(fields) {
    if (this.closed || this._reconnecting || !this._seqKnown || !this.client.socket.connected) return null;
    const input = { seq: ++this._seq, ...fields };
    input.seq = this._seq;
    this.client.socket.emit("input", input);
    if (this.predictor) this.predictor.input(input);
    return input.seq;
  }

  /**
   * send sends room:message {type, data} to the mode's handler and resolves with its reply
   * (undefined when it gave none); it rejects with REFUSED (the handler said no), BAD_REQUEST
   * (no handler for the type, or a bad type), NOT_IN_ROOM or RATE_LIMITED.
   */
  async send(type, data) {
    const res = await this._request("room:message", data === undefined ? { type } : { type, data });
    return res.reply;
  }

  /** chat sends a chat message to the room. */
  async chat(text) { await this._request("room:chat", { text }); }

  /** ready marks this player ready or not. */
  async ready(ready = true) { await this._request("room:ready", { ready }); }

  /** start starts the match (host only). */
  async start() { await this._request("room:start", {}); }

  /** kick removes a player (host only). */
  async kick(playerId) { await this._request("room:kick", { playerId }); }

  /** resync asks for a full state; snapshots are skipped until it arrives. */
  async resync() {
    await this._seated("room:resync");
    this._awaitFull = true;
    this.stats.resyncs++;
    await this.client.request("room:resync", {});
  }

  /** leave gives up the seat. */
  async leave() {
    await this._request("room:leave", {});
    this._close("left");
  }

  // _request sends a request about this seat once the room is seated: at once, or after the
  // rejoin that is under way; NOT_IN_ROOM once the room is closed, whatever the connection is
  // doing (it may sit in another room by then).
  async _request(event, payload) {
    await this._seated(event);
    return this.client.request(event, payload);
  }

  _seated(event) {
    if (this.closed) return Promise.reject(new TickroomError("NOT_IN_ROOM", `${event}: the room is closed`));
    if (!this._reconnecting) return Promise.resolve();
    const ms = this.client.opts.requestTimeout;
    return new Promise((resolve, reject) => {
      const w = {
        resolve: () => { clearTimeout(timer); resolve(); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      };
      const timer = setTimeout(() => {
        this._waiting = this._waiting.filter((x) => x !== w);
        reject(new TickroomError("TIMEOUT", `${event}: the room did not reconnect within ${ms} ms`));
      }, ms);
      this._waiting.push(w);
    });
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
    // Global listeners are told the previous values; entities' come with the changes.
    const before = this._globalsListened && this.mirror.filled ? { ...this.globals } : {};
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
      this._seqKnown = true;
    }
    this.tick = s.t;
    this.ack = s.a;
    for (const e of changes.removed) this.events.emit("remove", e);
    for (const e of changes.added) this.events.emit("add", e);
    for (const [e, names, previous] of changes.changed) {
      this.events.emit("change", e, names);
      notify(e, e.fields, names, previous);
    }
    if (changes.globals.length) {
      this.events.emit("globals", this.globals, changes.globals);
      notify(this, this.globals, changes.globals, before);
    }
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

  _onEvent(ev) {
    this.events.emit("event", ev);
    if (!ev || typeof ev.type !== "string") return;
    const key = "message:" + ev.type;
    if (this.events.has(key)) this.events.emit(key, ev);
    else if (this._holding && this._held.length < MAX_HELD) this._held.push(ev);
  }

  // _rejoined takes the Joined of a rejoin into this room; the full state follows it.
  _rejoined(joined) {
    this._setJoined(joined);
    this._reconnecting = false;
    this._awaitFull = true;
    this.stats.rejoins++;
  }

  _onClosed(reason) { this._close(reason); }

  _close(reason) {
    if (this.closed) return;
    this.closed = true;
    this._reconnecting = false;
    if (this.client.room === this) this.client.room = null;
    const err = new TickroomError("NOT_IN_ROOM", `the room closed (${reason})`);
    for (const w of this._waiting.splice(0)) w.reject(err);
    this.events.emit("closed", reason);
  }

  // _onDisconnect: the connection was lost and socket.io-client is reconnecting; the room
  // rejoins its seat once it is back (Client._wire decides, and closes the room otherwise).
  _onDisconnect(reason) {
    if (this.closed) return;
    this._reconnecting = true;
    this._awaitFull = true;
    this.interpolator.clear();
    this.events.emit("reconnecting", reason);
  }

  // _rejoin runs on the new connection: room:rejoin with the seat token. The Joined ack updates
  // the seat synchronously, before the full snapshot that follows it is dispatched. A Joined
  // with url (the connection came back to another node of a cluster, say through a balancer)
  // has the client follow the seat to its node; this room stays the seat's, "moved" first.
  _rejoin() {
    this.client.request("room:rejoin", { seatToken: this.seatToken }, (joined) => {
      if (!this.closed && !joined.url) this._rejoined(joined);
      return joined;
    }).then((joined) => (joined.url && !this.closed ? this.client._follow(joined, this) : joined)).then(
      () => {
        if (this.closed) return;
        for (const w of this._waiting.splice(0)) w.resolve();
        this.events.emit("reconnected");
      },
      (err) => {
        if (this.closed) return;
        // The connection dropped again before the answer: the next connect rejoins.
        if ((err.code === "DISCONNECTED" || err.code === "TIMEOUT") && !this.client.socket.connected) return;
        this.events.emit("seatlost", err);
        this._close("seatlost");
      },
    );
  }
}
