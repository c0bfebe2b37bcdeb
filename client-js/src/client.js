// The connection and the lobby: connect() opens a Socket.IO connection with the msgpack parser,
// turns every request's ack into a promise, and routes room events and snapshots to the Room.
// In a cluster a seat may be on another node (a Joined with url): the client follows it there
// and moves its one connection over (docs/cluster.md).

import { io } from "socket.io-client";
import msgpackParser from "socket.io-msgpack-parser";
import { TickroomError } from "./errors.js";
import { Emitter } from "./emitter.js";
import { ClockSync } from "./interpolation.js";
import { Room } from "./room.js";

const SEATING = new Set(["room:create", "room:join", "room:quickjoin", "room:rejoin"]);

// MAX_MOVES bounds the nodes one seat request is sent on to: the owner answers for its own
// seats without url, so a chain of urls means the nodes disagree about where the seat is.
const MAX_MOVES = 3;

/** origin is url's scheme://host[:port], the form of Joined.url; url itself when it is not one. */
function origin(url) {
  try {
    return new URL(url).origin;
  } catch {
    return String(url);
  }
}

/**
 * connect opens a connection to a tickroom server and resolves once it is established.
 * It rejects with TickroomError UNAUTHORIZED when the server refuses the token, and
 * CONNECT_FAILED when the first attempt fails for another reason.
 * @param {string} url such as "http://localhost:8080"
 * @param {import("./index.js").ConnectOptions} [opts]
 */
export function connect(url, opts = {}) {
  const client = new Client(url, opts);
  return client._ready.then(() => client);
}

/**
 * Client is one connection to a server: lobby calls, and the room it sits in. In a cluster the
 * connection moves to the node that holds the seat (see _follow), so there is one at a time.
 */
export class Client {
  constructor(url, opts) {
    this.opts = {
      requestTimeout: 5000,
      interpolationDelay: 100,
      transports: ["websocket"],
      reconnection: true,
      ...opts,
    };
    /** The server the connection goes to: url, or the origin of the node the client moved to. */
    this.url = url;
    /** @type {Room | null} */
    this.room = null;
    this.clock = new ClockSync();
    this.events = new Emitter();
    /** @type {import("./index.js").RoomWatch | null} */
    this._watch = null;
    this._closed = false;
    /** @type {Map<import("socket.io-client").Socket, (e: Error) => void>} connections opened to follow a seat, not in use yet, with what aborts each */
    this._pending = new Map();
    const auth = {};
    if (opts.name !== undefined) auth.name = opts.name;
    if (opts.token !== undefined) auth.token = opts.token;
    // Every connection, the first and those to the nodes a seat moves to, has these options.
    this._ioOptions = {
      parser: msgpackParser,
      transports: this.opts.transports,
      auth,
      forceNew: true,
      reconnection: this.opts.reconnection,
      reconnectionDelay: opts.reconnectionDelay ?? 500,
      reconnectionDelayMax: opts.reconnectionDelayMax ?? 2000,
      ...(opts.socketOptions ?? {}),
    };
    this.socket = this._open(url);
    this._ready = this._connected(this.socket, null);
  }

  // _open makes a connection to url with the client's options, its events wired.
  _open(url) {
    const s = io(url, { ...this._ioOptions, auth: { ...this._ioOptions.auth } });
    this._wire(s);
    return s;
  }

  // _connected resolves once s is connected, or rejects with a TickroomError at its first
  // failure and stops it (no reconnection attempts for a connection that never was). where,
  // when set, names the server in the message.
  _connected(s, where) {
    return new Promise((resolve, reject) => {
      const done = () => {
        s.off("connect", onConnect);
        s.off("connect_error", onError);
        if (this._pending.get(s) === abort) this._pending.delete(s);
      };
      const onConnect = () => { done(); resolve(); };
      const onError = (err) => {
        done();
        s.disconnect();
        const code = err && err.message === "unauthorized" ? "UNAUTHORIZED" : "CONNECT_FAILED";
        const msg = err && err.message ? err.message : "connection failed";
        reject(new TickroomError(code, where ? `${where} cannot be reached: ${msg}` : msg));
      };
      const abort = (e) => { done(); s.disconnect(); reject(e); };
      if (where) this._pending.set(s, abort);
      s.once("connect", onConnect);
      s.once("connect_error", onError);
    });
  }

