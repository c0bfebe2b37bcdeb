// Type definitions for @tickroom/client (hand-written; checked by `tsc --strict` in types-test/).
// The typed state is in state.d.ts, the arena's types in arena.d.ts.
import type { Socket } from "socket.io-client";
import type {
  AnyState, Entity, EntityWith, EventOf, EventType, FieldName, FieldType, FieldValue, GlobalsOf,
  InputOf, ListenOptions, MeOf, MessageArgs, MessageReply, MessageType, State, StateOf,
} from "./state.js";

export * from "./state.js";
export * from "./arena.js";

/** A contract error code, or a client-side one (TIMEOUT, CONNECT_FAILED, DISCONNECTED). */
export type ErrorCode =
  | "BAD_REQUEST" | "UNKNOWN_MODE" | "ROOM_NOT_FOUND" | "ROOM_FULL" | "ROOM_LOCKED" | "WRONG_PASSWORD"
  | "ALREADY_IN_ROOM" | "NOT_IN_ROOM" | "NOT_HOST" | "SEAT_EXPIRED" | "RATE_LIMITED" | "UNAUTHORIZED"
  | "INTERNAL" | "REFUSED" | "UNAVAILABLE" | "TIMEOUT" | "CONNECT_FAILED" | "DISCONNECTED";

/** What every failed call rejects with. */
export class TickroomError extends Error {
  constructor(code: string, message: string);
  readonly code: ErrorCode | (string & {});
}

/** The contract's error codes. */
export const ErrorCodes: readonly ErrorCode[];
/** The client's own codes: TIMEOUT, CONNECT_FAILED, DISCONNECTED. */
export const ClientErrorCodes: readonly ErrorCode[];

export type MetaValue = string | number | boolean;
export type Meta = Record<string, MetaValue>;
export type Phase = "waiting" | "playing" | "ended";

export interface RoomInfo {
  id: string;
  code: string;
  mode: string;
  name: string;
  players: number;
  maxPlayers: number;
  private: boolean;
  hasPassword: boolean;
  phase: Phase;
  meta: Meta;
  createdAt: number;
}

export interface PlayerInfo {
  id: number;
  name: string;
  ready: boolean;
  host: boolean;
  connected: boolean;
  bot: boolean;
}

export interface FieldSchema {
  name: string;
  type: "int" | "float" | "bool" | "string";
  quantum?: number;
}

export interface InputSchema {
  name: string;
  type: "int" | "float" | "bool";
  min?: number;
  max?: number;
}

export interface Schema {
  kinds: { name: string; fields: FieldSchema[] }[];
  globals: FieldSchema[];
  inputs?: InputSchema[];
}

export interface Joined {
  ok: true;
  room: RoomInfo;
  you: { playerId: number; seatToken: string };
  players: PlayerInfo[];
  /** The mode's schema; older servers leave it out (then ConnectOptions.schemas or a bundled one). */
  schema?: Schema;
  /**
   * In a cluster, the origin of the node that holds the seat when it is not the one that
   * answered; the client follows it by itself, so the Joined a Room is made from has none.
   */
  url?: string;
}

/** A move of the client's connection to the node that holds its seat (origins, no path). */
export interface Moved {
  from: string;
  to: string;
}

export interface Snapshot {
  t: number;
  b: number;
  a: number;
  ts: number;
  e: Uint8Array | ArrayBuffer;
  h?: number;
}

export interface ConnectOptions {
  /** The player's name (a verified token's name takes precedence). */
  name?: string;
  /** Handshake auth.token for servers with a token verifier; refused: connect() rejects UNAUTHORIZED. */
  token?: string;
  /** ms before a request rejects with TIMEOUT (default 5000). */
  requestTimeout?: number;
  /** Interpolation delay in ms (default 100). */
  interpolationDelay?: number;
  /** Numeric fields interpolated (default ["x", "y"]). */
  interpolationFields?: string[];
  /** Socket.IO transports (default ["websocket"]; ["polling", "websocket"] upgrades from long-polling). */
  transports?: ("websocket" | "polling" | "webtransport")[];
  /** Reconnect and rejoin the seat after a lost connection (default true). */
  reconnection?: boolean;
  reconnectionDelay?: number;
  reconnectionDelayMax?: number;
  /** Schemas by mode, used when a Joined ack carries none (arena is bundled). */
  schemas?: Record<string, Schema>;
  /** Passed to socket.io-client's io() last. */
  socketOptions?: Record<string, unknown>;
}

