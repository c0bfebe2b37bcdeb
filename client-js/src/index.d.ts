// Type definitions for @tickroom/client (hand-written; checked by `tsc --strict` in types-test/).
import type { Socket } from "socket.io-client";

/** A contract error code, or a client-side one. */
export type ErrorCode =
  | "BAD_REQUEST" | "UNKNOWN_MODE" | "ROOM_NOT_FOUND" | "ROOM_FULL" | "ROOM_LOCKED" | "WRONG_PASSWORD"
  | "ALREADY_IN_ROOM" | "NOT_IN_ROOM" | "NOT_HOST" | "SEAT_EXPIRED" | "RATE_LIMITED" | "UNAUTHORIZED"
  | "INTERNAL" | "TIMEOUT" | "CONNECT_FAILED";

/** What every failed call rejects with. */
export class TickroomError extends Error {
  constructor(code: string, message: string);
  readonly code: ErrorCode | (string & {});
}

/** The contract's error codes. */
export const ErrorCodes: readonly ErrorCode[];

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

export interface Schema {
  kinds: { name: string; fields: FieldSchema[] }[];
  globals: FieldSchema[];
}

export interface Joined {
  ok: true;
  room: RoomInfo;
  you: { playerId: number; seatToken: string };
  players: PlayerInfo[];
  /** The mode's schema; older servers leave it out (then ConnectOptions.schemas or a bundled one). */
  schema?: Schema;
}

/** A field value: numbers (quantized floats already scaled), int64 beyond 2^53 as bigint. */
export type FieldValue = number | bigint | boolean | string;

export interface Entity {
  readonly id: number;
  /** The kind's name from the schema, such as "player". */
  readonly kind: string;
  readonly fields: Record<string, FieldValue>;
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

export interface CreateOptions {
  mode: string;
  name?: string;
  maxPlayers?: number;
  private?: boolean;
  password?: string;
  meta?: Meta;
  options?: Record<string, unknown>;
}

export type JoinTarget = ({ roomId: string } | { code: string }) & { password?: string };

export interface RoomChat { from: number; name: string; text: string; at: number }
export interface RoomEvent { type: string; [key: string]: unknown }
export interface Notice { code: string; message: string }

export function connect(url: string, opts?: ConnectOptions): Promise<Client>;

export class Client {
  readonly socket: Socket;
  /** The room this client sits in, or null. */
  room: Room | null;
  readonly clock: ClockSync;
  readonly connected: boolean;
  request<T = Record<string, unknown>>(event: string, payload?: object): Promise<T & { ok: true }>;
  list(filter?: ListFilter): Promise<RoomInfo[]>;
  watch(filter?: ListFilter): Promise<RoomWatch>;
  create(opts: CreateOptions): Promise<Room>;
  join(target: JoinTarget): Promise<Room>;
  joinByCode(code: string, password?: string): Promise<Room>;
  joinById(roomId: string, password?: string): Promise<Room>;
  quickjoin(mode: string, meta?: Meta): Promise<Room>;
  rejoin(seatToken: string): Promise<Room>;
  timeSync(samples?: number): Promise<{ offset: number; rtt: number }>;
  /** The server's current time in ms by the clock estimate. */
  serverNow(now?: number): number;
  on(event: "disconnect", fn: (reason: string) => void): () => void;
  on(event: "notice", fn: (notice: Notice) => void): () => void;
  close(): void;
}

export class RoomWatch {
  readonly rooms: Map<string, RoomInfo>;
  on(event: "update", fn: (rooms: RoomInfo[], delta: { rooms: RoomInfo[]; removed: string[] }) => void): () => void;
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
}

export type ApplyInput<S extends Record<string, unknown> = Record<string, FieldValue>> =
  (state: S, input: { seq: number } & Record<string, unknown>) => S;

export class Room {
  readonly client: Client;
  readonly id: string;
  readonly code: string;
  readonly playerId: number;
  readonly seatToken: string;
  readonly info: RoomInfo;
  readonly players: Map<number, PlayerInfo>;
  readonly entities: Map<number, Entity>;
  readonly globals: Record<string, FieldValue>;
  readonly stats: RoomStats;
  readonly tick: number;
  readonly ack: number;
  readonly closed: boolean;
  readonly interpolator: Interpolator;
  readonly predictor: Predictor | null;
  /** The own entity (its pid field is playerId), when in view. */
  readonly me: Entity | undefined;
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
  on(event: "seatlost", fn: (err: TickroomError) => void): () => void;
  on(event: "error", fn: (err: Error) => void): () => void;
  onAdd(fn: (entity: Entity) => void): () => void;
  onRemove(fn: (entity: Entity) => void): () => void;
  onChange(fn: (entity: Entity, fields: string[]) => void): () => void;
  onChange(field: string, fn: (entity: Entity, value: FieldValue) => void): () => void;
  onGlobals(fn: (globals: Record<string, FieldValue>, names: string[]) => void): () => void;