  // _wire registers every server event of s at once, so that no event can arrive before its
  // handler: the first full snapshot follows a Joined ack immediately. Only the connection in
  // use is heard: one opened to follow a seat joins in when it takes over (_use), and the one
  // it replaced is gone by then.
  _wire(s) {
    const on = (event, fn) => s.on(event, (...args) => { if (s === this.socket) fn(...args); });
    on("snapshot", (snap) => { if (this.room) this.room._onSnapshot(snap); });
    on("room:player", (ev) => { if (this.room) this.room._onPlayer(ev); });
    on("room:info", (info) => { if (this.room) this.room._onInfo(info); });
    on("room:chat", (msg) => { if (this.room) this.room.events.emit("chat", msg); });
    on("room:event", (ev) => { if (this.room) this.room._onEvent(ev); });
    on("room:closed", (ev) => { if (this.room) this.room._onClosed(ev && ev.reason); });
    on("notice", (n) => this.events.emit("notice", n));
    on("lobby:update", (u) => { if (this._watch) this._watch._onUpdate(u); });
    on("disconnect", (reason) => {
      this.events.emit("disconnect", reason);
      const room = this.room;
      if (!room) return;
      // socket.io-client reconnects by itself after a lost connection, but not after
      // socket.disconnect() (client.close() calls it; so may the application) nor when the
      // server ended the connection: then no rejoin will come, and the room ends here.
      if (this._closed || !s.active || !this.opts.reconnection) room._close("disconnected");
      else room._onDisconnect(reason);
    });
    // With socketOptions.reconnectionAttempts, socket.io-client may give up.
    s.io.on("reconnect_failed", () => { if (s === this.socket && this.room) this.room._close("disconnected"); });
    on("connect", () => {
      if (this.room && this.room._reconnecting && !this.room._moving) this.room._rejoin();
      if (!this._closed) this.timeSync(3).catch(() => {});
    });
  }

  /**
   * request sends one request event and resolves with the ack's result, or rejects with a
   * TickroomError carrying the contract's code. onJoined, for seating requests, runs inside the
   * ack callback itself, before any later event is dispatched.
   */
  request(event, payload = {}, onOk) {
    return this._ask(this.socket, event, payload, onOk);
  }

  // _ask is request on the connection s.
  _ask(s, event, payload, onOk) {
    return new Promise((resolve, reject) => {
      // Not connected and not reconnecting: socket.io-client would buffer the request until
      // the timeout, for a connection that is not coming back.
      if (this._closed || !s.active) {
        return reject(new TickroomError("DISCONNECTED", `${event}: the connection is closed`));
      }
      s.timeout(this.opts.requestTimeout).emit(event, payload, (err, res) => {
        if (err) {
          // socket.io-client answers a request in flight when the connection drops.
          if (!s.connected) return reject(new TickroomError("DISCONNECTED", `${event}: the connection dropped before the answer`));
          return reject(new TickroomError("TIMEOUT", `${event}: no answer within ${this.opts.requestTimeout} ms`));
        }
        if (!res || typeof res !== "object") return reject(new TickroomError("INTERNAL", `${event}: malformed answer`));
        if (!res.ok) {
          const e = res.error || {};
          return reject(new TickroomError(String(e.code || "INTERNAL"), String(e.message || e.code || "request failed")));
        }
        try {
          resolve(onOk ? onOk(res) : res);
        } catch (e) {
          reject(e);
        }
      });
    });
  }

  // _seat sends a request that answers Joined and makes the Room inside the ack callback, or,
  // for a seat on another node (a Joined with url), once the client has followed it there.
  async _seat(event, payload) {
    if (!SEATING.has(event)) throw new Error("not a seating request: " + event);
    let room = null;
    const joined = await this.request(event, payload, (j) => {
      if (!j.url) {
        room = this._enter(j, null, event === "room:rejoin");
        this.timeSync(3).catch(() => {});
      }
      return j;
    });
    if (room) return room;
    try {
      return await this._follow(joined, null);
    } catch (e) {
      if (e instanceof TickroomError) e.message = `${event}: ${e.message}`;
      throw e;
    }
  }

  // _enter takes a Joined from the node that holds the seat: a new Room, or room (one that
  // rejoined) brought up to date. It runs inside the ack callback, before the full snapshot.
  // A new Room for a seat taken back (rejoin) does not know the seat's input seq until that
  // snapshot's `a`: it takes no input before it.
  _enter(joined, room, rejoin) {
    if (room) {
      room._rejoined(joined);
      return room;
    }
    room = new Room(this, joined);
    if (rejoin) room._seqKnown = false;
    this.room = room;
    return room;
  }