export interface ListFilter {
  mode?: string;
  meta?: Meta;
  includeFull?: boolean;
  limit?: number;
}

/** What a room made for you is: room:create's options, and quickjoin's `create`. */
export interface NewRoomOptions {
  name?: string;
  maxPlayers?: number;
  /** The mode's own options (its Configure reads them). */
  options?: Record<string, unknown>;
}

export interface CreateOptions<M extends string = string> extends NewRoomOptions {
  mode: M;
  private?: boolean;
  password?: string;
  /** The room's metadata, for list and quickjoin filters. */
  meta?: Meta;
  /** Your join metadata: the mode's CanJoin reads it (and may answer REFUSED). */
  playerMeta?: Meta;
}

export type JoinTarget = ({ roomId: string; code?: undefined } | { code: string; roomId?: undefined }) & {
  password?: string;
  /** Your join metadata: the mode's CanJoin reads it (and may answer REFUSED). */
  playerMeta?: Meta;
};

export interface QuickjoinOptions<M extends string = string> {
  mode: M;
  /** Only rooms whose meta has these entries; a room made here gets them. */
  meta?: Meta;
  /** The room to make when none fits. */
  create?: NewRoomOptions;
  /** Your join metadata: the mode's CanJoin reads it (and may answer REFUSED). */
  playerMeta?: Meta;
}

export interface RoomChat { from: number; name: string; text: string; at: number }
export interface RoomEvent { type: string; [key: string]: unknown }
export interface Notice { code: string; message: string }

export function connect(url: string, opts?: ConnectOptions): Promise<Client>;

/**
 * A connection to a server. Seating calls resolve with a Room typed by the mode's state:
 * create({mode: "arena"}) is a Room<ArenaState> (see Modes), create<MyState>(...) names one.
 */
export class Client {
  constructor(url: string, opts?: ConnectOptions);
  /** The connection in use: a move to another node of a cluster replaces it. */
  readonly socket: Socket;
  /** The server the connection goes to: connect()'s url, or the origin of the node it moved to. */
  readonly url: string;
  /** The room this client sits in, or null. */
  room: Room<any> | null;
  readonly clock: ClockSync;
  readonly connected: boolean;
  request<T = Record<string, unknown>>(event: string, payload?: object): Promise<T & { ok: true }>;
  list(filter?: ListFilter): Promise<RoomInfo[]>;
  watch(filter?: ListFilter): Promise<RoomWatch>;
  create<M extends string>(opts: CreateOptions<M>): Promise<Room<StateOf<M>>>;
  create<S extends State>(opts: CreateOptions): Promise<Room<S>>;
  /** {roomId} or {code}, with password and playerMeta in the same object. */
  join<S extends State = AnyState>(target: JoinTarget): Promise<Room<S>>;
  joinByCode<S extends State = AnyState>(code: string, password?: string): Promise<Room<S>>;
  joinById<S extends State = AnyState>(roomId: string, password?: string): Promise<Room<S>>;
  /** Join the fullest room of the mode whose meta matches, or make one: join-or-create. */
  quickjoin<M extends string>(opts: QuickjoinOptions<M>): Promise<Room<StateOf<M>>>;
  quickjoin<S extends State>(opts: QuickjoinOptions): Promise<Room<S>>;
  quickjoin<M extends string>(mode: M, meta?: Meta): Promise<Room<StateOf<M>>>;
  quickjoin<S extends State>(mode: string, meta?: Meta): Promise<Room<S>>;
  rejoin<S extends State = AnyState>(seatToken: string): Promise<Room<S>>;
  timeSync(samples?: number): Promise<{ offset: number; rtt: number }>;
  /** The server's current time in ms by the clock estimate. */
  serverNow(now?: number): number;
  on(event: "disconnect", fn: (reason: string) => void): () => void;
  on(event: "notice", fn: (notice: Notice) => void): () => void;
  /** The connection moved to the node of a cluster that holds the seat. */
  on(event: "moved", fn: (move: Moved) => void): () => void;
  removeAllListeners(): void;
  /**
   * Closes the transport as a network failure would, for tests: the room emits "reconnecting",
   * then "reconnected" once socket.io-client is back and the seat rejoined.
   */
  simulateConnectionLoss(): void;
  /** Ends the connection; the room closes with reason "disconnected". */
  close(): void;
}