  /** Emits input with the next seq; returns the seq, or null when not connected. */
  sendInput(fields: Record<string, unknown>): number | null;
  chat(text: string): Promise<void>;
  ready(ready?: boolean): Promise<void>;
  start(): Promise<void>;
  kick(playerId: number): Promise<void>;
  resync(): Promise<void>;
  leave(): Promise<void>;
  interpolated(now?: number): Map<number, Record<string, number>>;
  predict<S extends Record<string, unknown>>(applyInput: ApplyInput<S>): Predictor<S>;
}

export interface SectionChanges {
  added: Entity[];
  removed: Entity[];
  changed: [Entity, string[]][];
  globals: string[];
}

export class BadSectionError extends Error {}

export class Mirror {
  constructor(schema: Schema);
  readonly entities: Map<number, Entity>;
  readonly globals: Record<string, FieldValue>;
  /** Throws BadSectionError, leaving the mirror unchanged, for a malformed section. */
  apply(section: Uint8Array | ArrayBuffer, full: boolean): SectionChanges;
  hash(): number;
}

export function compileSchema(schema: Schema): unknown;

export class Interpolator {
  constructor(opts?: { delay?: number; fields?: string[]; maxStates?: number });
  delay: number;
  readonly fields: string[];
  push(ts: number, entities: Iterable<{ id: number; fields: Record<string, unknown> }>): void;
  clear(): void;
  at(renderTs: number): Map<number, Record<string, number>>;
}

export class ClockSync {
  readonly offset: number;
  readonly rtt: number;
  readonly samples: number;
  add(t0: number, serverTime: number, t1: number): void;
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

/** The own circle's state as arenaStep reads and returns it (a mirrored player entity's fields). */
export interface ArenaState extends Record<string, unknown> {
  x: number;
  y: number;
  /** Radius; the world clamps the center to [-1000 + r, 1000 - r]. */
  r: number;
  /** Boosting now. */
  boost?: boolean;
  /** Ticks of boost left (client-side; not on the wire). */
  boostLeft?: number;
  /** Ticks until a boost may start again (client-side; not on the wire). */
  cooldownLeft?: number;
}

/**
 * An arena input: a direction (longer vectors are scaled to length 1) and an optional boost.
 * arenaStep takes any record, as room.sendInput does: fields of other types are what the server
 * drops as malformed.
 */
export interface ArenaInput {
  x?: number | null;
  y?: number | null;
  boost?: boolean | null;
}

/**
 * The arena's movement of the own circle for one input, bit for bit as the server moves it in one
 * tick; for room.predict(arenaStep). Assumes one input per tick (send one every 50 ms); see README.
 */
export function arenaStep(
  state: ArenaState,
  input: ArenaInput | Record<string, unknown>,
): ArenaState & { boost: boolean; boostLeft: number; cooldownLeft: number };

/** The server's reading of an arena input: direction in 1/4096, or null when it is malformed. */
export function arenaInput(input: Record<string, unknown>): { dx: number; dy: number; boost: boolean } | null;

/** The arena's movement constants. */
export const arenaRules: Readonly<{
  tickRate: number;
  worldSize: number;
  speed: number;
  boostFactor: number;
  boostTicks: number;
  cooldownTicks: number;
}>;

/** Schemas of the bundled modes (arena). */
export const bundledSchemas: Record<string, Schema>;