  /**
   * _follow takes a seat that is on another node: a Joined with url, the owner's origin, whose
   * seat waits there like a seat in grace. It connects to url with the same options, sends
   * room:rejoin with the Joined's token, and, inside that ack (before the full state that
   * follows it), makes the new connection the client's (_use) and enters the seat: into room
   * when given (a rejoin after a lost connection: the same object, with its callbacks), else a
   * new Room. Then it emits "moved" {from, to} on the room and the client. It rejects with
   * CONNECT_FAILED when the owner cannot be reached (the first connection stays in use), or
   * with the owner's error.
   */
  async _follow(joined, room) {
    const from = origin(this.url);
    // While a lost connection's room moves, the connection it came back on is left alone: a
    // rejoin of its own there would race this one for the seat.
    const moving = room;
    if (moving) moving._moving = true;
    try {
      for (let j = joined, hop = 0; j.url; hop++) {
        if (this._closed) throw new TickroomError("DISCONNECTED", "the client was closed");
        if (hop === MAX_MOVES) throw new TickroomError("INTERNAL", `the seat was sent on ${MAX_MOVES} times, last to ${j.url}`);
        if (room) room.seatToken = j.you.seatToken; // the token sent with was spent
        const to = j.url;
        const s = this._open(to);
        try {
          await this._connected(s, `the room's server ${to}`);
          j = await this._ask(s, "room:rejoin", { seatToken: j.you.seatToken }, (back) => {
            if (back.url || (room && room.closed)) return back;
            this._use(s, to);
            room = this._enter(back, room, true);
            return back;
          });
        } finally {
          if (s !== this.socket) s.disconnect();
        }
        if (room && room.closed) throw new TickroomError("NOT_IN_ROOM", "the room closed while it moved");
      }
    } finally {
      if (moving) moving._moving = false;
    }
    const move = { from, to: origin(this.url) };
    room.stats.moves++;
    room.events.emit("moved", move);
    this.events.emit("moved", move);
    return room;
  }

  // _use makes s, connected to url, the client's connection and closes the one before: lobby
  // calls go to the new node too (every node lists the rooms of all), a live watch is renewed
  // there, and the clock estimate starts anew against the new node's clock.
  _use(s, url) {
    const old = this.socket;
    this.socket = s;
    this.url = url;
    old.disconnect();
    this.clock.reset();
    this.timeSync(3).catch(() => {});
    if (this._watch) this._watch._renew();
  }

  /** list resolves with the public rooms matching the filter. */
  async list(filter = {}) {
    const res = await this.request("lobby:list", filter);
    return res.rooms;
  }

  /** watch starts a live room list; lobby:update events keep watch.rooms current. */
  async watch(filter = {}) {
    const w = new RoomWatch(this, filter);
    this._watch = w;
    try {
      const res = await this.request("lobby:watch", filter);
      // Updates arriving before the ack's promise settles were applied already; the ack's list
      // is older than them only for rooms they name, so it fills in the rest.
      for (const r of res.rooms) if (!w.rooms.has(r.id)) w.rooms.set(r.id, r);
    } catch (e) {
      if (this._watch === w) this._watch = null;
      throw e;
    }
    return w;
  }

  /**
   * create makes a room and seats this client in it as host:
   * {mode, name?, maxPlayers?, private?, password?, meta?, options?, playerMeta?}.
   */
  create(opts) { return this._seat("room:create", opts); }

  /**
   * join takes a seat in a room: {roomId} or {code}, with password? and playerMeta? in the same
   * object. A second argument is refused: a password passed apart would be dropped silently.
   */
  join(target, ...rest) {
    if (rest.some((a) => a !== undefined)) return Promise.reject(new TypeError("tickroom: join takes one object: {code or roomId, password?, playerMeta?}"));
    return this._seat("room:join", target);
  }

  /** joinByCode takes a seat in the room with that join code. */
  joinByCode(code, password) { return this._seat("room:join", password === undefined ? { code } : { code, password }); }

  /** joinById takes a seat in the room with that id. */
  joinById(roomId, password) { return this._seat("room:join", password === undefined ? { roomId } : { roomId, password }); }

