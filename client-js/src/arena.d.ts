// Types of the bundled arena mode (game/arena): its state for Room<ArenaState>, and the
// movement of the own circle for prediction (arena.js).

/** An arena player entity's fields (schema kind "player"). */
export interface ArenaPlayer {
  x: number;
  y: number;
  /** Radius; grows with the score. */
  r: number;
  score: number;
  /** Boosting now. */
  boost: boolean;
  /** The player id of the circle's player (room.playerId for your own). */
  pid: number;
  name: string;
}

/** An arena orb's fields (schema kind "orb"). */
export interface ArenaOrb {
  x: number;
  y: number;
  /** Points for eating it. */
  v: number;
}

/** The arena's globals. */
export interface ArenaGlobals {
  /** 0 waiting, 1 playing, 2 ended. */
  phase: number;
  /** The tick the match ends at; 0 before the start. */
  endTick: number;
}

/** The arena's room:event "results" at the end of a match. */
export interface ArenaResults {
  ranking: { playerId: number; name: string; score: number }[];
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

/** The arena's state: Room<ArenaState> is what client.create({mode: "arena"}) resolves with. */
export interface ArenaState {
  entities: { player: ArenaPlayer; orb: ArenaOrb };
  globals: ArenaGlobals;
  input: ArenaInput;
  /** The arena handles no room:message. */
  messages: {};
  events: { results: ArenaResults };
}

/** The own circle's state as arenaStep reads and returns it (a mirrored player entity's fields). */
export interface ArenaStepState extends Record<string, unknown> {
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
 * The arena's movement of the own circle for one input, bit for bit as the server moves it in one
 * tick; for room.predict(arenaStep). Assumes one input per tick (send one every 50 ms); see README.
 */
export function arenaStep(
  state: ArenaStepState,
  input: ArenaInput | Record<string, unknown>,
): ArenaStepState & { boost: boolean; boostLeft: number; cooldownLeft: number };

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