export class RoomWatch {
  readonly rooms: Map<string, RoomInfo>;
  readonly filter: ListFilter;
  on(event: "update", fn: (rooms: RoomInfo[], delta: { rooms: RoomInfo[]; removed: string[] }) => void): () => void;
  /** The watch could not be renewed on the node the client moved to. */
  on(event: "error", fn: (err: TickroomError) => void): () => void;
  unwatch(): Promise<void>;
}

export interface RoomStats {
  snapshots: number;
  bytes: number;
  hashChecks: number;
  desyncs: number;
  badSections: number;
  skipped: number;
  resyncs: number;
  rejoins: number;
  /** Moves of the seat's connection to the node that holds it (cluster). */
  moves: number;
}

export type ApplyInput<S extends Record<string, unknown> = Record<string, FieldValue>> =
  (state: S, input: { seq: number } & Record<string, unknown>) => S;

/**
 * A seat in a room, with the mirror of the state the server shows this player. S is the mode's
 * state (see State): entities, globals, inputs, messages and events are typed by it.
 *
 * Closed reasons: the server's ("kicked", "ended", "shutdown", "rejoined", ...), "left" (leave()),
 * "seatlost" (the rejoin failed), "disconnected" (the connection ended for good: client.close(),
 * socket.disconnect(), the server closed it, or reconnection is off or gave up).
 */
export class Room<S extends State = AnyState> {
  readonly client: Client;
  readonly id: string;
  readonly code: string;
  readonly playerId: number;
  readonly seatToken: string;
  readonly info: RoomInfo;
  readonly players: Map<number, PlayerInfo>;
  readonly entities: ReadonlyMap<number, Entity<S>>;
  readonly globals: GlobalsOf<S>;
  readonly stats: RoomStats;
  readonly tick: number;
  readonly ack: number;
  readonly closed: boolean;
  readonly interpolator: Interpolator;
  readonly predictor: Predictor<any> | null;
  /** The own entity (its pid field is playerId), when in view. */
  readonly me: MeOf<S> | undefined;
  /** The predicted own state, or the mirrored one without prediction. */
  readonly predicted: Record<string, unknown> | null;

  on(event: "player", fn: (op: "join" | "leave" | "update", player: PlayerInfo) => void): () => void;
  on(event: "info", fn: (info: RoomInfo) => void): () => void;
  on(event: "chat", fn: (msg: RoomChat) => void): () => void;
  on(event: "event", fn: (ev: RoomEvent) => void): () => void;
  on(event: "closed", fn: (reason: string) => void): () => void;
  on(event: "snapshot", fn: (snap: Snapshot) => void): () => void;
  on(event: "desync", fn: (why: string) => void): () => void;
  on(event: "reconnecting", fn: (reason: string) => void): () => void;
  on(event: "reconnected", fn: () => void): () => void;
  /** After a lost connection came back to a node that does not hold the seat: followed there, before "reconnected". */
  on(event: "moved", fn: (move: Moved) => void): () => void;
  on(event: "seatlost", fn: (err: TickroomError) => void): () => void;
  on(event: "error", fn: (err: Error) => void): () => void;
  /** For each entity entering the view; first, unless opts.immediate is false, for each in view now. */
  onAdd(fn: (entity: Entity<S>) => void, opts?: ListenOptions): () => void;
  onRemove(fn: (entity: Entity<S>) => void): () => void;
  onChange(fn: (entity: Entity<S>, fields: string[]) => void): () => void;
  onChange<N extends FieldName<S>>(field: N, fn: (entity: EntityWith<S, N>, value: FieldType<S, N>) => void): () => void;
  /** When globals change; first, unless opts.immediate is false, with all of them once a state is held. */
  onGlobals(fn: (globals: GlobalsOf<S>, names: Extract<keyof S["globals"], string>[]) => void, opts?: ListenOptions): () => void;
  /** fn(value, previous) when the global changes; first, unless opts.immediate is false, with its current value. */
  listen<N extends Extract<keyof S["globals"], string>>(field: N, fn: (value: S["globals"][N], previous: S["globals"][N] | undefined) => void, opts?: ListenOptions): () => void;
  /** fn(event) for each room:event of the type ({type, ...fields}). */
  onMessage<T extends EventType<S>>(type: T, fn: (event: EventOf<S, T>) => void): () => void;
  /** Drops every listener: on(), the state callbacks, onMessage, and all listen(). */
  removeAllListeners(): void;

