// Client-side prediction for the bundled arena mode: arenaStep is the arena's own player movement
// (game/arena: DecodeInput, direction, move), in the same integer fixed point, for room.predict().

/** The arena's movement constants (game/arena/mode.go), at its tick rate of 20 Hz. */
export const arenaRules = Object.freeze({
  tickRate: 20,
  worldSize: 2000, // units; coordinates run from -1000 to +1000
  speed: 200, // units per second
  boostFactor: 1.5, // speed multiplier while boosting
  boostTicks: 20, // a boost lasts 1 s
  cooldownTicks: 60, // 3 s after a boost ends before the next may start
});

const FX = 1024; // positions are kept in 1/1024 unit (game/arena fx)
const DIR = 4096; // a direction component in fixed point (game/arena dirScale)
const HALF = (arenaRules.worldSize / 2) * FX;
const SPEED = (arenaRules.speed * FX) / arenaRules.tickRate; // fixed-point units per tick: 10240
const BOOST_SPEED = (SPEED * 3) / 2; // BoostNum / BoostDen, exact: 15360
const BOOST_TICKS = arenaRules.boostTicks;
const COOL_TICKS = arenaRules.cooldownTicks;

// roundHalfAway is Go's math.Round: halves round away from zero (JS Math.round rounds them up).
const roundHalfAway = (v) => (v < 0 ? -Math.round(-v) : Math.round(v));

const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));

/**
 * arenaInput is the arena server's reading of an input (game/arena DecodeInput and direction):
 * x and y default to 0 (null or undefined count as absent), a vector longer than 1 is scaled to
 * length 1, and the direction is rounded to 1/4096. It returns null for an input the server
 * drops as malformed: x or y not a finite number, boost not a boolean.
 * @param {Record<string, unknown>} input
 * @returns {{dx: number, dy: number, boost: boolean} | null} dx, dy in -4096..4096
 */
export function arenaInput(input) {
  let x = input.x ?? 0;
  let y = input.y ?? 0;
  const boost = input.boost ?? false;
  if (typeof x === "bigint") x = Number(x);
  if (typeof y === "bigint") y = Number(y);
  if (typeof x !== "number" || typeof y !== "number" || !Number.isFinite(x) || !Number.isFinite(y)) return null;
  if (typeof boost !== "boolean") return null;
  // The same float operations in the same order as the Go code, so the same result bits.
  const m = Math.max(Math.abs(x), Math.abs(y));
  if (m > 1) {
    x /= m;
    y /= m;
  }
  const l2 = x * x + y * y;
  if (l2 > 1) {
    const l = Math.sqrt(l2);
    x /= l;
    y /= l;
  }
  return { dx: roundHalfAway(x * DIR), dy: roundHalfAway(y * DIR), boost };
}

/**
 * arenaStep is the arena's movement of the own circle for one input, for room.predict(arenaStep):
 * it returns a new state with x, y and boost as the server computes them (bit for bit: integer
 * fixed point of 1/1024 unit, the server's rounding and truncation, the world clamped by the
 * radius r) plus two counters the server does not send, boostLeft and cooldownLeft (ticks).
 * Other fields are copied.
 *
 * What it assumes:
 * - One input is one tick. The server keeps the last input's direction until the next one and
 *   moves every tick (20 Hz), so the prediction is exact when the client sends one input per
 *   tick (every 50 ms, an unchanged direction included). Two inputs arriving in one tick, or a
 *   tick without any, put the prediction off by about a tick of movement (10 units) until the
 *   snapshots after them arrive; inputs timed to reach the server between two ticks (snapshot
 *   `ts` is the server time of a tick) avoid that.
 * - Orbs are not predicted: score and r change only with snapshots.
 * - Boost timing is not on the wire (only `boost`, "boosting now"): a state without the
 *   counters (straight from a snapshot) starts with no boost and no cooldown; the Predictor
 *   carries the counters over from its prediction for the acknowledged input, and where they
 *   contradict the server's `boost` the server wins (a boost it runs is taken as just started,
 *   one it has ended starts the cooldown).
 * - Positions in snapshots are quantized to 1/8 unit, so a prediction made from one can be off
 *   by up to 1/16 unit on each axis.
 * An input the server would drop as malformed (see arenaInput) leaves the state as it is.
 * @param {import("./index.js").ArenaState} state the own entity's fields: x, y, r, boost
 * @param {Record<string, unknown>} input as given to room.sendInput: {x?, y?, boost?}
 * @returns {import("./index.js").ArenaState & {boost: boolean, boostLeft: number, cooldownLeft: number}}
 */
export function arenaStep(state, input) {
  const dir = arenaInput(input);
  if (!dir) return state;
  let boostLeft = Number.isInteger(state.boostLeft) ? state.boostLeft : 0;
  let cooldownLeft = Number.isInteger(state.cooldownLeft) ? state.cooldownLeft : 0;
  if (state.boost === true && boostLeft === 0) {
    boostLeft = BOOST_TICKS;
    cooldownLeft = 0;
  } else if (state.boost === false && boostLeft > 0) {
    boostLeft = 0;
    cooldownLeft = COOL_TICKS;
  }
  // game/arena move(): the counters run first, then a wanted boost may start, then the move.
  if (boostLeft > 0) {
    boostLeft--;
    if (boostLeft === 0) cooldownLeft = COOL_TICKS;
  } else if (cooldownLeft > 0) {
    cooldownLeft--;
  }
  if (dir.boost && boostLeft === 0 && cooldownLeft === 0) boostLeft = BOOST_TICKS;
  const speed = boostLeft > 0 ? BOOST_SPEED : SPEED;
  const r = Math.round(Number(state.r) * FX);
  // dx * speed stays below 2^26: exact, and Math.trunc is Go's integer division.
  const x = clamp(Math.round(Number(state.x) * FX) + Math.trunc((dir.dx * speed) / DIR), -HALF + r, HALF - r);
  const y = clamp(Math.round(Number(state.y) * FX) + Math.trunc((dir.dy * speed) / DIR), -HALF + r, HALF - r);
  // + 0 turns -0 into 0, as Go's integers have no -0.
  return { ...state, x: x / FX + 0, y: y / FX + 0, boost: boostLeft > 0, boostLeft, cooldownLeft };
}