  /**
   * quickjoin takes a seat in the fullest joinable room of the mode whose meta matches, or makes
   * one (with the create options, when given): quickjoin({mode, meta?, create?: {name?,
   * maxPlayers?, options?}, playerMeta?}), or quickjoin(mode, meta?).
   */
  quickjoin(modeOrOpts, meta) {
    if (typeof modeOrOpts === "string") return this._seat("room:quickjoin", meta === undefined ? { mode: modeOrOpts } : { mode: modeOrOpts, meta });
    return this._seat("room:quickjoin", modeOrOpts);
  }

  /** rejoin takes back a seat held in its grace period, on this connection. */
  rejoin(seatToken) { return this._seat("room:rejoin", { seatToken }); }

  /** timeSync takes n time:sync samples and resolves with the clock estimate. */
  async timeSync(n = 1) {
    for (let i = 0; i < n; i++) {
      const t0 = Date.now();
      const res = await this.request("time:sync", { t0 });
      this.clock.add(t0, res.serverTime, Date.now());
    }
    return { offset: this.clock.offset, rtt: this.clock.rtt };
  }

  /** serverNow is the current server time (ms) by the clock estimate. */
  serverNow(now = Date.now()) { return now + this.clock.offset; }

  /**
   * on listens to client events: "disconnect" (reason), "notice" ({code, message}), "moved"
   * ({from, to}: the connection moved to the node that holds the seat).
   */
  on(event, fn) { return this.events.on(event, fn); }

  /** removeAllListeners drops every listener registered with on() (the room's are its own). */
  removeAllListeners() { this.events.removeAll(); }

  get connected() { return this.socket.connected; }

  /**
   * simulateConnectionLoss closes the transport under the connection, as a network failure
   * would (for tests of a game's reconnection handling): the room emits "reconnecting",
   * socket.io-client reconnects after reconnectionDelay, and the room rejoins its seat
   * ("reconnected"). The server sees the connection go at once and holds the seat for its grace
   * period.
   */
  simulateConnectionLoss() {
    if (this.socket.io.engine) this.socket.io.engine.close();
  }

  /**
   * close ends the connection for good. The room, if any, closes with reason "disconnected";
   * the server keeps the seat for its grace period (client.rejoin(room.seatToken) on another
   * connection takes it back).
   */
  close() {
    this._closed = true;
    this.socket.disconnect();
    for (const abort of [...this._pending.values()]) abort(new TickroomError("DISCONNECTED", "the client was closed"));
    // Already disconnected (reconnecting): no disconnect event comes to close the room.
    if (this.room) this.room._close("disconnected");
    if (this._watch) this._watch = null;
  }
}

/** RoomWatch is a live list of rooms, kept current by lobby:update events. */
export class RoomWatch {
  constructor(client, filter) {
    this.client = client;
    this.filter = filter;
    /** @type {Map<string, any>} */
    this.rooms = new Map();
    this.events = new Emitter();
    /** @type {Set<string> | null} rooms named by updates while a renewal waits for its ack */
    this._named = null;
  }

  _onUpdate({ rooms = [], removed = [] }) {
    for (const r of rooms) this.rooms.set(r.id, r);
    for (const id of removed) this.rooms.delete(id);
    if (this._named) for (const id of [...rooms.map((r) => r.id), ...removed]) this._named.add(id);
    this.events.emit("update", [...this.rooms.values()], { rooms, removed });
  }

  // _renew watches again on the connection the client moved to. The ack's list replaces the
  // rooms, except those that updates arriving before it named: they are newer than the list.
  _renew() {
    const named = new Set();
    this._named = named;
    this.client.request("lobby:watch", this.filter, (res) => {
      if (this._named === named) this._named = null;
      const listed = new Set(res.rooms.map((r) => r.id));
      const removed = [];
      for (const id of this.rooms.keys()) {
        if (!listed.has(id) && !named.has(id)) removed.push(id);
      }
      for (const id of removed) this.rooms.delete(id);
      const rooms = res.rooms.filter((r) => !named.has(r.id));
      for (const r of rooms) this.rooms.set(r.id, r);
      this.events.emit("update", [...this.rooms.values()], { rooms, removed });
    }).catch((e) => {
      if (this._named === named) this._named = null;
      this.events.emit("error", e);
    });
  }

  /**
   * on("update", (rooms, delta) => ...) after every lobby:update; on("error", fn) when the
   * watch could not be renewed on the node the client moved to.
   */
  on(event, fn) { return this.events.on(event, fn); }

  /** unwatch stops the updates. */
  async unwatch() {
    if (this.client._watch === this) this.client._watch = null;
    await this.client.request("lobby:unwatch", {});
  }
}
