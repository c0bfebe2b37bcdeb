// Typed state for @tickroom/client: a mode's state described for the type checker, and what a
// Room<S> derives from it (entities, globals, inputs, messages, events). Types only: the client
// reads the real schema from the Joined ack at run time.
import type { ArenaState } from "./arena.js";

/** A field value as the mirror shows it: quantized floats scaled, int64 beyond 2^53 as bigint. */
export type FieldValue = number | bigint | boolean | string;

/** An entity kind's, or the globals', fields by name. */
export type Fields = Record<string, FieldValue>;

/**
 * State describes a mode's state: each entity kind (by its schema name) with its fields, the
 * globals, and optionally the `input` fields, the room:message types (`data` sent, `reply`
 * received) and the room:event types (their fields). For example:
 *
 *     interface ShopState {
 *       entities: { customer: { x: number; y: number; gold: number } };
 *       globals: { open: boolean };
 *       messages: { buy: { data: { item: string }; reply: { price: number } } };
 *       events: { sale: { item: string; by: number } };
 *     }
 *
 * An int field that may pass 2^53 arrives as a bigint: declare it `number | bigint`.
 */
export interface State {
  entities: { [kind: string]: object };
  globals: object;
  input?: object;
  messages?: { [type: string]: { data?: unknown; reply?: unknown } };
  events?: { [type: string]: object };
}

/** The state of a mode the type checker knows nothing about: every field a FieldValue. */
export interface AnyState extends State {
  entities: Record<string, Fields>;
  globals: Fields;
}

/**
 * Modes maps mode names to their state, so that client.create({mode: "arena"}) is a
 * Room<ArenaState>. Add your own with a declaration merge:
 *
 *     declare module "@tickroom/client" { interface Modes { shop: ShopState } }
 */
export interface Modes {
  arena: ArenaState;
}

/** The state of the mode named M: Modes[M], or AnyState. */
export type StateOf<M extends string> = M extends keyof Modes ? Modes[M] : AnyState;

/** Options of the immediate first call of onAdd, onGlobals and listen. */
export interface ListenOptions {
  /** Call at once for what the room holds already (default true). */
  immediate?: boolean;
}

/** The entity kinds' names of S. */
export type KindOf<S extends State> = Extract<keyof S["entities"], string>;

/** One entity of kind K whose fields are F, as the mirror keeps it. */
export interface EntityOf<K extends string = string, F extends object = Fields> {
  readonly id: number;
  /** The kind's name from the schema, such as "player". */
  readonly kind: K;
  /** The current values; the object is the same for as long as the entity stays in view. */
  readonly fields: Readonly<F>;
  /**
   * Calls fn(value, previous) whenever the field changes, and (unless opts.immediate is false)
   * once at once with the current value and previous undefined. The listener goes with the
   * entity when it leaves the view. Returns the function that removes it.
   */
  listen<N extends Extract<keyof F, string>>(field: N, fn: (value: F[N], previous: F[N] | undefined) => void, opts?: ListenOptions): () => void;
}

/**
 * An entity of S: a union over its kinds, so that checking `kind` narrows `fields`
 * (`if (e.kind === "player") e.fields.score`). Entity<S, "player"> is one kind.
 */
export type Entity<S extends State = AnyState, K extends KindOf<S> = KindOf<S>> =
  K extends unknown ? EntityOf<K, S["entities"][K]> : never;

/** The field names of any kind of S. */
export type FieldName<S extends State> = { [K in KindOf<S>]: Extract<keyof S["entities"][K], string> }[KindOf<S>];

/** The type of field N in the kinds of S that have it. */
export type FieldType<S extends State, N extends string> =
  { [K in KindOf<S>]: N extends keyof S["entities"][K] ? S["entities"][K][N] : never }[KindOf<S>];

/** T, or D when T is never. */
type Or<T, D> = [T] extends [never] ? D : T;

/** The entities of S that have field N (all of them when the kinds are not declared). */
export type EntityWith<S extends State, N extends string> =
  Or<Extract<Entity<S>, { readonly fields: { readonly [P in N]: unknown } }>, Entity<S>>;

/** The own entity of S: the kinds with a `pid` field. */
export type MeOf<S extends State> = EntityWith<S, "pid">;

/** The globals of S. */
export type GlobalsOf<S extends State> = Readonly<S["globals"]>;

/** The `input` fields of S (any record when not declared). */
export type InputOf<S extends State> = S extends { input: infer I } ? I : Record<string, unknown>;

type MessagesOf<S extends State> = S extends { messages: infer M } ? M : { [type: string]: { data: unknown; reply: unknown } };

/** The room:message types of S (any string when not declared). */
export type MessageType<S extends State> = Extract<keyof MessagesOf<S>, string>;

/** The arguments after the type of room.send for message T: the data, optional when it may be undefined. */
export type MessageArgs<S extends State, T extends string> =
  T extends keyof MessagesOf<S>
    ? "data" extends keyof MessagesOf<S>[T]
      ? {} extends Pick<MessagesOf<S>[T], "data"> ? [data?: MessagesOf<S>[T]["data"]]
        : undefined extends MessagesOf<S>[T]["data"] ? [data?: MessagesOf<S>[T]["data"]]
        : [data: MessagesOf<S>[T]["data"]]
      : []
    : [data?: unknown];

/** What room.send resolves with for message T: its reply, undefined when it has none. */
export type MessageReply<S extends State, T extends string> =
  T extends keyof MessagesOf<S> ? "reply" extends keyof MessagesOf<S>[T] ? MessagesOf<S>[T]["reply"] : undefined : unknown;

type EventsOf<S extends State> = S extends { events: infer E } ? E : { [type: string]: { [field: string]: unknown } };

/** The room:event types of S (any string when not declared). */
export type EventType<S extends State> = Extract<keyof EventsOf<S>, string>;

/** A room:event of type T: {type, ...fields}. */
export type EventOf<S extends State, T extends string> = (T extends keyof EventsOf<S> ? EventsOf<S>[T] : {}) & { type: T };