  /**
   * Emits input with the next seq; returns the seq, or null when not connected or, in a room
   * entered by rejoin, before its first state (the seat's seq goes on from that state's `a`).
   */
  sendInput(fields: InputOf<S>): number | null;
  /**
   * room:message to the mode's handler; resolves with its reply. Rejects with TickroomError
   * REFUSED, BAD_REQUEST (no handler for the type), NOT_IN_ROOM, RATE_LIMITED, TIMEOUT.
   */
  send<T extends MessageType<S>>(type: T, ...data: MessageArgs<S, T>): Promise<MessageReply<S, T>>;
  chat(text: string): Promise<void>;
  ready(ready?: boolean): Promise<void>;
  start(): Promise<void>;
  kick(playerId: number): Promise<void>;
  resync(): Promise<void>;
  leave(): Promise<void>;
  interpolated(now?: number): Map<number, Record<string, number>>;
  predict<P extends Record<string, unknown>>(applyInput: ApplyInput<P>): Predictor<P>;
}

export interface SectionChanges {
  added: Entity[];
  removed: Entity[];
  /** Each changed entity with the names of its changed fields and their previous values. */
  changed: [Entity, string[], Record<string, FieldValue>][];
  globals: string[];
}

export class BadSectionError extends Error {}

export class Mirror {
  constructor(schema: Schema);
  readonly entities: Map<number, Entity>;
  readonly globals: Record<string, FieldValue>;
  /** Whether a full state was applied. */
  readonly filled: boolean;
  /** Throws BadSectionError, leaving the mirror unchanged, for a malformed section. */
  apply(section: Uint8Array | ArrayBuffer, full: boolean): SectionChanges;
  hash(): number;
}

export function compileSchema(schema: Schema): unknown;

export class Interpolator {
  constructor(opts?: { delay?: number; fields?: string[]; maxStates?: number });
  delay: number;
  readonly fields: string[];
  push(ts: number, entities: Iterable<{ id: number; fields: Readonly<Record<string, unknown>> }>): void;
  clear(): void;
  at(renderTs: number): Map<number, Record<string, number>>;
}

export class ClockSync {
  readonly offset: number;
  readonly rtt: number;
  readonly samples: number;
  add(t0: number, serverTime: number, t1: number): void;
  /** Forgets every sample (another server's clock). */
  reset(): void;
}

/**
 * Client-side prediction: inputs apply at once; reconcile() replays the unacknowledged ones over
 * the authoritative state. Fields the authoritative state lacks are carried over from the
 * prediction for the last acknowledged input.
 */
export class Predictor<S extends Record<string, unknown> = Record<string, unknown>> {
  constructor(applyInput: ApplyInput<S>);
  readonly pending: ({ seq: number } & Record<string, unknown>)[];
  readonly state: S | null;
  readonly reconciled: number;
  input(input: { seq: number } & Record<string, unknown>): void;
  reconcile(authoritative: S | null, acked: number): S | null;
}

/** Schemas of the bundled modes (arena). */
export const bundledSchemas: Record<string, Schema>;
