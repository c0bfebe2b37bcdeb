// The connection and the lobby: connect() opens a Socket.IO connection with the msgpack parser,
// turns every request's ack into a promise, and routes room events and snapshots to the Room.

import { io } from "socket.io-client";
import msgpackParser from "socket.io-msgpack-parser";
import { TickroomError } from "./errors.js";
import { Emitter } from "./emitter.js";
import { ClockSync } from "./interpolation.js";
import { Room } from "./room.js";

const SEATING = new Set(["room:create", "room:join", "room:quickjoin", "room:rejoin"]);

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

/** Client is one connection to a server: lobby calls, and the room it sits in. */
export class Client {
  constructor(url, opts) {
    this.opts = {
      requestTimeout: 5000,
      interpolationDelay: 100,
      transports: ["websocket"],
      reconnection: true,
      ...opts,
    };
    /** @type {Room | null} */
    this.room = null;
    this.clock = new ClockSync();
    this.events = new Emitter();
    /** @type {import("./index.js").RoomWatch | null} */
    this._watch = null;
    this._closed = false;
    const auth = {};
    if (opts.name !== undefined) auth.name = opts.name;
    if (opts.token !== undefined) auth.token = opts.token;
    this.socket = io(url, {
      parser: msgpackParser,
      transports: this.opts.transports,
      auth,
      forceNew: true,
      reconnection: this.opts.reconnection,
      reconnectionDelay: opts.reconnectionDelay ?? 500,
      reconnectionDelayMax: opts.reconnectionDelayMax ?? 2000,
      ...(opts.socketOptions ?? {}),
    });
    this._wire();
    this._ready = new Promise((resolve, reject) => {
      const s = this.socket;
      const onConnect = () => { s.off("connect_error", onError); resolve(); };
      const onError = (err) => {
        s.off("connect", onConnect);
        s.disconnect();
        const code = err && err.message === "unauthorized" ? "UNAUTHORIZED" : "CONNECT_FAILED";
        reject(new TickroomError(code, err && err.message ? err.message : "connection failed"));
      };
      s.once("connect", onConnect);
      s.once("connect_error", onError);
    });
  }

  // _wire registers every server event at once, so that no event can arrive before its handler:
  // the first full snapshot follows a Joined ack immediately.
  _wire() {
    const s = this.socket;
    s.on("snapshot", (snap) => { if (this.room) this.room._onSnapshot(snap); });
    s.on("room:player", (ev) => { if (this.room) this.room._onPlayer(ev); });
    s.on("room:info", (info) => { if (this.room) this.room._onInfo(info); });
    s.on("room:chat", (msg) => { if (this.room) this.room.events.emit("chat", msg); });
    s.on("room:event", (ev) => { if (this.room) this.room._onEvent(ev); });
    s.on("room:closed", (ev) => { if (this.room) this.room._onClosed(ev && ev.reason); });
    s.on("notice", (n) => this.events.emit("notice", n));
    s.on("lobby:update", (u) => { if (this._watch) this._watch._onUpdate(u); });
    s.on("disconnect", (reason) => {
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
    s.io.on("reconnect_failed", () => { if (this.room) this.room._close("disconnected"); });
    s.on("connect", () => {
      if (this.room && this.room._reconnecting) this.room._rejoin();
      if (!this._closed) this.timeSync(3).catch(() => {});
    });
  }

  /**
   * request sends one request event and resolves with the ack's result, or rejects with a
   * TickroomError carrying the contract's code. onJoined, for seating requests, runs inside the
   * ack callback itself, before any later event is dispatched.
   */
  request(event, payload = {}, onOk) {
    return new Promise((resolve, reject) => {
      // Not connected and not reconnecting: socket.io-client would buffer the request until
      // the timeout, for a connection that is not coming back.
      if (this._closed || !this.socket.active) {
        return reject(new TickroomError("DISCONNECTED", `${event}: the connection is closed`));
      }
      this.socket.timeout(this.opts.requestTimeout).emit(event, payload, (err, res) => {
        if (err) {
          // socket.io-client answers a request in flight when the connection drops.
          if (!this.socket.connected) return reject(new TickroomError("DISCONNECTED", `${event}: the connection dropped before the answer`));
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

  // _seat sends a request that answers Joined and makes the Room inside the ack callback.
  _seat(event, payload) {
    if (!SEATING.has(event)) throw new Error("not a seating request: " + event);
    return this.request(event, payload, (joined) => {
      const room = new Room(this, joined);
      this.room = room;
      this.timeSync(3).catch(() => {});
      return room;
    });
  }

  /** list resolves with the public rooms matching the filter. */
  async list(filter = {}) {
    const res = await this.request("lobby:list", filter);
    return res.rooms;
  }

  /** watch starts a live room list; lobby:update events keep watch.rooms current. */
  async watch(filter = {}) {
    const w = new RoomWatch(this);
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

  /** on listens to client events: "disconnect" (reason), "notice" ({code, message}). */
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
    // Already disconnected (reconnecting): no disconnect event comes to close the room.
    if (this.room) this.room._close("disconnected");
    if (this._watch) this._watch = null;
  }
}

/** RoomWatch is a live list of rooms, kept current by lobby:update events. */
export class RoomWatch {
  constructor(client) {
    this.client = client;
    /** @type {Map<string, any>} */
    this.rooms = new Map();
    this.events = new Emitter();
  }

  _onUpdate({ rooms = [], removed = [] }) {
    for (const r of rooms) this.rooms.set(r.id, r);
    for (const id of removed) this.rooms.delete(id);
    this.events.emit("update", [...this.rooms.values()], { rooms, removed });
  }

  /** on("update", (rooms, delta) => ...) after every lobby:update. */
  on(event, fn) { return this.events.on(event, fn); }

  /** unwatch stops the updates. */
  async unwatch() {
    if (this.client._watch === this) this.client._watch = null;
    await this.client.request("lobby:unwatch", {});
  }
}
